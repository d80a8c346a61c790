"""One Mail per mail, however many mailboxes it arrives in; one MailboxReference per place it was seen.

The dedup key is ``<message id or "-">|<identity hash>``. The identity hash covers what every copy of one mail
shares (sender, date, subject, search text, attachment contents), not the raw bytes, which differ per mailbox
(Received, Delivered-To, X-headers). A reused Message-ID with other content therefore stays a second mail.

Both writes are idempotent and safe against concurrent rounds of other accounts: ``INSERT ... ON CONFLICT
DO NOTHING`` waits for a concurrent insert of the same key and then does nothing, and the SELECT after it
(a new statement, so a new READ COMMITTED snapshot) finds the winner's row.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from datetime import UTC

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.mail_import.mails.models import Mail, MailboxReference
from kontor.mail_import.mime import ParsedMail, all_attachments


_WHITESPACE = re.compile(r"\s+")


def identity_text(text: str) -> str:
    """The text as every copy of the mail has it. Copies differ in how the transport wrote the same text: line
    endings (LF, CRLF or CR after a gateway rewrote them), whitespace at line ends (quoted-printable keeps it,
    format=flowed and some gateways drop or add it) and blank lines around the text. Transfer encodings are
    decoded by the parser already."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()


def identity_subject(subject: str) -> str:
    """The subject with whitespace runs as one space (header folding and re-folding change them)."""
    return _WHITESPACE.sub(" ", subject).strip()


def identity_hash(parsed: ParsedMail) -> str:
    """sha256 (hex) over sender, date (UTC ISO), subject, text and the sorted attachment addresses; subject and
    text normalised (``identity_subject``, ``identity_text``) so that copies transported differently match."""
    sender = parsed.from_addresses[0].email if parsed.from_addresses else ""
    date = parsed.date.astimezone(UTC).isoformat() if parsed.date is not None else ""
    attachments = sorted(attachment.address for attachment in all_attachments(parsed))
    # JSON keeps the fields apart: no concatenation of two fields can equal another mail's.
    canonical = json.dumps([sender, date, identity_subject(parsed.subject), identity_text(parsed.text),
                            attachments], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def dedup_key(parsed: ParsedMail) -> str:
    return f"{parsed.message_id or '-'}|{identity_hash(parsed)}"


def _addresses(addresses) -> list[dict]:
    return [{"email": a.email, "name": a.display_name} for a in addresses]


def _attachments(parsed: ParsedMail) -> list[dict]:
    return [{"path": a.path, "filename": a.filename, "content_type": a.content_type, "size": a.size,
             "address": a.address, "content_id": a.content_id, "disposition": a.disposition}
            for a in all_attachments(parsed)]


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(value):
    """``value`` with every string PostgreSQL accepts: text and JSONB refuse NUL and lone surrogates, which a
    damaged part header can carry (e.g. a NUL inside a Content-Type). Lists and dicts are cleaned throughout."""
    if isinstance(value, str):
        return _UNSTORABLE.sub(lambda m: "" if m.group() == "\x00" else "\ufffd", value)
    if isinstance(value, list | tuple):
        return [storable(item) for item in value]
    if isinstance(value, dict):
        return {key: storable(item) for key, item in value.items()}
    return value


def mail_values(parsed: ParsedMail, *, tenant_id: uuid.UUID, raw_address: str, size: int, direction: str) -> dict:
    """The columns of a new Mail row for ``parsed`` (strings made storable, see ``storable``)."""
    sender = parsed.from_addresses[0] if parsed.from_addresses else None
    values = {
        "id": uuid.uuid4(), "tenant_id": tenant_id, "dedup_key": dedup_key(parsed), "message_id": parsed.message_id,
        "content_hash": parsed.content_hash, "raw_address": raw_address, "size": size, "direction": direction,
        "subject": parsed.subject, "from_address": sender.email if sender else "",
        "from_name": sender.display_name if sender else "", "to": _addresses(parsed.to), "cc": _addresses(parsed.cc),
        "sent_at": parsed.date, "in_reply_to": parsed.in_reply_to[0] if parsed.in_reply_to else None,
        "references": list(parsed.references), "text": parsed.text, "attachments": _attachments(parsed),
        "defects": [{"path": d.path, "kind": d.kind} for d in parsed.defects],
    }
    return {key: value if key in ("id", "tenant_id", "sent_at", "size") else storable(value)
            for key, value in values.items()}


async def store_mail(session: AsyncSession, *, tenant_id: uuid.UUID, parsed: ParsedMail, raw_address: str,
                     size: int, direction: str = "received") -> tuple[Mail, bool]:
    """The tenant's Mail for ``parsed``, and whether this call created it."""
    values = mail_values(parsed, tenant_id=tenant_id, raw_address=raw_address, size=size, direction=direction)
    inserted = await session.scalar(
        insert(Mail).values(**values)
        .on_conflict_do_nothing(index_elements=[Mail.tenant_id, Mail.dedup_key])
        .returning(Mail.id))
    mail = await session.scalar(select(Mail).where(Mail.tenant_id == tenant_id, Mail.dedup_key == values["dedup_key"])
                                .execution_options(populate_existing=True))
    if mail is None:  # only if the row was deleted between the two statements
        raise RuntimeError("mail vanished between insert and select")
    return mail, inserted is not None


async def add_reference(session: AsyncSession, mail: Mail, account_id: uuid.UUID, folder_id: str, ref: str,
                        size: int) -> tuple[MailboxReference, bool]:
    """The reference (account, folder, ref) → ``mail``, and whether this call created it.

    A reference that exists (even one marked gone, e.g. a Graph message moved out and back) is kept as it is,
    revived when gone; it is never pointed at another mail."""
    inserted = await session.scalar(
        insert(MailboxReference).values(id=uuid.uuid4(), tenant_id=mail.tenant_id, mail_id=mail.id,
                                        account_id=account_id, folder_id=folder_id, ref=ref, size=size)
        .on_conflict_do_nothing(index_elements=[MailboxReference.account_id, MailboxReference.folder_id,
                                                MailboxReference.ref])
        .returning(MailboxReference.id))
    reference = await session.scalar(
        select(MailboxReference).where(MailboxReference.account_id == account_id,
                                       MailboxReference.folder_id == folder_id, MailboxReference.ref == ref)
        .execution_options(populate_existing=True))
    if reference is None:
        raise RuntimeError("reference vanished between insert and select")
    if reference.gone_at is not None:
        reference.gone_at = None
    return reference, inserted is not None
