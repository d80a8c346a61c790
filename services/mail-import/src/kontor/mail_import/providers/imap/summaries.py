"""Listing lines from FETCH ENVELOPE FLAGS INTERNALDATE BODYSTRUCTURE (no body download for a listing)."""

from __future__ import annotations

from email.header import decode_header, make_header

from kontor.mail_import.providers.base import Mailbox, MessageSummary

FETCH_ITEMS = ["ENVELOPE", "FLAGS", "RFC822.SIZE", "INTERNALDATE", "BODYSTRUCTURE"]


def _lower(value) -> bytes:
    return value.lower() if isinstance(value, bytes) else str(value or "").lower().encode()


def decoded(value: bytes | str | None) -> str:
    """An ENVELOPE string: RFC 2047 encoded words decoded; raw 8-bit taken as UTF-8."""
    if value is None:
        return ""
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    try:
        return str(make_header(decode_header(text)))
    except (LookupError, ValueError, UnicodeError):  # unknown charset or broken encoded word: show as sent
        return text


def _mailboxes(addresses) -> tuple[Mailbox, ...]:
    out = []
    for address in addresses or ():
        if not address.mailbox or not address.host:  # group start/end markers (RFC 3501 7.4.2)
            continue
        email = f"{decoded(address.mailbox)}@{decoded(address.host)}".lower()
        out.append(Mailbox(email=email, name=decoded(address.name)))
    return tuple(out)


def _disposition(part) -> bytes | None:
    """The Content-Disposition type of a single part from its BODYSTRUCTURE extension data, if sent."""
    main = _lower(part[0])
    index = 9 if main == b"text" else 11 if (main, _lower(part[1])) == (b"message", b"rfc822") else 8
    value = part[index] if len(part) > index else None
    if isinstance(value, tuple) and value and isinstance(value[0], bytes | str):
        return _lower(value[0])
    return None


def has_attachments(structure, *, in_related: bool = False) -> bool:
    """Attachment disposition anywhere, or a non-text leaf that is not an inline part of an HTML body."""
    if structure is None:
        return False
    if isinstance(structure[0], list):  # multipart: (parts, subtype, ...)
        related = _lower(structure[1]) == b"related"
        return any(has_attachments(part, in_related=related) for part in structure[0])
    disposition = _disposition(structure)
    if disposition == b"attachment":
        return True
    if disposition == b"inline" or _lower(structure[0]) == b"text":
        return False
    return not in_related


def summary(folder_id: str, uid: int, item: dict) -> MessageSummary:
    envelope = item.get(b"ENVELOPE")
    flags = {_lower(flag) for flag in item.get(b"FLAGS", ())}
    try:
        attachments = has_attachments(item.get(b"BODYSTRUCTURE"))
    except (IndexError, TypeError):  # a structure imapclient parsed oddly: show the line without the mark
        attachments = False
    senders = _mailboxes(envelope.from_) if envelope else ()
    return MessageSummary(
        ref=str(uid),
        folder_id=folder_id,
        subject=decoded(envelope.subject) if envelope else "",
        sender=senders[0] if senders else None,
        to=_mailboxes(envelope.to) if envelope else (),
        cc=_mailboxes(envelope.cc) if envelope else (),
        received_at=item.get(b"INTERNALDATE"),
        unread=b"\\seen" not in flags,
        has_attachments=attachments,
        message_id=(" ".join(decoded(envelope.message_id).split()) or None) if envelope else None,
    )
