"""The provider-neutral calendar model the sync engine speaks.

Every groupware provider (Microsoft Graph now; Google and Domino later) turns
its wire format into :class:`RemoteEvent` and its failures into the typed
exceptions below, so the engine never sees a provider's JSON or status codes.

Privacy: a :class:`RemoteEvent`'s ``repr`` shows ids only, and
:meth:`RemoteEvent.redacted` blanks everything the CRM must not keep of a
private appointment (subject, body, location, attendees, organizer,
categories, resources). :meth:`RemoteEvent.content_hash` of a private event
covers only what the CRM stores of it (times, busy status, recurrence), so not
even a hash of its subject is ever persisted.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol, runtime_checkable

# The groupware errors are the platform's (mail-import raises the same); re-exported here for the engine.
from kontor.platform.groupware.errors import (  # noqa: F401 - re-exported
    CursorExpired,
    InvalidRequest,
    NeedsReauthorisation,
    NotFound,
    PreconditionFailed,
    ProviderError,
    Throttled,
    TransientError,
)

EventType = Literal["singleInstance", "seriesMaster", "occurrence", "exception"]
ShowAs = Literal["free", "tentative", "busy", "oof", "workingElsewhere", "unknown"]
AttendeeType = Literal["required", "optional", "resource"]
Response = Literal["none", "organizer", "tentativelyAccepted", "accepted", "declined", "notResponded"]


# ---- errors (the groupware ones above; this one is calendar's own) ----------------------------------


class UnsupportedRecurrence(ValueError):
    """An RRULE the provider's recurrence model cannot express."""


# ---- model ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Person:
    email: str
    name: str = ""


@dataclass(frozen=True, slots=True)
class Attendee:
    email: str
    name: str = ""
    type: AttendeeType = "required"
    response: Response = "none"


@dataclass(frozen=True, slots=True)
class Recurrence:
    """RFC 5545 recurrence: one ``RRULE`` value (without the ``RRULE:`` prefix) and cancelled occurrences.

    ``exdates`` are the original starts (aware, UTC) of cancelled occurrences;
    for all-day series they are midnight in the series' zone, as UTC.
    """

    rrule: str
    exdates: tuple[datetime, ...] = ()


@dataclass(frozen=True, slots=True)
class CrmLinks:
    """What Kontor writes into the remote event so links survive round trips and Outlook edits."""

    crm_id: str | None = None
    company_ids: tuple[str, ...] = ()
    contact_ids: tuple[str, ...] = ()
    deal_ids: tuple[str, ...] = ()
    project_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:  # order-free and duplicate-free, so equal links compare equal
        for name in ("company_ids", "contact_ids", "deal_ids", "project_ids"):
            object.__setattr__(self, name, tuple(sorted({str(x) for x in getattr(self, name)})))

    def is_empty(self) -> bool:
        return not (self.crm_id or self.company_ids or self.contact_ids or self.deal_ids or self.project_ids)

    def canonical(self) -> dict[str, Any]:
        return {
            "crm_id": self.crm_id,
            "company_ids": list(self.company_ids),
            "contact_ids": list(self.contact_ids),
            "deal_ids": list(self.deal_ids),
            "project_ids": list(self.project_ids),
        }


@dataclass(frozen=True, slots=True)
class TimeWindow:
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("a time window needs aware datetimes")
        if self.end <= self.start:
            raise ValueError("a time window must end after it starts")


# Fields that make up an event's content, in the order they are hashed. Everything
# else (ids, change keys, ETags, iCalUIds, lastModified, transactionId, series master
# id, links_loaded) is bookkeeping: a new ETag with the same content is no change.
HASHED_FIELDS = (
    "subject", "body", "location", "start", "end", "timezone", "is_all_day", "is_private", "show_as",
    "categories", "attendees", "organizer", "resources", "recurrence", "event_type", "original_start",
    "is_cancelled", "links",
)
# What the CRM keeps of a private appointment; its hash covers only these.
PRIVATE_FIELDS = ("start", "end", "timezone", "is_all_day", "is_private", "show_as", "recurrence",
                  "event_type", "original_start", "is_cancelled", "links")


