"""Content-addressed blob store (SHA-256): a folder in development, S3-compatible in production.

    store = blobs.store_from_settings(settings)          # or store_from_url("file:///...")
    stored = await store.put(str(tenant_id), stream)     # StoredBlob(address="sha256:...", size, created)
    async for chunk in await store.open(str(tenant_id), stored.address): ...

See base.py for the contract (namespaces, idempotence, deletion) and the backends' modules for how
each keeps its promises (atomic writes, hash verification).
"""

from kontor.platform.blobs.base import (
    CHUNK_BYTES, BlobInfo, BlobMismatch, BlobNotFound, BlobStore, BlobTooLarge, StoredBlob, address_of,
    check_address, check_namespace,
)
from kontor.platform.blobs.config import BlobStoreSettings, store_from_settings, store_from_url
from kontor.platform.blobs.filesystem import FilesystemBlobStore
from kontor.platform.blobs.s3 import S3BlobStore

__all__ = [
    "CHUNK_BYTES", "BlobInfo", "BlobMismatch", "BlobNotFound", "BlobStore", "BlobStoreSettings", "BlobTooLarge",
    "FilesystemBlobStore", "S3BlobStore", "StoredBlob", "address_of", "check_address", "check_namespace",
    "store_from_settings", "store_from_url",
]
