"""Attachment content rules: names and media types kept, and the sweep that collects unreferenced content
(against a real PostgreSQL migrated to head, so RLS and the JSONB query are the production ones)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from kontor.platform import blobs
from kontor.platform.db import Database
from kontor.platform.errors import InvalidArgument

from kontor.calendar_sync.appointments.models import Appointment
from kontor.calendar_sync.attachments.service import clean_media_type, clean_name
from kontor.calendar_sync.attachments.sweep import sweep



@pytest.mark.parametrize(("sent", "kept"), [
    ("report.pdf", "report.pdf"), ("C:\\Users\\anna\\Besuchsbericht März.docx", "Besuchsbericht März.docx"),
    ("/etc/../tmp/plan.xlsx", "plan.xlsx"), ("  notes.txt ", "notes.txt"),
])
def test_names_keep_the_last_path_part(sent, kept):
    assert clean_name(sent) == kept


@pytest.mark.parametrize("sent", ["", "  ", "dir/", "..", "bad\x00name.pdf", "line\nbreak.txt", "x" * 256])
def test_unusable_names_are_refused_naming_the_field(sent):
    with pytest.raises(InvalidArgument) as caught:
        clean_name(sent)
    assert caught.value.field == "name"


@pytest.mark.parametrize(("sent", "kept"), [
    ("", "application/octet-stream"), ("Application/PDF", "application/pdf"),
    ("text/plain; charset=utf-8", "text/plain; charset=utf-8"),
])
def test_media_types(sent, kept):
    assert clean_media_type(sent) == kept


@pytest.mark.parametrize("sent", ["pdf", "text/", "text/plain\r\nX-Evil: 1", "a/b; c", "a" * 130 + "/b"])
def test_bad_media_types_are_refused(sent):
    with pytest.raises(InvalidArgument) as caught:
        clean_media_type(sent)
    assert caught.value.field == "media_type"


async def _appointment(db: Database, tenant_id: uuid.UUID, refs: list[str], *, deleted: bool = False) -> None:
    start = datetime(2026, 12, 1, 9, tzinfo=UTC)
    async with db.unit_of_work(tenant_id) as session:
        session.add(Appointment(
            id=uuid.uuid4(), tenant_id=tenant_id, owner_id=uuid.uuid4(), type="activity", starts_at=start,
            ends_at=start + timedelta(hours=1), time_zone="UTC", created_by="test", version=1,
            deleted_at=start if deleted else None,
            attachments=[{"id": str(uuid.uuid4()), "name": "f", "media_type": "text/plain", "size": 1,
                          "content_ref": ref} for ref in refs]))


async def test_sweep_removes_only_unreferenced_content_past_the_grace_period(db, tmp_path):
    store = blobs.FilesystemBlobStore(tmp_path, max_bytes=1024)
    tenant, other = uuid.uuid4(), uuid.uuid4()
    kept = (await store.put(str(tenant), b"attached")).address
    orphan = (await store.put(str(tenant), b"detached")).address
    of_deleted = (await store.put(str(tenant), b"on a deleted appointment")).address
    # The other tenant refers to the orphan's content: that must not keep this tenant's copy alive,
    # and this tenant's sweep must not touch the other tenant's copy.
    other_copy = (await store.put(str(other), b"detached")).address
    await _appointment(db, tenant, [kept])
    await _appointment(db, tenant, [of_deleted], deleted=True)
    await _appointment(db, other, [other_copy])
    await store.put("not-a-tenant", b"someone else's data")

    young = await sweep(db, store, grace=timedelta(hours=1))
    assert young.deleted == 0  # everything was just written

    result = await sweep(db, store, grace=timedelta(0), now=datetime.now(UTC) + timedelta(seconds=5))
    assert result.deleted == 2
    assert await store.exists(str(tenant), kept)
    assert not await store.exists(str(tenant), orphan)
    assert not await store.exists(str(tenant), of_deleted)
    assert await store.exists(str(other), other_copy)
    assert await store.exists("not-a-tenant", blobs.address_of(b"someone else's data"))


async def test_reupload_refreshes_content_so_the_sweep_spares_it(db, tmp_path):
    store = blobs.FilesystemBlobStore(tmp_path, max_bytes=1024)
    tenant = uuid.uuid4()
    stored = await store.put(str(tenant), b"uploaded again")
    path = tmp_path / str(tenant) / stored.address[7:9] / stored.address[9:11] / stored.address[7:]
    long_ago = (datetime.now(UTC) - timedelta(days=2)).timestamp()
    import os
    os.utime(path, (long_ago, long_ago))
    assert (await store.put(str(tenant), b"uploaded again")).created is False  # an upload about to attach it
    result = await sweep(db, store, grace=timedelta(hours=1))
    assert result.deleted == 0
    assert await store.exists(str(tenant), stored.address)
