"""The blob store contract, run against the filesystem backend and the S3 backend.

S3 runs against moto's server mode: a real HTTP server speaking the S3 protocol (signatures, checksums,
paging), started here on a free loopback port, so the aiobotocore client is exercised as in production.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import AsyncIterator

import pytest
from pydantic import SecretStr

from kontor.platform import blobs
from kontor.platform.blobs.filesystem import INCOMING

NS = "tenant-a"
LIMIT = 3 * 1024 * 1024


@pytest.fixture(scope="module")
def s3_endpoint() -> AsyncIterator[str]:
    moto_server = pytest.importorskip("moto.server")
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


async def _make_bucket(endpoint: str, bucket: str) -> None:
    from aiobotocore.session import get_session
    async with get_session().create_client("s3", endpoint_url=endpoint, region_name="us-east-1",
                                           aws_access_key_id="test", aws_secret_access_key="test") as s3:
        await s3.create_bucket(Bucket=bucket)


@pytest.fixture(params=["filesystem", "s3"])
async def store(request, tmp_path) -> AsyncIterator[blobs.BlobStore]:
    if request.param == "filesystem":
        yield blobs.store_from_url(f"file://{tmp_path}/blobs", max_bytes=LIMIT)
        return
    endpoint = request.getfixturevalue("s3_endpoint")
    bucket = f"kontor-{os.urandom(4).hex()}"
    await _make_bucket(endpoint, bucket)
    s3 = blobs.store_from_url(f"s3://{bucket}/attachments", max_bytes=LIMIT, endpoint_url=endpoint,
                              region="us-east-1", access_key_id=SecretStr("test"),
                              secret_access_key=SecretStr("test"))
    try:
        yield s3
    finally:
        await s3.close()


async def _stream(data: bytes, piece: int = 65536):
    for start in range(0, len(data), piece):
        yield data[start:start + piece]


async def test_put_returns_the_sha256_address_and_reads_back(store):
    data = b"visit report\n" * 1000
    stored = await store.put(NS, data)
    assert stored.address == "sha256:" + hashlib.sha256(data).hexdigest()
    assert stored.size == len(data)
    assert stored.created
    assert await store.exists(NS, stored.address)
    assert await store.read(NS, stored.address) == data


async def test_same_content_is_stored_once(store):
    data = os.urandom(5000)
    first = await store.put(NS, data)
    second = await store.put(NS, _stream(data, 777))
    assert first.created is True
    assert (second.address, second.size, second.created) == (first.address, len(data), False)
    assert [b.address async for b in store.list(NS)] == [first.address]


async def test_streamed_put_larger_than_one_chunk(store):
    data = os.urandom(blobs.CHUNK_BYTES * 2 + 123)
    stored = await store.put(NS, _stream(data))
    chunks = [c async for c in await store.open(NS, stored.address)]
    assert b"".join(chunks) == data
    assert all(len(c) <= blobs.CHUNK_BYTES for c in chunks)


async def test_namespaces_keep_tenants_apart(store):
    data = b"the same contract"
    a = await store.put("tenant-a", data)
    b = await store.put("tenant-b", data)
    assert a.created and b.created  # one copy each: deduplication never crosses namespaces
    assert set(await store.namespaces()) == {"tenant-a", "tenant-b"}
    assert await store.delete("tenant-a", a.address)
    assert not await store.exists("tenant-a", a.address)
    assert await store.read("tenant-b", b.address) == data


async def test_too_large_content_is_refused_and_leaves_nothing(store, tmp_path):
    with pytest.raises(blobs.BlobTooLarge) as caught:
        await store.put(NS, _stream(b"x" * (LIMIT + 1)))
    assert caught.value.field == "content"
    assert [b async for b in store.list(NS)] == []
    if isinstance(store, blobs.FilesystemBlobStore):
        assert os.listdir(store.root / INCOMING) == []


async def test_exactly_the_limit_is_accepted(store):
    stored = await store.put(NS, b"y" * LIMIT)
    assert stored.size == LIMIT


async def test_expected_hash_is_verified_on_write(store):
    data = b"original"
    with pytest.raises(blobs.BlobMismatch):
        await store.put(NS, data, expected=blobs.address_of(b"something else"))
    assert not await store.exists(NS, blobs.address_of(data))
    stored = await store.put(NS, data, expected=blobs.address_of(data))
    assert stored.address == blobs.address_of(data)


async def test_missing_blob_is_not_found_before_streaming(store):
    missing = blobs.address_of(b"never stored")
    with pytest.raises(blobs.BlobNotFound):
        await store.open(NS, missing)
    assert not await store.exists(NS, missing)
    assert await store.delete(NS, missing) is False


async def test_delete_removes_and_reput_restores(store):
    data = b"to be collected"
    stored = await store.put(NS, data)
    assert await store.delete(NS, stored.address)
    assert not await store.exists(NS, stored.address)
    again = await store.put(NS, data)
    assert again.created
    assert await store.read(NS, again.address) == data


async def test_list_reports_size_and_modification_time(store):
    stored = await store.put(NS, b"12345")
    [info] = [b async for b in store.list(NS)]
    assert (info.address, info.size) == (stored.address, 5)
    assert info.modified.tzinfo is not None


@pytest.mark.parametrize("address", ["sha256:XYZ", "md5:" + "0" * 32, "sha256:" + "A" * 64, "../../etc/passwd"])
async def test_bad_addresses_are_invalid_arguments(store, address):
    with pytest.raises(blobs.BlobMismatch.__mro__[1]) as caught:  # InvalidArgument
        await store.exists(NS, address)
    assert caught.value.field == "address"


@pytest.mark.parametrize("namespace", ["", "../x", ".incoming", "a/b", "x" * 64])
async def test_bad_namespaces_are_invalid_arguments(store, namespace):
    with pytest.raises(blobs.BlobMismatch.__mro__[1]):
        await store.put(namespace, b"data")


async def test_s3_put_beyond_the_memory_spool_uploads_from_the_spool_file(s3_endpoint):
    from kontor.platform.blobs.s3 import SPOOL_BYTES
    await _make_bucket(s3_endpoint, "kontor-spool")
    s3 = blobs.S3BlobStore(bucket="kontor-spool", endpoint_url=s3_endpoint, region="us-east-1",
                           access_key_id=SecretStr("test"), secret_access_key=SecretStr("test"),
                           max_bytes=2 * SPOOL_BYTES)
    try:
        data = os.urandom(SPOOL_BYTES + 4096)
        stored = await s3.put(NS, _stream(data, blobs.CHUNK_BYTES))
        assert stored.size == len(data)
        assert hashlib.sha256(await s3.read(NS, stored.address)).digest() == hashlib.sha256(data).digest()
    finally:
        await s3.close()


async def test_s3_failures_are_unavailable_and_name_no_credentials(s3_endpoint):
    from kontor.platform import errors
    s3 = blobs.S3BlobStore(bucket="kontor-no-such-bucket", endpoint_url=s3_endpoint, region="us-east-1",
                           access_key_id=SecretStr("test"), secret_access_key=SecretStr("s3cr3t-value"),
                           max_bytes=LIMIT)
    try:
        for attempt in (s3.put(NS, b"data"), s3.open(NS, blobs.address_of(b"data")), s3.namespaces()):
            with pytest.raises(errors.Unavailable) as caught:
                await attempt
            assert "NoSuchBucket" in caught.value.message and "s3cr3t" not in caught.value.message
    finally:
        await s3.close()


def test_filesystem_writes_fan_out_and_atomically(tmp_path):
    import asyncio
    store = blobs.FilesystemBlobStore(tmp_path, max_bytes=LIMIT)
    stored = asyncio.run(store.put(NS, b"layout"))
    hex_digest = stored.address.removeprefix("sha256:")
    path = tmp_path / NS / hex_digest[:2] / hex_digest[2:4] / hex_digest
    assert path.read_bytes() == b"layout"
    assert oct(path.stat().st_mode & 0o777) == "0o600"  # other local users cannot read attachments
    assert os.listdir(tmp_path / INCOMING) == []


async def test_failing_stream_leaves_no_partial_blob(store):
    async def broken():
        yield b"half of it"
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        await store.put(NS, broken())
    assert [b async for b in store.list(NS)] == []
    assert not await store.exists(NS, blobs.address_of(b"half of it"))


def test_urls_select_the_backend_and_hide_credentials(tmp_path):
    assert isinstance(blobs.store_from_url(f"file://{tmp_path}"), blobs.FilesystemBlobStore)
    s3 = blobs.store_from_url("s3://bucket/some/prefix", access_key_id=SecretStr("AKIA-SECRET"),
                              secret_access_key=SecretStr("very-secret"))
    assert isinstance(s3, blobs.S3BlobStore)
    assert (s3.bucket, s3.prefix) == ("bucket", "some/prefix/")
    assert "SECRET" not in repr(s3) and "very-secret" not in repr(s3)
    for bad in ("http://x", "file://host/path", "s3:///nobucket", "ftp://x/y"):
        with pytest.raises(ValueError):
            blobs.store_from_url(bad)


def test_settings_mixin_reads_the_environment(monkeypatch):
    from pydantic_settings import SettingsConfigDict

    class Settings(blobs.BlobStoreSettings):
        model_config = SettingsConfigDict(env_prefix="KONTOR_TESTSVC_")

    monkeypatch.setenv("KONTOR_TESTSVC_BLOB_STORE_URL", "s3://b/p")
    monkeypatch.setenv("KONTOR_TESTSVC_BLOB_STORE_SECRET_ACCESS_KEY", "hidden")
    settings = Settings()
    assert "hidden" not in repr(settings)
    assert isinstance(blobs.store_from_settings(settings), blobs.S3BlobStore)
    assert blobs.store_from_settings(Settings(blob_store_url="")) is None
