"""MIME in and out of the mail part: what Graph shows of a stored message, and the MIME sendMail sends.

Messages are kept as the raw bytes delivered (``GET …/$value`` answers them unchanged,
https://learn.microsoft.com/graph/outlook-get-mime-message). The JSON properties Graph shows
(https://learn.microsoft.com/graph/api/resources/message) are read from it once, with the stdlib parser and
``policy.default``; a header the parser can't make sense of yields an empty value, never an error, since a
mail server accepts such mail and a client must still be able to list it.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, getaddresses, make_msgid

from kontor.emulators.graph.errors import GraphError


@dataclass
class ParsedAttachment:
    name: str
    content_type: str
    is_inline: bool
    content: bytes
    content_id: str | None
    item: bool  # an attached message (message/rfc822): Graph's itemAttachment


@dataclass
class ParsedMail:
    subject: str
    sender: dict | None
    to: list[dict]
    cc: list[dict]
    bcc: list[dict]
    reply_to: list[dict]
    internet_message_id: str | None
    conversation_seed: str  # the thread's root Message-ID (or the subject): one conversationId per thread
    text: str
    html: str | None
    attachments: list[ParsedAttachment] = field(default_factory=list)


def _header(msg, name: str) -> str:
    try:
        value = msg.get(name)
        return str(value) if value is not None else ""
    except Exception:  # noqa: BLE001 - a malformed header reads as empty, as Outlook shows it
        return ""


def _recipients(msg, name: str) -> list[dict]:
    raw = _header(msg, name)
    if not raw:
        return []
    out = []
    for display, address in getaddresses([raw]):
        if address:
            out.append({"emailAddress": {"name": display or address, "address": address}})
    return out


def _part_text(part) -> str:
    try:
        return part.get_content()
    except Exception:  # noqa: BLE001 - unknown charset / broken transfer encoding: best effort
        payload = part.get_payload(decode=True) or b""
        return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else str(payload)


def _leaf_parts(msg) -> list:
    """The parts a mail client lists: leaves of the multipart tree, an attached message as one part (its own
    attachments are its own). Iterative, so deeply nested mail can't exhaust the stack."""
    if not msg.is_multipart():
        return []
    out, stack = [], [msg]
    while stack:
        node = stack.pop()
        try:
            children = list(node.iter_parts())
        except Exception:  # noqa: BLE001 - a broken multipart has no parts to list
            children = []
        for child in reversed(children):
            if child.get_content_type() != "message/rfc822" and child.is_multipart():
                stack.append(child)
            else:
                out.append(child)
    return out


def parse_mail(raw: bytes) -> ParsedMail:
    """What Graph shows of ``raw``; mail too deeply nested for the stdlib parser (it recurses per level) is
    shown from its headers alone, as it must still be listed."""
    try:
        return _parse(BytesParser(policy=policy.default).parsebytes(raw), raw)
    except (RecursionError, Exception):  # noqa: BLE001
        return _parse(BytesParser(policy=policy.default).parsebytes(raw, headersonly=True), raw, headers_only=True)


