"""The blob store interface: bytes kept under their SHA-256 address, in per-tenant namespaces.

Addresses are ``sha256:<64 hex>``. ``put`` hashes what it stores and keeps every content once per
namespace (storing it again answers the existing blob, ``created=False``). Namespaces (calendar-sync
uses the tenant id) keep tenants' blobs apart: the same file uploaded by two tenants is two blobs, so
deleting one tenant's copy never touches another's, and nobody learns from deduplication whether
another tenant holds a file.

Deleting is the caller's garbage collection: a blob may be referenced by several records, so only
the owner of those references knows when it is unreferenced (see calendar-sync's attachment sweep).
``put`` of content that already exists refreshes its modification time, so a sweep that spares
blobs younger than a grace period never deletes content an upload in flight is about to reference.
"""

from __future__ import annotations

import hashlib
import re
from abc import ABC, abstractmethod
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from datetime import datetime

from kontor.platform import errors

ADDRESS_PATTERN = re.compile(r"^sha256:[0-9a-f]{64}$")
NAMESPACE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$")
# Streams are read and written in pieces of this size (well below gRPC's message limit).
CHUNK_BYTES = 1024 * 1024

Content = bytes | bytearray | memoryview | AsyncIterable[bytes]


class BlobNotFound(errors.NotFound):
    """No blob with that address in that namespace."""


class BlobTooLarge(errors.InvalidArgument):
    """The content is larger than the store accepts; nothing was kept."""

    def __init__(self, limit: int, field: str = "content"):
        super().__init__(field, f"is larger than the limit of {limit} bytes")
        self.limit = limit


class BlobMismatch(errors.InvalidArgument):
    """The content does not hash to the address the caller said it has; nothing was kept."""

    def __init__(self, expected: str, actual: str, field: str = "content"):
        super().__init__(field, f"hashes to {actual}, not {expected}: it was damaged on the way")


@dataclass(frozen=True)
class StoredBlob:
    address: str
    size: int
    created: bool  # False: the namespace held this content already


@dataclass(frozen=True)
class BlobInfo:
    address: str
    size: int
    modified: datetime


def check_address(address: str, field: str = "address") -> str:
    if not ADDRESS_PATTERN.match(address):
        raise errors.InvalidArgument(field, 'is not a content address "sha256:<64 lowercase hex digits>"')
    return address


def check_namespace(namespace: str) -> str:
    if not NAMESPACE_PATTERN.match(namespace):
        raise errors.InvalidArgument("namespace", "use 1 to 63 letters, digits, '-' or '_'")
    return namespace


def address_of(content: bytes) -> str:
    return "sha256:" + hashlib.sha256(content).hexdigest()


class Digest:
    """SHA-256 and size of content seen so far; refuses content past ``limit`` as soon as it gets there."""

    def __init__(self, limit: int):
        self._hash = hashlib.sha256()
        self._limit = limit
        self.size = 0

    def update(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self._limit:
            raise BlobTooLarge(self._limit)
        self._hash.update(chunk)

    @property
    def address(self) -> str:
        return "sha256:" + self._hash.hexdigest()

    def raw(self) -> bytes:
        return self._hash.digest()

    def check(self, expected: str | None) -> str:
        if expected is not None and expected != self.address:
            raise BlobMismatch(expected, self.address)
        return self.address


async def chunks_of(content: Content) -> AsyncIterator[bytes]:
    """Bytes in CHUNK_BYTES slices, or an async stream as it comes (empty pieces skipped)."""
    if isinstance(content, bytes | bytearray | memoryview):
        view = memoryview(content)
        for start in range(0, len(view), CHUNK_BYTES):
            yield bytes(view[start:start + CHUNK_BYTES])
        return
    async for chunk in content:
        if chunk:
            yield bytes(chunk)


class BlobStore(ABC):
    """One async interface over the filesystem and S3 backends. Backends are safe for concurrent use."""

    def __init__(self, *, max_bytes: int):
        self.max_bytes = max_bytes

    @abstractmethod
    async def put(self, namespace: str, content: Content, *, expected: str | None = None) -> StoredBlob:
        """Store ``content`` (bytes or an async stream) under its SHA-256; BlobTooLarge past ``max_bytes``,
        BlobMismatch when ``expected`` is given and the content hashes otherwise. Atomic: a failed or
        interrupted put leaves nothing visible under the address."""

    @abstractmethod
    async def open(self, namespace: str, address: str) -> AsyncIterator[bytes]:
        """The blob's bytes in chunks; BlobNotFound is raised here, before the first chunk, so callers can
        still answer "not found" instead of a broken stream."""

    @abstractmethod
    async def exists(self, namespace: str, address: str) -> bool: ...

    @abstractmethod
    async def delete(self, namespace: str, address: str) -> bool:
        """Remove the blob; False when there was none. Only for garbage collection (see module doc)."""

    @abstractmethod
    def list(self, namespace: str) -> AsyncIterator[BlobInfo]:
        """Every blob of a namespace, in no particular order."""

    @abstractmethod
    async def namespaces(self) -> list[str]:
        """Namespaces holding blobs (the filesystem backend may also name ones emptied by deletes)."""

    async def read(self, namespace: str, address: str) -> bytes:
        return b"".join([chunk async for chunk in await self.open(namespace, address)])

    async def close(self) -> None:
        return None
