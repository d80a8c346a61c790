"""What parsing a message yields: plain data, no email.message objects (they are large and mutable)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from kontor.platform.blobs import address_of


@dataclass(frozen=True)
class Address:
    """``email`` is lower-cased, its domain in IDNA ASCII form (xn--...), so matching compares like with like."""

    email: str
    display_name: str = ""

    @property
    def domain(self) -> str:
        return self.email.rsplit("@", 1)[1]


@dataclass(frozen=True)
class InvalidAddress:
    field: str  # "from", "to", "cc", "reply-to"
    value: str


@dataclass(frozen=True)
class Defect:
    """A problem the parser noticed and worked around. ``path`` is the part ("" the message, "1.2" a part)."""

    path: str
    kind: str  # the email.errors defect class name, or one of ours (e.g. "HeaderFieldTruncated")


@dataclass(frozen=True, eq=False)
class Attachment:
    """An attachment or inline part (image, calendar file, attached message's bytes)."""

    path: str
    content_type: str
    filename: str | None
    content_id: str | None
    disposition: str | None  # "attachment", "inline" or None (not given)
    content: bytes

    @property
    def size(self) -> int:
        return len(self.content)

    @property
    def inline(self) -> bool:
        return self.disposition == "inline" or (self.disposition is None and self.content_id is not None)

    @cached_property
    def address(self) -> str:
        return address_of(self.content)


@dataclass(frozen=True, eq=False)
class ParsedMail:
    content_hash: str  # sha256 of the raw bytes: the dedup key when there is no Message-ID
    message_id: str | None
    from_addresses: tuple[Address, ...]
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    reply_to: tuple[Address, ...]
    invalid_addresses: tuple[InvalidAddress, ...]
    subject: str
    date: datetime | None
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    text: str
    attachments: tuple[Attachment, ...]
    attached_messages: tuple[ParsedMail, ...]
    defects: tuple[Defect, ...] = field(default=())
    part_count: int = 0

    @property
    def dedup_key(self) -> str:
        return self.message_id if self.message_id is not None else self.content_hash
