"""parse(raw) -> ParsedMail | Quarantine: one message read robustly with the stdlib email package.

Nothing here raises for any input: every problem becomes either a recorded defect (the message is still
imported) or a Quarantine with a stable reason (see limits.py). Work per message is bounded: the raw size and
header size are checked before the stdlib parser runs, parts and depth are counted while walking, and header
fields handed to the stdlib's structured header parser (super-linear on crafted input) are capped in length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesParser
from email.policy import EmailPolicy

from kontor.platform.blobs import address_of

from kontor.mail_import.mime import headers, limits as codes
from kontor.mail_import.mime.limits import Limits, Quarantine
from kontor.mail_import.mime.model import Address, Attachment, Defect, InvalidAddress, ParsedMail
from kontor.mail_import.mime.text import clean, decode_bytes, html_to_text

# The blank line after the header section, in CRLF, LF or (old Mac) CR line endings.
_HEADER_END = re.compile(rb"\r\n\r\n|\n\r?\n|\r\r")
_MAX_DEFECTS = 1000
_PATH_SEPARATORS = re.compile(r"[\\/]")


class _BoundedPolicy(EmailPolicy):
    """policy.default, except that over-long header fields are cut while the parser reads them.

    The stdlib parser itself reads Content-Type (for boundaries) with the structured header parser, which is
    super-linear on crafted input, so the cut must happen here, before parsing goes on. Address fields stay
    whole: headers.addresses reads long ones with a linear fallback. The parsed tree is cut; the raw message
    is kept unchanged. ``truncated`` is a fresh list per parse, naming the cut fields."""

    max_field_bytes = Limits.max_field_bytes
    truncated = None

    def header_source_parse(self, sourcelines):
        name, value = super().header_source_parse(sourcelines)
        if len(value) > self.max_field_bytes and name.lower() not in headers.ADDRESS_FIELDS:
            value = value[:self.max_field_bytes]
            if self.truncated is not None:
                self.truncated.append(name)
        return name, value


class _LimitExceeded(Exception):
    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


@dataclass
class _Walk:
    """Counters shared by a message and the messages attached to it, so limits hold for the whole raw."""

    limits: Limits
    content_hash: str  # of the raw message; attached messages carry it too (their own bytes are inside it)
    parts: int = 0
    header_bytes: int = 0
    text_chars: int = 0
    defects: list[Defect] = field(default_factory=list)

    def defect(self, path: str, kind: str) -> None:
        if len(self.defects) < _MAX_DEFECTS:
            self.defects.append(Defect(path=path, kind=kind))
        elif len(self.defects) == _MAX_DEFECTS:
            self.defects.append(Defect(path="", kind="DefectsTruncated"))


def parse(raw: bytes, limits: Limits = Limits()) -> ParsedMail | Quarantine:
    raw = bytes(raw)
    content_hash = address_of(raw)

    def quarantine(reason: str, detail: str) -> Quarantine:
        return Quarantine(reason=reason, detail=detail, content_hash=content_hash)

    if not raw.strip():
        return quarantine(codes.EMPTY, "the message has no content")
    if len(raw) > limits.max_raw_bytes:
        return quarantine(codes.RAW_TOO_LARGE, f"the message is {len(raw)} bytes; the limit is {limits.max_raw_bytes}")
    end = _HEADER_END.search(raw)
    header_section = end.start() if end else len(raw)
    if header_section > limits.max_header_bytes:
        return quarantine(codes.HEADERS_TOO_LARGE,
                          f"the header section is {header_section} bytes; the limit is {limits.max_header_bytes}")
    truncated: list[str] = []
    bounded = _BoundedPolicy(max_field_bytes=limits.max_field_bytes, truncated=truncated)
    try:
        message = BytesParser(policy=bounded).parsebytes(raw)
    except RecursionError:
        return quarantine(codes.NESTING_TOO_DEEP, "the MIME structure is nested too deeply to parse")
    except Exception as exc:  # noqa: BLE001 - any parser failure keeps the message, in quarantine
        return quarantine(codes.UNPARSEABLE, f"the MIME parser failed ({type(exc).__name__})")
    if not message.keys():
        return quarantine(codes.NO_HEADERS, "the message has no header fields")
    walk = _Walk(limits, content_hash)
    for _ in truncated:
        walk.defect("", "HeaderFieldTruncated")  # which part is not known here; the count is what matters
    try:
        return _message(message, content_hash, "", 0, walk)
    except _LimitExceeded as exc:
        return quarantine(exc.reason, exc.detail)
    except RecursionError:
        return quarantine(codes.NESTING_TOO_DEEP, "the MIME structure is nested too deeply to read")
    except Exception as exc:  # noqa: BLE001 - a bug here must quarantine, never lose the message
        return quarantine(codes.UNPARSEABLE, f"reading the parsed message failed ({type(exc).__name__})")


def _message(message: Message, content_hash: str, path: str, depth: int, walk: _Walk) -> ParsedMail:
    """One message (the imported one, or one attached to it) and its parts."""
    limits = walk.limits
    _count_header_bytes(message, walk)
    found: dict[str, list[Address]] = {}
    invalid: list[InvalidAddress] = []
    for name in headers.ADDRESS_FIELDS:
        parsed, bad, fallback = headers.addresses(message, name, limits.max_field_bytes)
        found[name] = parsed
        invalid.extend(bad)
        if fallback:
            walk.defect(path, "AddressFieldReadLeniently")
    texts, attachments, attached = _parts(message, path, depth, walk)
    subject = headers.subject(message, limits.max_field_bytes)
    pieces = [piece for piece in texts if piece]
    for inner in attached:  # forwarded mail is searchable through the mail that carries it
        pieces.append("\n".join(filter(None, (inner.subject, inner.text))))
    return ParsedMail(
        content_hash=content_hash,
        message_id=headers.normalise_message_id(headers.first(message, "message-id")),
        from_addresses=tuple(found["from"]), to=tuple(found["to"]), cc=tuple(found["cc"]),
        reply_to=tuple(found["reply-to"]), invalid_addresses=tuple(invalid),
        subject=subject, date=headers.date(message),
        in_reply_to=headers.message_ids(headers.first(message, "in-reply-to"), limits.max_references),
        references=headers.message_ids(headers.first(message, "references"), limits.max_references),
        text=_capped("\n\n".join(pieces), path, walk),
        attachments=tuple(attachments), attached_messages=tuple(attached),
        defects=tuple(walk.defects) if not path else (), part_count=walk.parts,
    )


def _parts(root: Message, root_path: str, depth: int, walk: _Walk):
    """Walk the MIME tree without recursion (deep trees must not exhaust the stack); attached messages recurse,
    but only up to ``max_depth`` levels."""
    limits = walk.limits
    texts: list[str] = []
    attachments: list[Attachment] = []
    attached: list[ParsedMail] = []
    stack: list[tuple[Message, str, int, bool]] = [(root, root_path, depth, True)]
    while stack:
        part, path, level, wanted_as_text = stack.pop()
        walk.parts += 1
        if walk.parts > limits.max_parts:
            raise _LimitExceeded(codes.TOO_MANY_PARTS, f"the message has more than {limits.max_parts} parts")
        if level > limits.max_depth:
            raise _LimitExceeded(codes.NESTING_TOO_DEEP,
                                 f"parts are nested more than {limits.max_depth} levels deep")
        if part is not root:
            _count_header_bytes(part, walk)
        for defect in part.defects:
            walk.defect(path, type(defect).__name__)
        content_type = _content_type(part)
        # Only containers' payloads are fetched as such: a leaf's get_payload() decodes with the declared
        # charset, whatever codec that names; leaves are read as bytes in _leaf.
        payload = part.get_payload() if part.is_multipart() else None
        if content_type in ("message/rfc822", "message/global") and isinstance(payload, list) and payload \
                and isinstance(payload[0], Message):
            # IMAP numbering: the parts of a message in part 4 are 4.1, 4.2, ... (the message has no number).
            inner_path = path or "1"
            attached.append(_message(payload[0], walk.content_hash, inner_path, level + 1, walk))
            continue
        if isinstance(payload, list):
            children = [child for child in payload if isinstance(child, Message)]
            preferred = _preferred_alternative(children) if content_type == "multipart/alternative" else None
            for index in range(len(children) - 1, -1, -1):
                as_text = wanted_as_text and (preferred is None or index == preferred)
                stack.append((children[index], _child(path, index + 1), level + 1, as_text))
            continue
        _leaf(part, path, content_type, wanted_as_text, texts, attachments, walk)
    return texts, attachments, attached


def _leaf(part: Message, path: str, content_type: str, wanted_as_text: bool, texts: list[str],
          attachments: list[Attachment], walk: _Walk) -> None:
    disposition = _disposition(part)
    filename = _filename(part, path, walk)
    content = _payload(part, path, walk)
    is_body_text = content_type in ("text/plain", "text/html") and disposition != "attachment" and not filename
    if is_body_text:
        if wanted_as_text:
            text = decode_bytes(content, _charset(part))
            if content_type == "text/html":
                text = html_to_text(text[:walk.limits.max_html_chars])
            texts.append(text.strip())
        return  # the text of a non-preferred alternative is the same content once more
    attachments.append(Attachment(path=path, content_type=content_type, filename=filename,
                                  content_id=headers.content_id(headers.first(part, "content-id")),
                                  disposition=disposition, content=content))


def _preferred_alternative(children: list[Message]) -> int | None:
    """text/plain is preferred for search; otherwise the sender's preference, the last alternative."""
    for index, child in enumerate(children):
        if _content_type(child) == "text/plain" and _disposition(child) != "attachment":
            return index
    return len(children) - 1 if children else None


