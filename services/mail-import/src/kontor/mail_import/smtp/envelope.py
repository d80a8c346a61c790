"""The SMTP envelope of a complete MIME message, and the message as it is transmitted (without Bcc).

The message is sent as given (its Message-ID, Date and body bytes untouched); only the Bcc field is cut out
of the header section, at the byte level, so every other byte stays exactly as the caller built it.
"""

from __future__ import annotations

import email.policy
import re
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from email.utils import getaddresses

_HEADER_END = re.compile(rb"\r?\n(\r?\n)")
_FIELD_START = re.compile(rb"^([!-9;-~]+)[ \t]*:")  # field name: printable ASCII except ':' (RFC 5322 2.2)


@dataclass(frozen=True)
class Envelope:
    sender: str  # MAIL FROM
    recipients: tuple[str, ...] = field(repr=False)  # RCPT TO, To + Cc + Bcc without repeats
    message: bytes = field(repr=False)  # what goes after DATA: the raw message without its Bcc field


class EnvelopeError(ValueError):
    """The message names no sender or no recipient."""


def _addresses(values: list[str]) -> list[str]:
    return [address for _, address in getaddresses(values) if "@" in address]


def envelope_of(raw: bytes) -> Envelope:
    # compat32: a malformed field stays text instead of raising; we only need the address lists.
    headers = BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw)
    senders = _addresses(headers.get_all("Sender", []) or headers.get_all("From", []))
    if not senders:
        raise EnvelopeError("the message has no From address")
    recipients: list[str] = []
    seen: set[str] = set()
    for address in _addresses([*headers.get_all("To", []), *headers.get_all("Cc", []),
                               *headers.get_all("Bcc", [])]):
        if address.lower() not in seen:
            seen.add(address.lower())
            recipients.append(address)
    if not recipients:
        raise EnvelopeError("the message has no recipient in To, Cc or Bcc")
    return Envelope(sender=senders[0], recipients=tuple(recipients), message=without_bcc(raw))


def without_bcc(raw: bytes) -> bytes:
    """``raw`` with every Bcc field (and its continuation lines) removed from the top-level header section."""
    end = _HEADER_END.search(raw)
    # the head keeps its last line's ending; the rest starts with the blank line that ends the header
    head, rest = (raw[:end.start(1)], raw[end.start(1):]) if end else (raw, b"")
    kept: list[bytes] = []
    dropping = False
    for line in head.splitlines(keepends=True):
        if line[:1] in (b" ", b"\t"):  # a continuation line belongs to the field above it
            if not dropping:
                kept.append(line)
            continue
        match = _FIELD_START.match(line)
        dropping = bool(match) and match.group(1).lower() == b"bcc"
        if not dropping:
            kept.append(line)
    return b"".join(kept) + rest
