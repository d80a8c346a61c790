"""Plain values of filing: a record reference and a link matching proposes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from kontor.platform.errors import InvalidArgument
from kontor.platform.pagination import parse_uuid

# Records a mail can be filed to. contacts judges companies and contact persons; deals and projects have no
# record rules yet (a link to them is visible to callers with the "mail" read right).
RECORD_TYPES = ("company", "contact_person", "deal", "project")
JUDGED_BY_CONTACTS = ("company", "contact_person")
# Link origins (MailLink.origin). Only "manual" is a person's decision; the others are the machine's.
AUTO, THREAD, SENT, MANUAL = "auto", "thread", "sent", "manual"
SERVICE_ACTOR = "service:mail-import"


@dataclass(frozen=True, order=True)
class RecordRef:
    type: str
    id: uuid.UUID

    @classmethod
    def parse(cls, record_type: str, record_id: str, field: str) -> RecordRef:
        """From request values; InvalidArgument naming ``field`` (e.g. "records[2]") when malformed."""
        if record_type not in RECORD_TYPES:
            raise InvalidArgument(f"{field}.type", f"must be one of {', '.join(RECORD_TYPES)}")
        return cls(record_type, parse_uuid(record_id, f"{field}.id"))

    def __str__(self) -> str:
        return f"{self.type} {self.id}"


@dataclass(frozen=True)
class ProposedLink:
    """A link automatic matching suggests. ``from_sender``: a contact person whose address is the sender's
    (MailImported.from_contact_person_ids)."""

    mail_id: uuid.UUID
    record: RecordRef
    origin: str
    from_sender: bool = False
