"""Blob store in an S3-compatible bucket (production: AWS S3, MinIO, Ceph RGW, ...), through aiobotocore.

Keys: ``<prefix><namespace>/ab/cd/<64 hex>``. A put spools the stream (memory up to SPOOL_BYTES, then a
temporary file) while hashing it, because the key is the hash and is only known at the end; then it
uploads with ``ChecksumSHA256`` so the server verifies the bytes it received against the hash too
(a damaged upload fails instead of being stored under a wrong address). Content that exists already is
not uploaded again; it is copied onto itself to refresh its modification time (see base's module doc).
S3 writes are atomic per object: readers see the old state or the whole new object.

Credentials come in as SecretStr and are handed to the client only; they are never logged.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, contextmanager
from datetime import UTC, datetime

from aiobotocore.config import AioConfig
from aiobotocore.session import get_session
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import SecretStr

from kontor.platform import errors
from kontor.platform.blobs.base import (
    ADDRESS_PATTERN, CHUNK_BYTES, BlobInfo, BlobNotFound, BlobStore, Content, Digest, StoredBlob, check_address,
    check_namespace, chunks_of,
)

log = logging.getLogger(__name__)

SPOOL_BYTES = 8 * 1024 * 1024
_MISSING = {"404", "NoSuchKey", "NotFound"}


def _missing(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") in _MISSING


@contextmanager
def _unavailable_on_failure() -> Iterator[None]:
    """S3 failures leave as UNAVAILABLE (retry later) naming the S3 error code only, never a URL or key."""
    try:
        yield
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "error")
        log.warning("blob store request failed", extra={"s3_error": code})
        raise errors.Unavailable(f"blob store unavailable ({code}); retry shortly") from None
    except BotoCoreError as exc:
        log.warning("blob store unreachable", extra={"error": type(exc).__name__})
        raise errors.Unavailable("blob store unreachable; retry shortly") from None


class S3BlobStore(BlobStore):
    def __init__(self, *, bucket: str, prefix: str = "", endpoint_url: str = "", region: str = "",
                 access_key_id: SecretStr | None = None, secret_access_key: SecretStr | None = None,
                 max_bytes: int):
        super().__init__(max_bytes=max_bytes)
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self._endpoint_url = endpoint_url or None
        self._region = region or None
        self._access_key_id = access_key_id
        self._secret_access_key = secret_access_key
        self._stack: AsyncExitStack | None = None
        self._client = None
        self._connecting = asyncio.Lock()

    def __repr__(self) -> str:  # never the credentials
        return f"S3BlobStore(bucket={self.bucket!r}, prefix={self.prefix!r}, endpoint={self._endpoint_url!r})"

    async def _s3(self):
        if self._client is not None:
            return self._client
        async with self._connecting:  # one client per store, even when the first calls come at once
            if self._client is None:
                await self._connect()
        return self._client

    async def _connect(self) -> None:
        stack = AsyncExitStack()
        credentials = {}
        if self._access_key_id is not None and self._access_key_id.get_secret_value():
            credentials = {"aws_access_key_id": self._access_key_id.get_secret_value(),
                           "aws_secret_access_key": (self._secret_access_key or SecretStr("")).get_secret_value()}
        # Path-style addressing for custom endpoints: MinIO and most on-premises S3 servers expect it.
        config = AioConfig(s3={"addressing_style": "path"} if self._endpoint_url else {},
                           retries={"max_attempts": 5, "mode": "standard"})
        self._client = await stack.enter_async_context(get_session().create_client(
            "s3", endpoint_url=self._endpoint_url, region_name=self._region, config=config, **credentials))
        self._stack = stack

    async def close(self) -> None:
        if self._stack is not None:
            stack, self._stack, self._client = self._stack, None, None
            await stack.aclose()

    def _key(self, namespace: str, address: str) -> str:
        check_namespace(namespace)
        hex_digest = check_address(address).removeprefix("sha256:")
        return f"{self.prefix}{namespace}/{hex_digest[:2]}/{hex_digest[2:4]}/{hex_digest}"

    async def _head(self, key: str) -> dict | None:
        with _unavailable_on_failure():
            try:
                return await (await self._s3()).head_object(Bucket=self.bucket, Key=key)
            except ClientError as exc:
                if _missing(exc):
                    return None
                raise

    async def put(self, namespace: str, content: Content, *, expected: str | None = None) -> StoredBlob:
        check_namespace(namespace)
        if expected is not None:
            check_address(expected, "expected")
        digest = Digest(self.max_bytes)
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
            async for chunk in chunks_of(content):
                digest.update(chunk)
                spool.write(chunk)
            address = digest.check(expected)
            key = self._key(namespace, address)
            with _unavailable_on_failure():
                return await self._upload(spool, key, digest)

    async def _upload(self, spool, key: str, digest: Digest) -> StoredBlob:
        address = digest.address
        s3 = await self._s3()
        if await self._head(key) is not None:
            await s3.copy_object(Bucket=self.bucket, Key=key, CopySource={"Bucket": self.bucket, "Key": key},
                                 MetadataDirective="REPLACE",
                                 Metadata={"refreshed": datetime.now(UTC).isoformat(timespec="seconds")})
            return StoredBlob(address=address, size=digest.size, created=False)
        spool.seek(0)
        await s3.put_object(Bucket=self.bucket, Key=key, Body=spool.read() if digest.size <= SPOOL_BYTES
                            else spool, ContentLength=digest.size,
                            ChecksumSHA256=base64.b64encode(digest.raw()).decode())
        return StoredBlob(address=address, size=digest.size, created=True)

    async def open(self, namespace: str, address: str) -> AsyncIterator[bytes]:
        key = self._key(namespace, address)
        with _unavailable_on_failure():
            try:
                answer = await (await self._s3()).get_object(Bucket=self.bucket, Key=key)
            except ClientError as exc:
                if _missing(exc):
                    raise BlobNotFound(f"blob {address} not found") from None
                raise
        return self._stream(answer["Body"])

    @staticmethod
    async def _stream(body) -> AsyncIterator[bytes]:
        async with body:
            async for chunk in body.iter_chunks(CHUNK_BYTES):
                yield chunk

    async def exists(self, namespace: str, address: str) -> bool:
        return await self._head(self._key(namespace, address)) is not None

    async def delete(self, namespace: str, address: str) -> bool:
        key = self._key(namespace, address)
        if await self._head(key) is None:
            return False
        with _unavailable_on_failure():
            await (await self._s3()).delete_object(Bucket=self.bucket, Key=key)
        return True

    async def list(self, namespace: str) -> AsyncIterator[BlobInfo]:
        base = f"{self.prefix}{check_namespace(namespace)}/"
        paginator = (await self._s3()).get_paginator("list_objects_v2")
        with _unavailable_on_failure():
            async for page in paginator.paginate(Bucket=self.bucket, Prefix=base):
                for item in page.get("Contents", ()):
                    address = "sha256:" + item["Key"].rsplit("/", 1)[-1]
                    if ADDRESS_PATTERN.match(address):
                        yield BlobInfo(address=address, size=item["Size"], modified=item["LastModified"])

    async def namespaces(self) -> list[str]:
        paginator = (await self._s3()).get_paginator("list_objects_v2")
        names = []
        with _unavailable_on_failure():
            async for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix, Delimiter="/"):
                for common in page.get("CommonPrefixes", ()):
                    names.append(common["Prefix"][len(self.prefix):].rstrip("/"))
        return sorted(names)
