"""Which blob store a service uses, from its settings.

A service adds ``BlobStoreSettings`` to its Settings class (env ``KONTOR_<SERVICE>_BLOB_STORE_URL`` etc.):

    file:///var/lib/kontor/blobs            a folder (development)
    s3://bucket/optional/prefix             an S3-compatible bucket (production), with
                                            BLOB_STORE_ENDPOINT_URL (empty: AWS), BLOB_STORE_REGION,
                                            BLOB_STORE_ACCESS_KEY_ID / BLOB_STORE_SECRET_ACCESS_KEY
                                            (empty: the default AWS credential chain, e.g. IRSA)

An empty URL means "no blob store": features that need one answer UNAVAILABLE naming the setting.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings

from kontor.platform.blobs.base import BlobStore
from kontor.platform.blobs.filesystem import FilesystemBlobStore
from kontor.platform.blobs.s3 import S3BlobStore

DEFAULT_MAX_BYTES = 100 * 1024 * 1024


class BlobStoreSettings(BaseSettings):
    """Mixin for a service's Settings class."""

    blob_store_url: str = Field(
        default="", description="Where blobs are kept: file:///path (development) or s3://bucket/prefix "
        "(production). Empty: no blob store; features that store files answer 503")
    blob_store_endpoint_url: str = Field(
        default="", description="S3 endpoint of a non-AWS server (MinIO, Ceph), e.g. https://minio:9000")
    blob_store_region: str = Field(default="", description="S3 region; empty: the client's default")
    blob_store_access_key_id: SecretStr = Field(
        default=SecretStr(""), description="S3 access key id; empty: the default AWS credential chain")
    blob_store_secret_access_key: SecretStr = Field(default=SecretStr(""), description="S3 secret access key")
    blob_store_max_bytes: int = Field(default=DEFAULT_MAX_BYTES, ge=1, description="Largest blob accepted, in bytes")


def store_from_url(url: str, *, max_bytes: int = DEFAULT_MAX_BYTES, endpoint_url: str = "", region: str = "",
                   access_key_id: SecretStr | None = None, secret_access_key: SecretStr | None = None) -> BlobStore:
    parts = urlsplit(url)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost") or not parts.path:
            raise ValueError("blob store URL: write file:///absolute/path")
        return FilesystemBlobStore(unquote(parts.path), max_bytes=max_bytes)
    if parts.scheme == "s3":
        if not parts.netloc:
            raise ValueError("blob store URL: write s3://bucket/prefix")
        return S3BlobStore(bucket=parts.netloc, prefix=unquote(parts.path), endpoint_url=endpoint_url,
                           region=region, access_key_id=access_key_id, secret_access_key=secret_access_key,
                           max_bytes=max_bytes)
    raise ValueError("blob store URL: use file:///path or s3://bucket/prefix")


def store_from_settings(settings: BlobStoreSettings) -> BlobStore | None:
    if not settings.blob_store_url:
        return None
    return store_from_url(settings.blob_store_url, max_bytes=settings.blob_store_max_bytes,
                          endpoint_url=settings.blob_store_endpoint_url, region=settings.blob_store_region,
                          access_key_id=settings.blob_store_access_key_id,
                          secret_access_key=settings.blob_store_secret_access_key)