def _parse(msg, raw: bytes, *, headers_only: bool = False) -> ParsedMail:
    senders = _recipients(msg, "from")
    message_id = _header(msg, "message-id").strip() or None
    refs = re.findall(r"<[^<>]+>", _header(msg, "references")) or re.findall(r"<[^<>]+>", _header(msg, "in-reply-to"))
    subject = _header(msg, "subject")
    seed = refs[0] if refs else (message_id or re.sub(r"^(re|aw|fw|fwd|wg):\s*", "", subject, flags=re.I)
                                 or hashlib.sha256(raw).hexdigest())
    text, html_body, attachments = "", None, []
    try:
        body = None if headers_only else msg.get_body(preferencelist=("html", "plain"))
    except Exception:  # noqa: BLE001
        body = None
    if body is not None:
        content = _part_text(body)
        if body.get_content_subtype() == "html":
            html_body = content
            text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", content))).strip()
        else:
            text = content
    for part in [] if headers_only else _leaf_parts(msg):
        if part is body:
            continue
        disposition = part.get_content_disposition()
        is_item = part.get_content_type() == "message/rfc822"
        if disposition not in ("attachment", "inline") and not is_item:
            continue
        if disposition == "inline" and part.get_content_maintype() == "text" and not part.get_filename():
            continue  # an alternative body, not an attachment
        if is_item:
            inner = part.get_payload()
            content = inner[0].as_bytes() if isinstance(inner, list) and inner else b""
        else:
            content = part.get_payload(decode=True) or b""
        attachments.append(ParsedAttachment(
            name=part.get_filename() or ("message.eml" if is_item else "attachment"),
            content_type=part.get_content_type(), is_inline=disposition == "inline", content=content,
            content_id=(_header(part, "content-id").strip("<> ") or None), item=is_item))
    return ParsedMail(subject=subject, sender=senders[0] if senders else None, to=_recipients(msg, "to"),
                      cc=_recipients(msg, "cc"), bcc=_recipients(msg, "bcc"), reply_to=_recipients(msg, "reply-to"),
                      internet_message_id=message_id, conversation_seed=seed, text=text, html=html_body,
                      attachments=attachments)


def conversation_id(seed: str) -> str:
    return "AAQk" + base64.urlsafe_b64encode(hashlib.sha256(seed.encode()).digest()[:24]).decode()


def body_as(parsed: ParsedMail, content_type: str) -> dict:
    """Graph's ``body``: HTML unless ``Prefer: outlook.body-content-type="text"``
    (https://learn.microsoft.com/graph/api/message-get#request-headers)."""
    if content_type == "text":
        return {"contentType": "text", "content": parsed.text}
    if parsed.html is not None:
        return {"contentType": "html", "content": parsed.html}
    return {"contentType": "html", "content": f"<html><body><pre>{html.escape(parsed.text)}</pre></body></html>"}


# ---- sendMail --------------------------------------------------------------------------------------------

