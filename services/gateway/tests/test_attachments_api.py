"""The attachment routes' own work, against a scripted calendar-sync stub: chunking the body, the end message,
413 before and during the stream, and the download headers (RFC 6266 file names, no rendering)."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import grpc
import httpx
import pytest
from fastapi import FastAPI

from kontor.gateway.calendar_api import attachments
from kontor.protos.calendar.v1 import attachments_pb2, calendar_pb2

LIMIT = 3 * 1024 * 1024
APPOINTMENT = str(uuid.uuid4())


class ScriptedAttachments:
    """Stands in for calendar-sync: records what arrives, answers like the real service."""

    def __init__(self):
        self.received: list[attachments_pb2.UploadAttachmentRequest] = []
        self.content = b""

    async def UploadAttachment(self, messages, timeout=None):  # noqa: N802 - gRPC method name
        self.received = [m async for m in messages]
        if self.received[-1].WhichOneof("part") != "end":
            raise grpc.aio.AioRpcError(grpc.StatusCode.INVALID_ARGUMENT, grpc.aio.Metadata(), grpc.aio.Metadata(),
                                       details="end: the upload stopped before its end message")
        data = b"".join(m.chunk for m in self.received if m.WhichOneof("part") == "chunk")
        return calendar_pb2.Attachment(id=str(uuid.uuid4()), name=self.received[0].start.name,
                                       media_type=self.received[0].start.media_type, size=len(data),
                                       content_ref="sha256:" + "a" * 64)

    def DownloadAttachment(self, request, timeout=None):  # noqa: N802
        async def stream():
            yield attachments_pb2.DownloadAttachmentResponse(attachment=calendar_pb2.Attachment(
                id=request.attachment_id, name="Angebot Müller & Söhne.html", media_type="text/html",
                size=len(self.content), content_ref="sha256:" + "b" * 64))
            for start in range(0, len(self.content), 4):
                yield attachments_pb2.DownloadAttachmentResponse(chunk=self.content[start:start + 4])
        return stream()


@pytest.fixture
def api():
    stub = ScriptedAttachments()
    app = FastAPI()
    app.include_router(attachments.router(lambda: SimpleNamespace(attachments=stub), max_bytes=LIMIT, timeout_s=5))
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway")
    return client, stub


def _pieces(total: int, piece: int = 100_000):
    async def body():
        sent = 0
        while sent < total:
            yield b"z" * min(piece, total - sent)
            sent += piece
    return body()


async def test_upload_streams_in_1_mib_chunks_and_ends_with_the_byte_count(api):
    client, stub = api
    size = 2 * attachments.CHUNK_BYTES + 5
    answer = await client.post(f"/api/v1/appointments/{APPOINTMENT}/attachments", params={"filename": "a.bin"},
                               content=_pieces(size), headers={"Content-Type": "application/x-thing"})
    assert answer.status_code == 201, answer.text
    parts = [m.WhichOneof("part") for m in stub.received]
    assert parts == ["start", "chunk", "chunk", "chunk", "end"]
    assert [len(m.chunk) for m in stub.received[1:4]] == [attachments.CHUNK_BYTES, attachments.CHUNK_BYTES, 5]
    assert stub.received[-1].end.size == size
    assert (stub.received[0].start.appointment_id, stub.received[0].start.media_type) == (APPOINTMENT,
                                                                                          "application/x-thing")
    assert answer.headers["location"] == f"/api/v1/appointments/{APPOINTMENT}/attachments/{answer.json()['id']}"


async def test_declared_length_over_the_limit_answers_413_without_calling_calendar_sync(api):
    client, stub = api
    answer = await client.post(f"/api/v1/appointments/{APPOINTMENT}/attachments", params={"filename": "big.zip"},
                               content=b"x" * (LIMIT + 1))
    assert answer.status_code == 413
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["max_bytes"] == LIMIT
    assert stub.received == []


async def test_streamed_body_over_the_limit_stops_without_the_end_message(api):
    client, stub = api
    answer = await client.post(f"/api/v1/appointments/{APPOINTMENT}/attachments", params={"filename": "big.zip"},
                               content=_pieces(LIMIT + 1))
    assert answer.status_code == 413, answer.text
    assert "end" not in [m.WhichOneof("part") for m in stub.received]  # so calendar-sync attaches nothing
    assert sum(len(m.chunk) for m in stub.received) <= LIMIT


async def test_download_is_a_file_to_save_never_a_page_to_render(api):
    client, stub = api
    stub.content = b"<script>alert(1)</script>"
    answer = await client.get(f"/api/v1/appointments/{APPOINTMENT}/attachments/{uuid.uuid4()}")
    assert answer.status_code == 200 and answer.content == stub.content
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.headers["content-disposition"] == (
        "attachment; filename=\"Angebot M_ller & S_hne.html\"; "
        "filename*=UTF-8''Angebot%20M%C3%BCller%20%26%20S%C3%B6hne.html")
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in answer.headers["content-security-policy"]
    assert answer.headers["content-length"] == str(len(stub.content))


def test_content_digest_becomes_the_expected_address():
    import base64
    import hashlib
    digest = hashlib.sha256(b"data").digest()
    header = f"md5=:AAAA:, sha-256=:{base64.b64encode(digest).decode()}:"
    assert attachments.expected_address(header) == "sha256:" + digest.hex()
    assert attachments.expected_address(None) == attachments.expected_address("md5=:AAAA:") == ""
    from kontor.platform.errors import InvalidArgument
    for bad in ("sha-256=:not base64!:", "sha-256=:AAAA:"):
        with pytest.raises(InvalidArgument) as caught:
            attachments.expected_address(bad)
        assert caught.value.field == "Content-Digest"


@pytest.mark.parametrize(("name", "fallback"), [("plain.pdf", "plain.pdf"), ('a"b\\c%d.txt', "a_b_c_d.txt"),
                                                 ("日本語", "___"), ("x\r\ny", "x__y")])
def test_content_disposition_fallbacks_are_safe_ascii(name, fallback):
    header = attachments.content_disposition(name)
    assert header.startswith(f'attachment; filename="{fallback}"; filename*=UTF-8\'\'')
    assert all(" " <= c <= "~" for c in header)
