"""Attachments go into the content-addressed blob store (filesystem backend), once per content."""

import hashlib

from kontor.platform import blobs

from kontor.mail_import.mime import ParsedMail, all_attachments, parse, store_attachments

from . import corpus as c
from .corpus import message, part, with_parts


def mail_with_attachments() -> ParsedMail:
    pdf = part("application/pdf", b"%PDF same bytes", Content_Disposition='attachment; filename="a.pdf"')
    copy = part("application/pdf", b"%PDF same bytes", Content_Disposition='attachment; filename="copy.pdf"')
    inner = with_parts(2, [part("text/plain", b"fwd"), part(
        "image/gif", b"GIF89a", Content_Disposition='attachment; filename="i.gif"')], boundary="inner")
    result = parse(with_parts(1, [part("text/plain", b"body"), pdf, copy, part("message/rfc822", inner)]))
    assert isinstance(result, ParsedMail)
    return result


async def test_attachments_are_stored_under_their_sha256_and_read_back(tmp_path):
    store = blobs.FilesystemBlobStore(tmp_path, max_bytes=1024 * 1024)
    mail = mail_with_attachments()
    addresses = await store_attachments(mail, store, "tenant-1")
    pdf_address = "sha256:" + hashlib.sha256(b"%PDF same bytes").hexdigest()
    gif_address = "sha256:" + hashlib.sha256(b"GIF89a").hexdigest()
    # Part paths: the attached message's parts are numbered below the part that carries it.
    assert addresses == {"2": pdf_address, "3": pdf_address, "4.2": gif_address}
    assert await store.read("tenant-1", pdf_address) == b"%PDF same bytes"
    assert await store.read("tenant-1", gif_address) == b"GIF89a"
    assert sorted([info.address async for info in store.list("tenant-1")]) == sorted({pdf_address, gif_address})


async def test_storing_again_or_for_another_tenant_keeps_namespaces_apart_and_content_once(tmp_path):
    store = blobs.FilesystemBlobStore(tmp_path, max_bytes=1024 * 1024)
    mail = mail_with_attachments()
    first = await store_attachments(mail, store, "tenant-1")
    again = await store_attachments(mail, store, "tenant-1")
    other = await store_attachments(mail, store, "tenant-2")
    assert first == again == other
    assert len([i async for i in store.list("tenant-1")]) == 2
    assert len([i async for i in store.list("tenant-2")]) == 2


async def test_a_message_without_attachments_stores_nothing(tmp_path):
    store = blobs.FilesystemBlobStore(tmp_path, max_bytes=1024)
    mail = parse(message(c.basic(1)))
    assert all_attachments(mail) == []
    assert await store_attachments(mail, store, "tenant-1") == {}
    assert await store.namespaces() == []
