"""Attachment content through the gateway: upload (streamed, chunked to calendar-sync), download with its
media type and an RFC 6266 file name, delete; content kept once per tenant under its SHA-256 in the blob
store (the stack's folder store), the size limit, rights as the appointment's, private appointments, and
the sweep that removes content nothing refers to."""

from __future__ import annotations

import hashlib
import os
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from kontor.platform import blobs
from kontor.platform.db import Database

from kontor.calendar_sync.attachments.sweep import sweep

from tests.integration.test_calendar_api import BERLIN_MONDAY, _appointment
from tests.integration.test_companies_api import Api, _fields, _problem
from tests.integration.test_followups_dashboard import _employee, _team

LIMIT = 25 * 1024 * 1024  # the gateway's and calendar-sync's default


def _managed(api: Api, **fields) -> dict:
    """An appointment a manager keeps for someone (their token names no employee)."""
    return _appointment(api, owner_id=str(uuid.uuid4()), **fields)


def _store(stack) -> blobs.FilesystemBlobStore:
    return blobs.FilesystemBlobStore(stack.data_dir / "blobs" / "calendar-sync", max_bytes=LIMIT)


def _upload(api: Api, appointment_id: str, content, name: str = "bericht.pdf",
            media_type: str = "application/pdf"):
    return api.post(f"/appointments/{appointment_id}/attachments", params={"filename": name}, content=content,
                    headers={"Content-Type": media_type})


def _pieces(total: int, piece: int = 256 * 1024, fill: bytes = b"k"):
    """A body without Content-Length (chunked transfer encoding), as browsers stream large files."""
    sent = 0
    while sent < total:
        size = min(piece, total - sent)
        yield fill * size
        sent += size


def test_upload_download_and_delete_keep_the_content_under_its_sha256(stack):
    boss = Api(stack)
    appointment = _managed(boss, subject="Jahresgespräch")
    data = os.urandom(200_000)
    name = "Besuchsbericht März \"final\".pdf"

    uploaded = _upload(boss, appointment["id"], data, name=name)
    assert uploaded.status_code == 201, uploaded.text
    attachment = uploaded.json()
    digest = hashlib.sha256(data).hexdigest()
    assert attachment["content_ref"] == f"sha256:{digest}" and attachment["size"] == len(data)
    assert (attachment["name"], attachment["media_type"]) == (name, "application/pdf")
    path = f"/appointments/{appointment['id']}/attachments/{attachment['id']}"
    assert uploaded.headers["Location"] == f"/api/v1{path}"

    # The appointment lists it, and changed (new version: ETags of earlier reads are stale now).
    read = boss.get(f"/appointments/{appointment['id']}")
    assert read.json()["attachments"] == [attachment] and read.headers["ETag"] == '"2"'

    # The bytes are in the blob store, in the tenant's namespace, under their hash (fan-out folders).
    stored = stack.data_dir / "blobs" / "calendar-sync" / str(boss.tenant) / digest[:2] / digest[2:4] / digest
    assert stored.read_bytes() == data

    download = boss.get(path)
    assert download.status_code == 200, download.text
    assert download.content == data
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-length"] == str(len(data))
    assert download.headers["content-disposition"] == (
        "attachment; filename=\"Besuchsbericht M_rz _final_.pdf\"; "
        f"filename*=UTF-8''{quote(name, safe='')}")
    assert download.headers["x-content-type-options"] == "nosniff"

    assert boss.delete(path).status_code == 204
    _problem(boss.get(path), 404)
    _problem(boss.delete(path), 404)
    assert boss.get(f"/appointments/{appointment['id']}").json()["attachments"] == []


def test_large_streamed_upload_is_chunked_and_identical_content_is_stored_once(stack):
    boss = Api(stack)
    first, second = _managed(boss), _managed(boss)
    size = 3 * 1024 * 1024 + 17  # several gRPC chunks, a ragged end
    expected = hashlib.sha256(b"k" * size).hexdigest()

    a = _upload(boss, first["id"], _pieces(size), name="plan.bin", media_type="application/octet-stream")
    b = _upload(boss, second["id"], b"k" * size, name="copy.bin", media_type="application/octet-stream")
    assert a.status_code == b.status_code == 201, (a.text, b.text)
    assert a.json()["content_ref"] == b.json()["content_ref"] == f"sha256:{expected}"
    assert a.json()["id"] != b.json()["id"]
    tenant_dir = stack.data_dir / "blobs" / "calendar-sync" / str(boss.tenant)
    assert [p.name for p in tenant_dir.rglob("*") if p.is_file()] == [expected]  # one copy for both

    got = boss.get(f"/appointments/{first['id']}/attachments/{a.json()['id']}")
    assert got.status_code == 200 and hashlib.sha256(got.content).hexdigest() == expected