def _count_header_bytes(part: Message, walk: _Walk) -> None:
    """All header sections of all parts count against one limit (each part's fields are parsed when read)."""
    walk.header_bytes += sum(len(name) + len(value) + 4 for name, value in part.raw_items())
    if walk.header_bytes > walk.limits.max_header_bytes:
        raise _LimitExceeded(codes.HEADERS_TOO_LARGE,
                             f"header fields add up to more than {walk.limits.max_header_bytes} bytes")


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except Exception:  # noqa: BLE001
        return "application/octet-stream"


def _disposition(part: Message) -> str | None:
    try:
        value = part.get_content_disposition()
    except Exception:  # noqa: BLE001
        return None
    return value if value in ("attachment", "inline") else None


def _charset(part: Message) -> str | None:
    try:
        return part.get_content_charset()
    except Exception:  # noqa: BLE001
        return None


def _payload(part: Message, path: str, walk: _Walk) -> bytes:
    try:
        content = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001 - garbage transfer encodings
        walk.defect(path, "PayloadUndecodable")
        return b""
    if isinstance(content, bytes):
        return content
    if isinstance(content, str):
        return content.encode("utf-8", "surrogateescape")
    return b""


def _filename(part: Message, path: str, walk: _Walk) -> str | None:
    """The attachment's name: RFC 2231 and RFC 2047 decoded, without directories or control characters."""
    try:
        name = part.get_filename()
    except Exception:  # noqa: BLE001
        walk.defect(path, "FilenameUnreadable")
        return None
    if not name:
        return None
    name = str(name)
    if "=?" in name:  # RFC 2047 inside a parameter: wrong, but what many mailers send
        try:
            name = str(make_header(decode_header(name)))
        except Exception:  # noqa: BLE001
            pass
    name = _PATH_SEPARATORS.split(clean(name))[-1].strip().strip(".")
    return name[:255] or None


def _capped(text: str, path: str, walk: _Walk) -> str:
    remaining = walk.limits.max_text_chars - walk.text_chars
    if len(text) > remaining:
        walk.defect(path, "TextTruncated")
        text = text[:max(0, remaining)]
    if not path:  # only the imported message's text counts; attached ones are already inside it
        walk.text_chars += len(text)
    return text


def _child(path: str, index: int) -> str:
    return f"{path}.{index}" if path else str(index)
