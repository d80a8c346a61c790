"""Attachments into the content-addressed blob store (kontor.platform.blobs), attached messages' too."""

from __future__ import annotations

from kontor.platform.blobs import BlobStore

from kontor.mail_import.mime.model import Attachment, ParsedMail


def all_attachments(parsed: ParsedMail) -> list[Attachment]:
    """The message's attachments and those of the messages attached to it, depth first."""
    found: list[Attachment] = []
    pending = [parsed]
    while pending:
        mail = pending.pop()
        found.extend(mail.attachments)
        pending.extend(reversed(mail.attached_messages))
    return found


async def store_attachments(parsed: ParsedMail, blob_store: BlobStore, namespace: str) -> dict[str, str]:
    """Store every attachment once per content; answers part path -> content address ("sha256:...").

    The address is verified by the store (``expected``), so a part is never kept under a wrong address.
    BlobTooLarge / Unavailable from the store propagate: the importer retries or quarantines that message."""
    addresses: dict[str, str] = {}
    stored: set[str] = set()
    for attachment in all_attachments(parsed):
        address = attachment.address
        if address not in stored:
            await blob_store.put(namespace, attachment.content, expected=address)
            stored.add(address)
        addresses[attachment.path] = address
    return addresses