def test_too_large_upload_answers_413_and_attaches_nothing(stack):
    boss = Api(stack)
    appointment = _managed(boss)
    # Exactly the limit, then one byte more: the gateway stops at the byte past the limit.
    body = [*_pieces(LIMIT, piece=1024 * 1024), b"!"]
    refused = _upload(boss, appointment["id"], iter(body), media_type="application/zip")
    problem = _problem(refused, 413)
    assert problem["max_bytes"] == LIMIT and str(LIMIT) in problem["detail"]
    read = boss.get(f"/appointments/{appointment['id']}")
    assert read.json()["attachments"] == [] and read.headers["ETag"] == '"1"'
    assert not (stack.data_dir / "blobs" / "calendar-sync" / str(boss.tenant)).exists()


def test_content_digest_is_checked_end_to_end(stack):
    import base64
    boss = Api(stack)
    appointment = _managed(boss)
    url = f"/appointments/{appointment['id']}/attachments"
    digest = base64.b64encode(hashlib.sha256(b"as sent").digest()).decode()
    damaged = boss.post(url, params={"filename": "a.txt"}, content=b"as changed on the way",
                        headers={"Content-Digest": f"sha-256=:{digest}:"})
    assert _fields(_problem(damaged, 422)) == ["content"]
    intact = boss.post(url, params={"filename": "a.txt"}, content=b"as sent",
                       headers={"Content-Digest": f"sha-256=:{digest}:"})
    assert intact.status_code == 201, intact.text
    assert [a["name"] for a in boss.get(f"/appointments/{appointment['id']}").json()["attachments"]] == ["a.txt"]


def test_invalid_uploads_name_the_field(stack):
    boss = Api(stack)
    appointment = _managed(boss)
    url = f"/appointments/{appointment['id']}/attachments"
    assert _fields(_problem(boss.post(url, content=b"x"), 422)) == ["query.filename"]
    assert _fields(_problem(_upload(boss, appointment["id"], b"x", media_type="not a type"), 422)) == ["media_type"]
    assert _fields(_problem(_upload(boss, appointment["id"], b"x", name="line\nbreak"), 422)) == ["name"]
    assert _fields(_problem(_upload(boss, "nope", b"x"), 422)) == ["appointment_id"]
    assert _fields(_problem(boss.get(f"{url}/nope"), 422)) == ["attachment_id"]
    _problem(boss.get(f"{url}/{uuid.uuid4()}"), 404)
    # Metadata sent with PATCH before content existed has no bytes: 404, not a broken download.
    patched = boss.patch(f"/appointments/{appointment['id']}", headers={"If-Match": '"1"'}, json={
        "attachments": [{"name": "alt.pdf", "size": 3, "content_ref": "sha256:" + "c" * 64}]})
    assert patched.status_code == 200, patched.text
    _problem(boss.get(f"{url}/{patched.json()['attachments'][0]['id']}"), 404)


def test_rights_follow_the_appointment(stack):
    boss = Api(stack)
    team = _team(stack, boss, "Vertrieb")
    _, anna = _employee(stack, boss, "Anna", [team])
    _, ben = _employee(stack, boss, "Ben", [])
    open_company = boss.company()
    bens_company = ben.company(access_level="private")
    visible = _appointment(ben, links=[{"type": "company", "id": open_company["id"]}])
    hidden = _appointment(ben, links=[{"type": "company", "id": bens_company["id"]}])
    on_visible = _upload(ben, visible["id"], b"visible to anna").json()
    on_hidden = _upload(ben, hidden["id"], b"only for ben").json()

    # Anna sees the first appointment (open company) but takes no part: she reads, she does not change.
    assert anna.get(f"/appointments/{visible['id']}/attachments/{on_visible['id']}").content == b"visible to anna"
    _problem(_upload(anna, visible["id"], b"x"), 403)
    _problem(anna.delete(f"/appointments/{visible['id']}/attachments/{on_visible['id']}"), 403)
    # The second one she may not see at all: 404 whatever she tries.
    _problem(anna.get(f"/appointments/{hidden['id']}/attachments/{on_hidden['id']}"), 404)
    _problem(_upload(anna, hidden["id"], b"x"), 404)
    _problem(anna.delete(f"/appointments/{hidden['id']}/attachments/{on_hidden['id']}"), 404)

    other_tenant = Api(stack)
    _problem(other_tenant.get(f"/appointments/{visible['id']}/attachments/{on_visible['id']}"), 404)
    _problem(_upload(other_tenant, visible["id"], b"x"), 404)
    _problem(other_tenant.delete(f"/appointments/{visible['id']}/attachments/{on_visible['id']}"), 404)
    portal = Api(stack, boss.tenant, roles=("portal_client",))
    _problem(portal.get(f"/appointments/{visible['id']}/attachments/{on_visible['id']}"), 403)
    assert ben.get(f"/appointments/{hidden['id']}/attachments/{on_hidden['id']}").content == b"only for ben"