def _address_list(value, field_name: str) -> list[tuple[str, str]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise GraphError(400, "ErrorInvalidRecipients", f"{field_name}: expected a list of recipients.")
    out = []
    for r in value:
        address = ((r or {}).get("emailAddress") or {}).get("address") if isinstance(r, dict) else None
        if not isinstance(address, str) or "@" not in address:
            raise GraphError(400, "ErrorInvalidRecipients", f"{field_name}: at least one recipient isn't valid.")
        out.append((((r.get("emailAddress") or {}).get("name")) or "", address))
    return out


def _fmt(pairs: list[tuple[str, str]]) -> str:
    return ", ".join(f'"{n}" <{a}>' if n else a for n, a in pairs)


@dataclass
class Outgoing:
    raw: bytes  # as delivered to the recipients (no Bcc header)
    bcc: list[str]


def compose_json(message: dict, sender: dict) -> Outgoing:
    """The MIME Exchange would send for a JSON ``message`` (https://learn.microsoft.com/graph/api/user-sendmail).

    ``internetMessageId`` is honoured when given (the message resource's RFC 5322 Message-ID); custom
    ``internetMessageHeaders`` must be ``x-`` headers, as documented for that property."""
    if not isinstance(message, dict):
        raise GraphError(400, "ErrorInvalidRequest", "message: expected an object.")
    to = _address_list(message.get("toRecipients"), "toRecipients")
    cc = _address_list(message.get("ccRecipients"), "ccRecipients")
    bcc = _address_list(message.get("bccRecipients"), "bccRecipients")
    reply_to = _address_list(message.get("replyTo"), "replyTo")
    if not (to or cc or bcc):
        raise GraphError(400, "ErrorInvalidRecipients", "At least one recipient isn't valid.")
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = _fmt([(sender.get("name") or "", sender["address"])])
    if to:
        msg["To"] = _fmt(to)
    if cc:
        msg["Cc"] = _fmt(cc)
    if reply_to:
        msg["Reply-To"] = _fmt(reply_to)
    subject = message.get("subject") or ""
    if not isinstance(subject, str):
        raise GraphError(400, "ErrorInvalidRequest", "subject: expected a string.")
    msg["Subject"] = subject
    msg["Date"] = format_datetime(datetime.now(UTC))
    mid = message.get("internetMessageId")
    if mid is not None and (not isinstance(mid, str) or not re.fullmatch(r"<[^<>\s@]+@[^<>\s@]+>", mid)):
        raise GraphError(400, "ErrorInvalidInternetMessageId", "internetMessageId: expected <local@domain>.")
    msg["Message-ID"] = mid or make_msgid(domain=sender["address"].rpartition("@")[2])
    for h in message.get("internetMessageHeaders") or []:
        name, value = (h or {}).get("name"), (h or {}).get("value")
        if not isinstance(name, str) or not name.lower().startswith("x-") or not isinstance(value, str):
            raise GraphError(400, "InvalidInternetMessageHeader",
                             f"internetMessageHeaders: the header '{name}' is not allowed; only x- headers can be set.")
        msg[name] = value
    body = message.get("body") or {}
    if not isinstance(body, dict) or not isinstance(body.get("content") or "", str):
        raise GraphError(400, "ErrorInvalidRequest", "body: expected {contentType, content}.")
    content = body.get("content") or ""
    if str(body.get("contentType") or "text").lower() == "html":
        msg.set_content(content, subtype="html")
    else:
        msg.set_content(content)
    for att in message.get("attachments") or []:
        if not isinstance(att, dict) or att.get("@odata.type") != "#microsoft.graph.fileAttachment":
            raise GraphError(400, "ErrorInvalidRequest", "attachments: only #microsoft.graph.fileAttachment is supported.")
        try:
            data = base64.b64decode(att.get("contentBytes") or "", validate=True)
        except ValueError:
            raise GraphError(400, "ErrorInvalidRequest", "attachments.contentBytes: invalid base64.") from None
        maintype, _, subtype = (att.get("contentType") or "application/octet-stream").partition("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype or "octet-stream",
                           filename=att.get("name") or "attachment")
    return Outgoing(raw=msg.as_bytes(), bcc=[a for _, a in bcc])


def compose_mime(b64: bytes, sender: dict) -> Outgoing:
    """sendMail with ``Content-Type: text/plain``: the body is the base64 MIME message; 400 "Invalid base64
    string for MIME content." if it isn't. Exchange stamps From / Date / Message-ID where missing and drops
    Bcc from what recipients get."""
    try:
        raw = base64.b64decode(b"".join(b64.split()), validate=True)
    except ValueError:
        raise GraphError(400, "ErrorMimeContentInvalidBase64String", "Invalid base64 string for MIME content.") from None
    if not raw.strip():
        raise GraphError(400, "ErrorMimeContentInvalid", "The MIME content is empty.")
    head, sep, rest = raw.partition(b"\r\n\r\n") if b"\r\n\r\n" in raw else raw.partition(b"\n\n")
    nl = b"\r\n" if sep == b"\r\n\r\n" else b"\n"
    parsed = BytesParser(policy=policy.default).parsebytes(head + sep, headersonly=True)
    bcc = [a for _, a in getaddresses([_header(parsed, "bcc")]) if a]
    if not (_header(parsed, "to") or _header(parsed, "cc") or bcc):
        raise GraphError(400, "ErrorInvalidRecipients", "At least one recipient isn't valid.")
    lines = [ln for ln in re.split(rb"\r?\n(?![ \t])", head) if not ln.lower().startswith(b"bcc:")]
    stamps = []
    if not _header(parsed, "from"):
        stamps.append(f"From: {_fmt([(sender.get('name') or '', sender['address'])])}")
    if not _header(parsed, "date"):
        stamps.append(f"Date: {format_datetime(datetime.now(UTC))}")
    if not _header(parsed, "message-id"):
        stamps.append(f"Message-ID: {make_msgid(domain=sender['address'].rpartition('@')[2])}")
    all_lines = [s.encode() for s in stamps] + lines
    return Outgoing(raw=nl.join(all_lines) + sep + rest, bcc=bcc)
