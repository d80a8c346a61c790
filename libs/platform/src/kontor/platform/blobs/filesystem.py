"""Blob store in a folder (development, single-host installs).

Layout: ``<root>/<namespace>/ab/cd/<64 hex>`` (two levels of fan-out keep directories small).
A put streams into ``<root>/.incoming/`` (same filesystem), fsyncs, and renames into place, so a blob
is either absent or complete; a crash leaves at most a stray file in ``.incoming`` (namespaces cannot
start with a dot, so it never looks like a blob). Two puts of the same content racing both rename
identical bytes onto the same name, which is harmless. File I/O runs in worker threads.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

from kontor.platform.blobs.base import (
    CHUNK_BYTES, BlobInfo, BlobNotFound, BlobStore, Content, Digest, StoredBlob, check_address, check_namespace,
    chunks_of, ADDRESS_PATTERN, NAMESPACE_PATTERN,
)

INCOMING = ".incoming"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class FilesystemBlobStore(BlobStore):
    def __init__(self, root: str | Path, *, max_bytes: int):
        super().__init__(max_bytes=max_bytes)
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / INCOMING).mkdir(exist_ok=True)

    def _path(self, namespace: str, address: str) -> Path:
        check_namespace(namespace)
        hex_digest = check_address(address).removeprefix("sha256:")
        return self.root / namespace / hex_digest[:2] / hex_digest[2:4] / hex_digest

    async def put(self, namespace: str, content: Content, *, expected: str | None = None) -> StoredBlob:
        check_namespace(namespace)
        if expected is not None:
            check_address(expected, "expected")
        if isinstance(content, bytes | bytearray | memoryview):
            # Content in hand: hashed, written, fsynced and renamed in ONE worker thread (the streaming path
            # below costs four thread hops and hashes on the event loop); content the store has is not
            # written again.
            return await asyncio.to_thread(self._put_bytes, namespace, content, expected)
        fd, name = tempfile.mkstemp(dir=self.root / INCOMING, prefix="put-")  # mode 0600
        temp = Path(name)
        committed = False
        try:
            digest = Digest(self.max_bytes)
            with os.fdopen(fd, "wb") as file:
                async for chunk in chunks_of(content):
                    digest.update(chunk)
                    await asyncio.to_thread(file.write, chunk)
                await asyncio.to_thread(lambda: (file.flush(), os.fsync(file.fileno())))
            address = digest.check(expected)
            created = await asyncio.to_thread(self._commit, temp, self._path(namespace, address))
            committed = True
            return StoredBlob(address=address, size=digest.size, created=created)
        finally:
            if not committed:
                temp.unlink(missing_ok=True)

    def _put_bytes(self, namespace: str, content: bytes | bytearray | memoryview, expected: str | None) -> StoredBlob:
        digest = Digest(self.max_bytes)
        digest.update(content)
        address = digest.check(expected)
        final = self._path(namespace, address)
        if final.exists():
            os.utime(final)  # a sweep's grace period counts from the latest put (module doc of base)
            return StoredBlob(address=address, size=digest.size, created=False)
        fd, name = tempfile.mkstemp(dir=self.root / INCOMING, prefix="put-")  # mode 0600
        temp = Path(name)
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(content)
                file.flush()
                os.fsync(file.fileno())
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return StoredBlob(address=address, size=digest.size, created=self._commit(temp, final))

    @staticmethod
    def _commit(temp: Path, final: Path) -> bool:
        if final.exists():
            temp.unlink(missing_ok=True)
            os.utime(final)  # a sweep's grace period counts from the latest put (module doc of base)
            return False
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temp, final)
        _fsync_dir(final.parent)
        return True

    async def open(self, namespace: str, address: str) -> AsyncIterator[bytes]:
        path = self._path(namespace, address)
        try:
            # Opened before returning: a delete after this point no longer affects the reader (POSIX).
            file = await asyncio.to_thread(path.open, "rb")
        except FileNotFoundError:
            raise BlobNotFound(f"blob {address} not found") from None
        return self._stream(file)

    @staticmethod
    async def _stream(file) -> AsyncIterator[bytes]:
        try:
            while chunk := await asyncio.to_thread(file.read, CHUNK_BYTES):
                yield chunk
        finally:
            file.close()

    async def exists(self, namespace: str, address: str) -> bool:
        return await asyncio.to_thread(self._path(namespace, address).is_file)

    async def delete(self, namespace: str, address: str) -> bool:
        path = self._path(namespace, address)
        try:
            await asyncio.to_thread(path.unlink)
            return True
        except FileNotFoundError:
            return False

    async def list(self, namespace: str) -> AsyncIterator[BlobInfo]:
        base = self.root / check_namespace(namespace)
        found = await asyncio.to_thread(self._scan, base)
        for info in found:
            yield info

    @staticmethod
    def _scan(base: Path) -> list[BlobInfo]:
        found = []
        for path in base.glob("[0-9a-f][0-9a-f]/[0-9a-f][0-9a-f]/*"):
            if not ADDRESS_PATTERN.match("sha256:" + path.name):
                continue
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue  # deleted meanwhile
            found.append(BlobInfo(address="sha256:" + path.name, size=stat.st_size,
                                  modified=datetime.fromtimestamp(stat.st_mtime, UTC)))
        return found

    async def namespaces(self) -> list[str]:
        names = await asyncio.to_thread(os.listdir, self.root)
        return sorted(n for n in names if NAMESPACE_PATTERN.match(n) and (self.root / n).is_dir())