async def test_private_appointments_keep_no_attachments_and_the_sweep_collects_orphans(stack):
    boss = Api(stack)
    team = _team(stack, boss, "Service")
    anna_id, anna = _employee(stack, boss, "Anna", [team])
    private = anna.post("/appointments", json={**BERLIN_MONDAY, "private": True, "subject": "Arzt"})
    assert private.status_code == 201, private.text
    refused = _problem(_upload(anna, private.json()["id"], b"befund"), 422)
    assert _fields(refused) == ["appointment_id"]

    public = _appointment(anna, subject="Kundentermin")
    kept_elsewhere = _appointment(anna, subject="Folgetermin")
    secret = _upload(anna, public["id"], b"notes of a meeting that turns private").json()
    shared = _upload(anna, public["id"], b"price list").json()
    _upload(anna, kept_elsewhere["id"], b"price list")
    gone = _upload(anna, kept_elsewhere["id"], b"detached draft").json()
    assert anna.delete(f"/appointments/{kept_elsewhere['id']}/attachments/{gone['id']}").status_code == 204

    # Made private, the appointment drops its attachments: nobody, not the owner nor a manager, gets them.
    made_private = anna.patch(f"/appointments/{public['id']}", json={"private": True}, headers={"If-Match": '"3"'})
    assert made_private.status_code == 200, made_private.text
    assert made_private.json()["attachments"] == []
    for caller in (anna, boss):
        _problem(caller.get(f"/appointments/{public['id']}/attachments/{secret['id']}"), 404)

    store = _store(stack)
    namespace = str(boss.tenant)
    db = Database(stack.database_url("calendar-sync"))
    try:
        assert (await sweep(db, store, grace=timedelta(hours=1))).deleted == 0  # too young to collect
        result = await sweep(db, store, grace=timedelta(0), now=datetime.now(UTC) + timedelta(seconds=5))
    finally:
        await db.dispose()
    assert result.deleted >= 2
    assert not await store.exists(namespace, secret["content_ref"])  # the private appointment's former file
    assert not await store.exists(namespace, gone["content_ref"])  # the deleted attachment's
    assert await store.exists(namespace, shared["content_ref"])  # still attached to the other appointment
    [remaining] = anna.get(f"/appointments/{kept_elsewhere['id']}").json()["attachments"]
    assert anna.get(f"/appointments/{kept_elsewhere['id']}/attachments/{remaining['id']}").content == b"price list"
    assert anna_id


def test_an_upload_that_stops_before_its_end_message_attaches_nothing(stack):
    """A cancelled client stream looks finished to the server; only the end message proves the upload whole."""
    import grpc

    from kontor.protos.calendar.v1 import attachments_pb2, attachments_pb2_grpc

    boss = Api(stack)
    appointment = _managed(boss)
    start = attachments_pb2.UploadAttachmentRequest(start=attachments_pb2.UploadAttachmentStart(
        appointment_id=appointment["id"], name="half.pdf", media_type="application/pdf"))
    chunk = attachments_pb2.UploadAttachmentRequest(chunk=b"first half")
    with grpc.insecure_channel(stack.grpc("calendar-sync")) as channel:
        upload = attachments_pb2_grpc.AttachmentServiceStub(channel).UploadAttachment
        metadata = (("authorization", f"Bearer {boss.token}"),)
        for messages, field in (([start, chunk], "end"), ([start, chunk, attachments_pb2.UploadAttachmentRequest(
                end=attachments_pb2.UploadAttachmentEnd(size=999))], "end.size"), ([chunk], "start")):
            try:
                upload(iter(messages), metadata=metadata, timeout=30)
            except grpc.RpcError as exc:
                assert exc.code() == grpc.StatusCode.INVALID_ARGUMENT and exc.details().startswith(field + ":")
            else:
                raise AssertionError(f"an incomplete upload ({field}) was accepted")
        whole = upload(iter([start, chunk, attachments_pb2.UploadAttachmentRequest(
            end=attachments_pb2.UploadAttachmentEnd(size=len(b"first half")))]), metadata=metadata, timeout=30)
    assert whole.content_ref == blobs.address_of(b"first half")
    assert [a["id"] for a in boss.get(f"/appointments/{appointment['id']}").json()["attachments"]] == [whole.id]
