"""Which events are record changes, and the little a client is told about each."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from google.protobuf.message import Message

from kontor.platform.events import CloudEvent

# Record type (the entity segment of "contacts.<entity>.<verb>") -> the event data field naming the record.
RECORD_ID_FIELDS = {"company": "company_id", "contact_person": "person_id"}
DOMAIN = "contacts"
DELETED = "deleted"


@dataclass(frozen=True)
class Change:
    """One change of one record: nothing but what identifies it, never the record's content."""

    event_type: str  # the CloudEvent type, e.g. "kontor.contacts.company.updated"
    record_type: str  # "company" or "contact_person", as contacts' Permission API names them
    record_id: str
    verb: str  # "created", "updated", "converted", "deleted"
    version: int
    time: datetime

    @property
    def deleted(self) -> bool:
        return self.verb == DELETED

    def data(self) -> dict:
        return {"record_type": self.record_type, "id": self.record_id, "verb": self.verb,
                "version": self.version, "time": self.time.isoformat()}


def change_of(event: CloudEvent, message: Message, tenant_id: uuid.UUID) -> Change | None:
    """The record change an event stands for; None for other events (assignments, users, ...) and for
    events of another tenant (the subscription excludes them; this is the second lock)."""
    domain, _, rest = event.short_type.partition(".")
    record_type, _, verb = rest.partition(".")
    id_field = RECORD_ID_FIELDS.get(record_type)
    if domain != DOMAIN or id_field is None or event.tenantid != tenant_id:
        return None
    record_id = getattr(message, id_field, "")
    if not record_id:
        return None
    return Change(event_type=event.type, record_type=record_type, record_id=record_id, verb=verb,
                  version=int(getattr(message, "version", 0)), time=event.time)