@dataclass(slots=True)
class RemoteEvent:
    """One calendar entry as a provider holds it.

    ``start``/``end`` are aware datetimes in UTC; ``timezone`` is the IANA zone
    the organiser meant (all-day events: midnight in that zone). ``links`` is
    ``None`` while the provider has not read the extended properties (see
    ``links_loaded``); an empty :class:`CrmLinks` means "read, none there".
    """

    remote_id: str
    start: datetime
    end: datetime
    timezone: str = "UTC"
    ical_uid: str | None = None
    change_key: str | None = None
    etag: str | None = None
    subject: str = ""
    body: str = ""
    location: str = ""
    is_all_day: bool = False
    is_private: bool = False
    show_as: ShowAs = "busy"
    categories: tuple[str, ...] = ()
    attendees: tuple[Attendee, ...] = ()
    organizer: Person | None = None
    resources: tuple[Attendee, ...] = ()
    recurrence: Recurrence | None = None
    event_type: EventType = "singleInstance"
    series_master_id: str | None = None
    series_ical_uid: str | None = None  # the master's iCalUId (Graph gives every occurrence its own)
    original_start: datetime | None = None
    is_cancelled: bool = False
    is_organizer: bool = True
    response: Response = "none"  # the mailbox owner's own answer (an attendee's copy; "organizer" on theirs)
    links: CrmLinks | None = None
    last_modified: datetime | None = None
    transaction_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # provider specifics (never content)
    # A series master's changed occurrences, and the window its instances were read for: there (only)
    # ``recurrence.exdates`` and ``exceptions`` are complete. ``None``: the instances were not read.
    exceptions: tuple[RemoteEvent, ...] = ()
    expanded: TimeWindow | None = None

    @property
    def links_loaded(self) -> bool:
        return self.links is not None

    @property
    def crm_id(self) -> str | None:
        return self.links.crm_id if self.links else None

    def __repr__(self) -> str:  # ids only: a stray log line must not leak content
        return (f"RemoteEvent(remote_id={self.remote_id!r}, type={self.event_type!r}, "
                f"change_key={self.change_key!r}, crm_id={self.crm_id!r}, private={self.is_private})")

    __str__ = __repr__

    def redacted(self) -> RemoteEvent:
        """A copy holding only what the CRM may store: everything for a normal event;
        times, busy status, recurrence and links for a private one."""
        if not self.is_private:
            return dataclasses.replace(self)
        # A changed occurrence of a private series stays private, whatever its own sensitivity says.
        exceptions = tuple(dataclasses.replace(e, is_private=True).redacted() for e in self.exceptions)
        return dataclasses.replace(self, subject="", body="", location="", categories=(), attendees=(),
                                   organizer=None, resources=(), extra={}, exceptions=exceptions)

    def canonical(self) -> dict[str, Any]:
        """The normalised content the hash is taken over (see ``HASHED_FIELDS``)."""
        def instant(dt: datetime | None) -> str | None:
            return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if dt else None

        data: dict[str, Any] = {
            "subject": normalise_text(self.subject),
            "body": normalise_text(self.body),
            "location": normalise_text(self.location),
            "start": instant(self.start),
            "end": instant(self.end),
            "timezone": self.timezone,
            "is_all_day": self.is_all_day,
            "is_private": self.is_private,
            "show_as": self.show_as,
            "categories": sorted({c.strip() for c in self.categories if c.strip()}),
            "attendees": sorted([a.email.strip().lower(), a.type, a.response] for a in self.attendees),
            "organizer": self.organizer.email.strip().lower() if self.organizer else None,
            "resources": sorted([r.email.strip().lower(), r.response] for r in self.resources),
            "recurrence": ({"rrule": self.recurrence.rrule,
                            "exdates": sorted(instant(d) for d in self.recurrence.exdates)}
                           if self.recurrence else None),
            "event_type": "series" if self.event_type == "seriesMaster" else "instance",
            "original_start": instant(self.original_start),
            "is_cancelled": self.is_cancelled,
            "links": self.links.canonical() if self.links and not self.links.is_empty() else None,
        }
        keep = PRIVATE_FIELDS if self.is_private else HASHED_FIELDS
        return {k: data[k] for k in keep}

    def content_hash(self) -> str:
        """SHA-256 over :meth:`canonical`: equal for equal content whatever the ETag says.

        Normalisation: text is stripped with line endings and runs of blanks
        folded; instants are compared in UTC to the second; categories,
        attendees and resources are order-free and e-mail addresses
        case-free; an occurrence and an exception hash alike (an exception
        whose content equals the occurrence's is no change); empty links equal
        unread links. Private events hash only ``PRIVATE_FIELDS``.
        """
        raw = json.dumps(self.canonical(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(raw.encode()).hexdigest()


def normalise_text(value: str | None) -> str:
    if not value:
        return ""
    lines = [" ".join(line.split()) for line in value.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(lines).strip()


@dataclass(slots=True)
class DeltaPage:
    """One page of a delta round: changed or new entries, removed ids, and where to go on."""

    upserts: list[RemoteEvent]
    removals: list[str]
    next_cursor: str | None  # nextLink: more pages in this round
    delta_cursor: str | None  # deltaLink: the round is complete; store it for the next sync


@dataclass(slots=True)
class DeltaResult:
    """A whole delta round. ``cursor`` is what to store for the next incremental sync.

    ``full`` is true when the round started without a cursor (everything in the
    window is listed, so anything not listed is gone). ``cursor_expired`` is set
    when the stored cursor was refused and the provider started a full round
    instead (only with ``restart_on_expiry=True``); the engine then reconciles
    instead of applying a diff.
    """

    upserts: list[RemoteEvent]
    removals: list[str]
    cursor: str
    full: bool
    cursor_expired: bool = False
    requests: int = 0
    pages: int = 0
    series: dict[str, RemoteEvent] = field(default_factory=dict)  # masters of the series seen, by id
    # (with their exceptions and cancelled occurrences inside the window: ``RemoteEvent.expanded``)


@dataclass(slots=True)
class Resource:
    email: str
    name: str
    kind: Literal["room", "equipment"]
    capacity: int | None = None
    building: str | None = None
    room_list: str | None = None
    remote_id: str | None = None


@dataclass(slots=True)
class BusySlot:
    start: datetime
    end: datetime
    show_as: ShowAs


@dataclass(slots=True)
class Schedule:
    email: str
    busy: list[BusySlot]
    availability_view: str = ""
    error: str | None = None


@dataclass(slots=True)
class EventChanges:
    """A partial update: only fields that are set (not ``UNSET``) are sent."""

    values: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, **values: Any) -> EventChanges:
        unknown = set(values) - WRITABLE_FIELDS
        if unknown:
            raise ValueError(f"not writable: {sorted(unknown)}")
        return cls(dict(values))


WRITABLE_FIELDS = {
    "subject", "body", "location", "start", "end", "timezone", "is_all_day", "is_private", "show_as",
    "categories", "attendees", "resources", "recurrence", "links",
}


@runtime_checkable
class CalendarProvider(Protocol):
    """What the sync engine needs from a groupware calendar. All methods are coroutines;
    failures are the exceptions of this module."""

    name: str

    async def delta(self, mailbox: str, window: TimeWindow, cursor: str | None) -> DeltaResult: ...

    def delta_pages(self, mailbox: str, window: TimeWindow, cursor: str | None) -> AsyncIterator[DeltaPage]: ...

    async def get(self, mailbox: str, remote_id: str) -> RemoteEvent: ...

    async def create(self, mailbox: str, event: RemoteEvent, transaction_id: str) -> RemoteEvent: ...

    async def update(self, mailbox: str, remote_id: str, changes: EventChanges, if_match: str | None) -> RemoteEvent: ...

    async def delete(self, mailbox: str, remote_id: str, if_match: str | None = None) -> None: ...

    async def confirm_removals(self, mailbox: str, remote_ids: Sequence[str]) -> dict[str, RemoteEvent | None]: ...

    async def instances(self, mailbox: str, master_id: str, window: TimeWindow) -> list[RemoteEvent]: ...

    async def series(self, mailbox: str, master_id: str, window: TimeWindow) -> tuple[RemoteEvent, list[RemoteEvent]]: ...

    async def list_resources(self) -> list[Resource]: ...

    async def get_schedule(self, mailbox: str, emails: Sequence[str], window: TimeWindow,
                           interval_minutes: int = 30) -> list[Schedule]: ...
