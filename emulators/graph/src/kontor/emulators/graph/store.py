"""In-memory state of the emulated tenants: apps, mailboxes, events, delta state.

It stands in for Exchange Online, so it keeps what Exchange keeps and answers
the way the Graph reference says:

* events: https://learn.microsoft.com/graph/api/resources/event — ``id``,
  ``changeKey`` (new on every save, and the ``@odata.etag`` ``W/"<changeKey>"``),
  ``iCalUId`` (the same in every mailbox that holds the meeting; each occurrence
  and exception of a series has its own, with its date in it) and ``uid``
  (the series' one, shared by the master, its occurrences and exceptions),
  ``type`` singleInstance / seriesMaster / occurrence / exception,
  ``seriesMasterId``, ``originalStart``, ``transactionId`` (a retried create
  with the same transactionId returns the event it already made, and it can't
  be changed later), ``sensitivity``, ``isAllDay``, ``attendees`` with
  ``status``;
* a series is one seriesMaster; its occurrences are computed, an occurrence
  updated on its own becomes an ``exception``, a deleted one is cancelled and
  disappears from instances and calendarView
  (https://learn.microsoft.com/graph/api/event-list-instances);
* ``GET /events`` lists single instances and series masters, ``calendarView``
  lists single instances, occurrences and exceptions in the window
  (https://learn.microsoft.com/graph/api/user-list-calendarview);
* extended properties (https://learn.microsoft.com/graph/api/resources/singlevaluelegacyextendedproperty,
  https://learn.microsoft.com/graph/api/singlevaluelegacyextendedproperty-get):
  ids like ``String {guid} Name CrmId`` (GUID case-insensitive, name
  case-sensitive), returned only through ``$expand`` with an ``id eq`` filter;
* calendarView delta (https://learn.microsoft.com/graph/delta-query-events,
  https://learn.microsoft.com/graph/api/event-delta): a round of nextLinks
  (``$skiptoken``) ends in a deltaLink (``$deltatoken``); the tokens encode the
  window; a later round returns what changed, and ``{"id", "@removed":
  {"reason": "deleted"}}`` for events deleted or moved out of the window — and,
  as documented, also for events *outside* the window that were added, changed
  or deleted since the last round. A token the emulator declares expired
  answers 410 ``SyncStateNotFound``. Every save and delete appends ``(seq, event id)`` to the mailbox's
  change log; a token is a position in it (and the window's entry ids there), so a later round looks only
  at the events changed since and costs what changed, not the calendar's size.

Meetings travel between the mailboxes it hosts (attendee copies, answers, resource mailboxes that
book themselves, equipment told apart by ``mailboxSettings.userPurpose``): see ``meetings.py``.

Everything sits behind one lock, so the HTTP handlers (async) and tests calling
the store directly (threads) see consistent state.
"""

from __future__ import annotations

import base64
import bisect
import copy
import os
import re
import secrets
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from kontor.emulators.graph import meetings
from kontor.emulators.graph import recurrence as rec
from kontor.emulators.graph.errors import GraphError
from kontor.emulators.graph.timezones import (
    format_dtz,
    format_utc,
    format_utc_precise,
    parse_dtz,
    windows_name,
)

NOT_FOUND = ("ErrorItemNotFound", "The specified object was not found in the store.")

# Properties a client may set on create / update (event resource, writable ones).
WRITABLE = {
    "subject", "body", "start", "end", "location", "locations", "attendees", "categories",
    "showAs", "sensitivity", "importance", "isAllDay", "isReminderOn", "reminderMinutesBeforeStart",
    "recurrence", "responseRequested", "isOnlineMeeting", "onlineMeetingProvider",
    "allowNewTimeProposals", "hideAttendees", "transactionId", "singleValueExtendedProperties",
}
SENSITIVITIES = {"normal", "personal", "private", "confidential"}
SHOW_AS = {"free", "tentative", "busy", "oof", "workingElsewhere", "unknown"}
MAX_SYNC_STATES = 64
RESPONSES = {"none", "organizer", "tentativelyAccepted", "accepted", "declined", "notResponded"}


def _now() -> datetime:
    return datetime.now(UTC)


def new_event_id() -> str:
    return "AAMkA" + base64.urlsafe_b64encode(os.urandom(30)).decode().rstrip("=")


def new_change_key() -> str:
    return base64.b64encode(os.urandom(16)).decode()


def new_ical_uid() -> str:
    # Exchange's global object id shape: a fixed prefix plus a per-meeting part.
    return "040000008200E00074C5B7101A82E00800000000" + uuid.uuid4().hex.upper() + "0000000000000000"


def occurrence_ical_uid(series_uid: str, original_start: datetime, tz_name: str = "UTC") -> str:
    """The iCalUId of one occurrence or exception: Graph gives each instance its own, while ``uid`` stays
    the series'. Exchange's global object id carries the instance's original date in bytes 16–19 (year
    high, year low, month, day; MS-OXOCAL PidLidGlobalObjectId), zero for the series itself."""
    from kontor.emulators.graph.timezones import zone

    day = original_start.astimezone(zone(tz_name)).date()
    stamp = f"{day.year:04X}{day.month:02X}{day.day:02X}"
    if len(series_uid) >= 40 and series_uid[:32].upper() == "040000008200E00074C5B7101A82E008":
        return series_uid[:32] + stamp + series_uid[40:]
    return f"{series_uid}-{stamp}"  # a foreign UID (given on create): still one per instance


def instance_ical_uid(inst: Instance) -> str:
    """The iCalUId Graph shows for a calendar entry (see ``occurrence_ical_uid``)."""
    src = inst.source
    if inst.original_start is not None and (inst.occurrence_of is not None or src.kind == "exception"):
        return occurrence_ical_uid(src.ical_uid, inst.original_start, src.start_tz)
    return src.ical_uid


def occurrence_id(master_id: str, original_start: datetime) -> str:
    raw = f"{master_id}|{format_utc(original_start)}".encode()
    return "AAMkO" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def parse_occurrence_id(event_id: str) -> tuple[str, datetime] | None:
    if not event_id.startswith("AAMkO"):
        return None
    body = event_id[5:]
    try:
        master_id, _, stamp = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode().partition("|")
        return master_id, datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except (ValueError, UnicodeDecodeError):
        return None


_EXT_ID = re.compile(r"^\s*(\w+)\s+\{([0-9a-fA-F-]{36})\}\s+(Name|Id)\s+(.+?)\s*$")


def normalise_ext_id(prop_id: str) -> str:
    """``String {GUID} Name X``: type and GUID case-insensitive, name kept as given."""
    m = _EXT_ID.match(prop_id or "")
    if not m:
        m2 = re.match(r"^\s*(\w+)\s+(0x[0-9a-fA-F]+)\s*$", prop_id or "")
        if not m2:
            raise GraphError(400, "ErrorInvalidExtendedPropertyValue", f"The extended property id '{prop_id}' is invalid.")
        return f"{m2.group(1)} {m2.group(2).lower()}"
    kind, guid, how, name = m.groups()
    return f"{kind} {{{guid.lower()}}} {how} {name}"


@dataclass
class Tenant:
    id: str
    domain: str
    display_name: str


@dataclass
class App:
    tenant_id: str
    client_id: str
    secret: str
    display_name: str
    roles: list[str]
    disabled: bool = False
    token_generation: int = 0  # bumped to revoke every token issued so far
    certificates: list = field(default_factory=list)  # certificates.AppCertificate: keyCredentials for assertions


@dataclass
class ThrottlePolicy:
    """Outlook service limits: 4 concurrent requests and 10,000 requests per
    10 minutes, per app and mailbox (https://learn.microsoft.com/graph/throttling-limits#outlook-service-limits)."""

    max_concurrent: int = 4
    budget: int = 10_000
    window_seconds: float = 600.0
    retry_after_seconds: int = 10
    delay_ms: int = 0
    inject_status: int = 429
    inject_count: int = 0
    inject_until: float = 0.0
    inject_retry_after: int = 1


@dataclass
class StoredEvent:
    id: str
    props: dict
    start: datetime
    end: datetime
    start_tz: str
    end_tz: str
    change_key: str
    created: datetime
    modified: datetime
    ical_uid: str
    seq: int
    kind: str = "singleInstance"
    transaction_id: str | None = None
    ext: dict[str, str] = field(default_factory=dict)
    series_master_id: str | None = None
    original_start: datetime | None = None
    is_organizer: bool = True
    is_cancelled: bool = False
    organizer: dict | None = None
    response_status: dict | None = None
    exceptions: dict[str, str] = field(default_factory=dict)  # original start (UTC str) -> exception id
    cancelled: set[str] = field(default_factory=set)


@dataclass
class Instance:
    """One entry of a calendarView: a single instance, an occurrence or an exception."""

    id: str
    change_key: str
    start: datetime
    end: datetime
    source: StoredEvent
    original_start: datetime | None = None
    occurrence_of: StoredEvent | None = None


@dataclass
class DeltaState:
    """What a delta token stands for: a position in the mailbox's change log (``seq``) and the window's
    entries at that position, so the next round looks only at what changed after it."""

    window_start: datetime
    window_end: datetime
    members: set[str]  # ids of the calendarView entries in the window at ``seq``
    series: dict[str, frozenset[str]]  # series master id -> its occurrences' ids among ``members``
    seq: int
    expired: str | None = None  # the error code to answer with once expired


class DeltaPages:
    """The pages of a round, rendered when served (as Graph streams them), under the store's lock."""

    def __init__(self, entries: list, page_size: int, render, lock) -> None:
        self._entries, self._size, self._render, self._lock = entries, page_size, render, lock

    def __len__(self) -> int:
        return max(1, -(-len(self._entries) // self._size))

    def __getitem__(self, index: int) -> list[dict]:
        with self._lock:
            return [e if isinstance(e, dict) else self._render(e)
                    for e in self._entries[index * self._size:(index + 1) * self._size]]


@dataclass
class DeltaRound:
    pages: DeltaPages
    delta_token: str
    window_start: datetime
    window_end: datetime


@dataclass
class Mailbox:
    id: str
    tenant_id: str
    upn: str
    display_name: str
    kind: str = "user"  # user | room | equipment
    place: dict = field(default_factory=dict)
    events: dict[str, StoredEvent] = field(default_factory=dict)
    by_transaction: dict[str, str] = field(default_factory=dict)
    tombstones: dict[str, tuple[int, datetime, datetime]] = field(default_factory=dict)
    seq: int = 0
    changes: list[tuple[int, str]] = field(default_factory=list)  # (seq, event id) of every save / delete
    delta_states: dict[str, DeltaState] = field(default_factory=dict)
    delta_rounds: dict[str, DeltaRound] = field(default_factory=dict)
    sent: list[dict] = field(default_factory=list)
    throttle: ThrottlePolicy = field(default_factory=ThrottlePolicy)
    outside_window_removals: bool = True

    def email(self) -> dict:
        return {"name": self.display_name, "address": self.upn}


class Store:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        # Told of every event change and of a reset (change notifications, subscriptions.py); they only
        # queue work, since they run under the lock.
        self.observers: list = []
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.tenants: dict[str, Tenant] = {}
            self.apps: dict[str, App] = {}
            self.mailboxes: dict[str, Mailbox] = {}
            for observer in self.observers:
                observer.on_reset()

    # ---- directory -------------------------------------------------------------------------

    def add_tenant(self, *, domain: str, tenant_id: str | None = None, display_name: str | None = None) -> Tenant:
        with self.lock:
            tenant = Tenant(id=tenant_id or str(uuid.uuid4()), domain=domain.lower(), display_name=display_name or domain)
            self.tenants[tenant.id] = tenant
            return tenant

    def tenant(self, ref: str) -> Tenant | None:
        with self.lock:
            if ref in self.tenants:
                return self.tenants[ref]
            ref = ref.lower()
            return next((t for t in self.tenants.values() if t.domain == ref or t.id == ref), None)

    def add_app(
        self,
        tenant_id: str,
        *,
        display_name: str,
        client_id: str | None = None,
        secret: str | None = None,
        roles: list[str] | None = None,
    ) -> App:
        with self.lock:
            if tenant_id not in self.tenants:
                raise KeyError(tenant_id)
            app = App(
                tenant_id=tenant_id,
                client_id=client_id or str(uuid.uuid4()),
                secret=secret or secrets.token_urlsafe(30),
                display_name=display_name,
                roles=list(roles or ["Calendars.ReadWrite", "Place.Read.All", "User.Read.All", "Mail.Read",
                                     "MailboxSettings.Read"]),
            )
            self.apps[app.client_id] = app
            return app

    def add_mailbox(
        self,
        tenant_id: str,
        *,
        upn: str,
        display_name: str | None = None,
        mailbox_id: str | None = None,
        kind: str = "user",
        place: dict | None = None,
    ) -> Mailbox:
        with self.lock:
            if tenant_id not in self.tenants:
                raise KeyError(tenant_id)
            mb = Mailbox(
                id=mailbox_id or str(uuid.uuid4()),
                tenant_id=tenant_id,
                upn=upn.lower(),
                display_name=display_name or upn.split("@")[0],
                kind=kind,
                place=dict(place or {}),
            )
            self.mailboxes[mb.id] = mb
            return mb

    def mailbox(self, ref: str, tenant_id: str | None = None) -> Mailbox:
        with self.lock:
            ref_l = ref.lower()
            for mb in self.mailboxes.values():
                if (mb.id == ref_l or mb.upn == ref_l) and (tenant_id is None or mb.tenant_id == tenant_id):
                    return mb
        raise GraphError(404, "ErrorInvalidUser", f"The requested user '{ref}' is invalid.")

    # ---- events: write -----------------------------------------------------------------------

    def _changed(self, mb: Mailbox, change_type: str, ev: StoredEvent) -> None:
        for observer in self.observers:
            observer.on_change(mb, change_type, ev)

    def _touch(self, mb: Mailbox, ev: StoredEvent) -> None:
        change_type = "created" if ev.seq == 0 else "updated"
        mb.seq += 1
        ev.seq = mb.seq
        mb.changes.append((mb.seq, ev.id))
        ev.change_key = new_change_key()
        ev.modified = _now()
        self._changed(mb, change_type, ev)

    def _apply(self, ev: StoredEvent, body: dict, *, creating: bool) -> dict[str, bool]:
        """Set writable properties from a Graph JSON body; return which groups changed."""
        unknown = [k for k in body if k not in WRITABLE and not k.startswith("@odata") and k not in READ_ONLY]
        if unknown:
            raise GraphError(
                400, "RequestBodyRead",
                f"The property '{unknown[0]}' does not exist on type 'microsoft.graph.event'. Make sure to only use property names that are defined by the type or mark the type as open type.",
            )
        changed = {"time": False, "recurrence": False, "notify": False}
        for key, value in body.items():
            if key in READ_ONLY or key.startswith("@odata"):
                continue
            if key == "transactionId":
                if creating:
                    ev.transaction_id = value
                continue  # cannot be changed after create
            if key == "singleValueExtendedProperties":
                for prop in value or []:
                    ev.ext[normalise_ext_id(prop.get("id", ""))] = str(prop.get("value"))
                continue
            if key in ("start", "end"):
                instant, tz_name = parse_dtz(value, key)
                if key == "start":
                    ev.start, ev.start_tz = instant, tz_name
                else:
                    ev.end, ev.end_tz = instant, tz_name
                changed["time"] = changed["notify"] = True
                continue
            if key == "sensitivity" and value not in SENSITIVITIES:
                raise GraphError(400, "RequestBodyRead", f"Requested value '{value}' was not found.")
            if key == "showAs" and value not in SHOW_AS:
                raise GraphError(400, "RequestBodyRead", f"Requested value '{value}' was not found.")
            if key == "recurrence":
                if value is not None:
                    rec.validate(value)
                changed["recurrence"] = True
            if key in ("location", "locations", "subject", "body", "attendees"):
                changed["notify"] = True
            if key == "attendees":
                value = [_attendee(a) for a in (value or [])]
            ev.props[key] = copy.deepcopy(value)
        if ev.end < ev.start:
            raise GraphError(400, "ErrorInvalidRequest", "The end of the event must not be before its start.")
        if ev.props.get("isAllDay"):
            _check_all_day(ev)
        return changed

    def create_event(self, mb: Mailbox, body: dict, *, organizer: dict | None = None, ical_uid: str | None = None,
                     event_id: str | None = None) -> tuple[StoredEvent, bool]:
        """Create; returns (event, created). A known transactionId returns the existing event.

        ``event_id`` (seeds only) fixes the id, so a restarted emulator serves a seeded event under the same id.
        """
        with self.lock:
            txn = body.get("transactionId")
            if txn and txn in mb.by_transaction and mb.by_transaction[txn] in mb.events:
                return mb.events[mb.by_transaction[txn]], False
            if "start" not in body or "end" not in body:
                raise GraphError(400, "ErrorInvalidRequest", "Your request can't be completed. The event must have a start and an end.")
            now = _now()
            ev = StoredEvent(
                id=event_id or new_event_id(), props={}, start=now, end=now, start_tz="UTC", end_tz="UTC",
                change_key="", created=now, modified=now, ical_uid=ical_uid or new_ical_uid(), seq=0,
            )
            ev.props.update({"subject": "", "body": {"contentType": "html", "content": ""}, "importance": "normal",
                             "sensitivity": "normal", "showAs": "busy", "isAllDay": False, "isReminderOn": True,
                             "reminderMinutesBeforeStart": 15, "categories": [], "attendees": [],
                             "location": {"displayName": "", "locationType": "default", "uniqueIdType": "unknown"},
                             "locations": [], "responseRequested": True, "isOnlineMeeting": False,
                             "allowNewTimeProposals": True, "hideAttendees": False, "recurrence": None})
            self._apply(ev, body, creating=True)
            ev.organizer = organizer or {"emailAddress": mb.email()}
            ev.is_organizer = organizer is None or organizer.get("emailAddress", {}).get("address", "").lower() == mb.upn
            ev.response_status = {"response": "organizer" if ev.is_organizer else "notResponded", "time": "0001-01-01T00:00:00Z"}
            ev.kind = "seriesMaster" if ev.props.get("recurrence") else "singleInstance"
            self._touch(mb, ev)
            mb.events[ev.id] = ev
            if ev.transaction_id:
                mb.by_transaction[ev.transaction_id] = ev.id
            if ev.is_organizer and ev.props.get("attendees"):
                self._send(mb, "meetingRequest", ev)
                meetings.deliver(self, mb, ev, before=set())
            return ev, True

    def _send(self, mb: Mailbox, kind: str, ev: StoredEvent) -> None:
        to = [a["emailAddress"]["address"] for a in ev.props.get("attendees") or [] if a.get("emailAddress")]
        mb.sent.append({"kind": kind, "eventId": ev.id, "iCalUId": ev.ical_uid, "to": to, "at": format_utc(_now())})

    def resolve(self, mb: Mailbox, event_id: str) -> tuple[StoredEvent | None, StoredEvent | None, datetime | None]:
        """(stored event, series master, original start) for an id; occurrences have no stored event."""
        with self.lock:
            if event_id in mb.events:
                ev = mb.events[event_id]
                master = mb.events.get(ev.series_master_id) if ev.series_master_id else None
                return ev, master, ev.original_start
            occ = parse_occurrence_id(event_id)
            if occ:
                master = mb.events.get(occ[0])
                if master and master.kind == "seriesMaster" and self._is_occurrence(master, occ[1]):
                    return None, master, occ[1]
            raise GraphError(404, *NOT_FOUND)

    def _is_occurrence(self, master: StoredEvent, original_start: datetime) -> bool:
        key = format_utc(original_start)
        if key in master.cancelled or key in master.exceptions:
            return False
        duration = master.end - master.start
        return any(
            s == original_start
            for s in rec.occurrence_starts(master.props["recurrence"], master.start, master.start_tz,
                                           original_start, original_start + timedelta(seconds=1), duration)
        )

    def update_event(self, mb: Mailbox, event_id: str, body: dict, if_match: str | None = None) -> StoredEvent:
        with self.lock:
            ev, master, original = self.resolve(mb, event_id)
            current_key = ev.change_key if ev else master.change_key  # type: ignore[union-attr]
            check_if_match(if_match, current_key)
            if ev is None:  # an occurrence edited on its own becomes an exception
                ev = self._make_exception(mb, master, original)  # type: ignore[arg-type]
            if ev.kind in ("exception",) and "recurrence" in body and body["recurrence"]:
                raise GraphError(400, "ErrorInvalidRequest", "An occurrence of a series cannot have a recurrence.")
            before = meetings.attendee_addresses(ev)
            changed = self._apply(ev, body, creating=False)
            if ev.kind == "seriesMaster" and (changed["recurrence"] or changed["time"]):
                if not ev.props.get("recurrence"):
                    ev.kind = "singleInstance"
                self._drop_exceptions(mb, ev)
            elif ev.kind == "singleInstance" and ev.props.get("recurrence"):
                ev.kind = "seriesMaster"
            self._touch(mb, ev)
            if ev.is_organizer and changed["notify"] and ev.props.get("attendees"):
                self._send(mb, "meetingUpdate", ev)
            if ev.is_organizer and (changed["notify"] or changed["recurrence"]) and (before or ev.props.get("attendees")):
                meetings.deliver(self, mb, ev, before=before)
            return ev

    def _make_exception(self, mb: Mailbox, master: StoredEvent, original: datetime) -> StoredEvent:
        duration = master.end - master.start
        exc = copy.deepcopy(master)
        exc.id = occurrence_id(master.id, original)
        exc.kind = "exception"
        exc.series_master_id = master.id
        exc.original_start = original
        exc.start, exc.end = original, original + duration
        exc.props["recurrence"] = None
        exc.exceptions, exc.cancelled = {}, set()
        exc.transaction_id = None
        exc.created = _now()
        mb.events[exc.id] = exc
        master.exceptions[format_utc(original)] = exc.id
        return exc

    def _drop_exceptions(self, mb: Mailbox, master: StoredEvent) -> None:
        for exc_id in master.exceptions.values():
            gone = mb.events.pop(exc_id, None)
            if gone:
                self._tombstone(mb, gone)
        master.exceptions.clear()
        master.cancelled.clear()

    def _tombstone(self, mb: Mailbox, ev: StoredEvent) -> None:
        mb.seq += 1
        mb.tombstones[ev.id] = (mb.seq, ev.start, ev.end)
        mb.changes.append((mb.seq, ev.id))
        self._changed(mb, "deleted", ev)

    def delete_event(self, mb: Mailbox, event_id: str, *, notify: bool = True) -> None:
        with self.lock:
            ev, master, original = self.resolve(mb, event_id)
            if ev is None or ev.kind == "exception":
                assert master is not None and original is not None
                key = format_utc(original)
                if ev is not None:
                    mb.events.pop(ev.id, None)
                    master.exceptions.pop(key, None)
                    self._tombstone(mb, ev)
                master.cancelled.add(key)
                self._touch(mb, master)
                return
            if ev.kind == "seriesMaster":
                self._drop_exceptions(mb, ev)
            mb.events.pop(ev.id, None)
            if ev.transaction_id:
                mb.by_transaction.pop(ev.transaction_id, None)
            self._tombstone(mb, ev)
            if notify and ev.is_organizer and ev.props.get("attendees"):
                self._send(mb, "meetingCancellation", ev)
                meetings.cancel_all(self, mb, ev)

    def cancel_event(self, mb: Mailbox, event_id: str) -> None:
        """Outlook's "cancel meeting": the organizer's copy goes, an attendee's copy shows isCancelled."""
        with self.lock:
            ev, master, _ = self.resolve(mb, event_id)
            target = ev or master
            assert target is not None
            if target.is_organizer:
                self.delete_event(mb, event_id)
            else:
                if ev is None:
                    ev = self._make_exception(mb, master, _)  # type: ignore[arg-type]
                ev.is_cancelled = True
                self._touch(mb, ev)

    def set_attendee_response(self, mb: Mailbox, event_id: str, address: str, response: str) -> StoredEvent:
        if response not in RESPONSES:
            raise GraphError(400, "ErrorInvalidRequest", f"Unknown response '{response}'.")
        with self.lock:
            ev, master, original = self.resolve(mb, event_id)
            target = ev or master
            assert target is not None
            for att in target.props.get("attendees") or []:
                if att.get("emailAddress", {}).get("address", "").lower() == address.lower():
                    att["status"] = {"response": response, "time": format_utc(_now())}
                    self._touch(mb, target)
                    meetings.set_organizer_view(self, mb, target, address, response)
                    return target
            raise GraphError(404, *NOT_FOUND)

    def respond(self, mb: Mailbox, event_id: str, action: str, *, send_response: bool = True) -> None:
        """An attendee accepts, declines or tentatively accepts (``meetings.respond``)."""
        with self.lock:
            meetings.respond(self, mb, event_id, action, send_response=send_response)

    # ---- events: read ------------------------------------------------------------------------

    def list_events(self, mb: Mailbox) -> list[StoredEvent]:
        with self.lock:
            evs = [e for e in mb.events.values() if e.kind in ("singleInstance", "seriesMaster")]
            return sorted(evs, key=lambda e: (e.start, e.id))

    def instances(self, mb: Mailbox, ws: datetime, we: datetime, master: StoredEvent | None = None) -> list[Instance]:
        """calendarView entries in [ws, we); only one series' when ``master`` is given."""
        with self.lock:
            out: list[Instance] = []
            sources = [master] if master else list(mb.events.values())
            for ev in sources:
                if ev.kind == "singleInstance":
                    if rec.overlaps(ev.start, ev.end, ws, we):
                        out.append(Instance(ev.id, ev.change_key, ev.start, ev.end, ev))
                elif ev.kind == "exception":
                    if master is None and rec.overlaps(ev.start, ev.end, ws, we):
                        out.append(Instance(ev.id, ev.change_key, ev.start, ev.end, ev, ev.original_start))
                elif ev.kind == "seriesMaster":
                    duration = ev.end - ev.start
                    for start in rec.occurrence_starts(ev.props["recurrence"], ev.start, ev.start_tz, ws, we, duration):
                        key = format_utc(start)
                        if key in ev.cancelled or key in ev.exceptions:
                            continue
                        out.append(Instance(occurrence_id(ev.id, start), ev.change_key, start, start + duration, ev, start, ev))
                    if master is not None:
                        for exc_id in ev.exceptions.values():
                            exc = mb.events.get(exc_id)
                            if exc and rec.overlaps(exc.start, exc.end, ws, we):
                                out.append(Instance(exc.id, exc.change_key, exc.start, exc.end, exc, exc.original_start))
            out.sort(key=lambda i: (i.start, i.id))
            return out

    def get_instance(self, mb: Mailbox, event_id: str) -> Instance:
        with self.lock:
            ev, master, original = self.resolve(mb, event_id)
            if ev is not None:
                return Instance(ev.id, ev.change_key, ev.start, ev.end, ev, ev.original_start)
            assert master is not None and original is not None
            duration = master.end - master.start
            return Instance(event_id, master.change_key, original, original + duration, master, original, master)

    # ---- delta ---------------------------------------------------------------------------------

    def delta_start(self, mb: Mailbox, ws: datetime, we: datetime, page_size: int, render) -> DeltaRound:
        """A full round (no token): every instance in the window."""
        with self.lock:
            current = self.instances(mb, ws, we)
            series: dict[str, set[str]] = {}
            for inst in current:
                if inst.occurrence_of is not None:
                    series.setdefault(inst.occurrence_of.id, set()).add(inst.id)
            members = {i.id for i in current}
            return self._new_round(mb, ws, we, members, {k: frozenset(v) for k, v in series.items()}, current,
                                   page_size, render)

    def delta_continue(self, mb: Mailbox, token: str, page_size: int, render) -> DeltaRound:
        """A round from a deltaLink: the entries of the events saved or deleted since the token's position in
        the change log (``mb.changes``), so its cost follows the changes, not the calendar's size."""
        with self.lock:
            state = mb.delta_states.get(token)
            if state is None or state.expired:
                code = state.expired if state else "SyncStateNotFound"
                raise GraphError(410, code, f"The sync state generation is not found; generation={mb.seq};[highest={mb.seq}].")
            ws, we = state.window_start, state.window_end
            touched = dict.fromkeys(eid for _, eid in mb.changes[bisect.bisect_right(mb.changes, (state.seq, "\uffff")):])
            series = dict(state.series)
            before: set[str] = set()  # entries the touched events had in the window at the token
            now: list[Instance] = []  # and have now
            for eid in touched:
                before |= series.get(eid, frozenset()) | ({eid} & state.members)
                ev = mb.events.get(eid)
                if ev is None:
                    series.pop(eid, None)
                elif ev.kind == "seriesMaster":
                    occurrences = [i for i in self.instances(mb, ws, we, master=ev) if i.occurrence_of is not None]
                    series[eid] = frozenset(i.id for i in occurrences)
                    now.extend(occurrences)
                else:
                    if ev.kind == "exception" and ev.series_master_id in series:
                        # It took over its occurrence's id: the entry is the exception's from now on.
                        series[ev.series_master_id] = series[ev.series_master_id] - {eid}
                    if rec.overlaps(ev.start, ev.end, ws, we):
                        now.append(Instance(ev.id, ev.change_key, ev.start, ev.end, ev,
                                            ev.original_start if ev.kind == "exception" else None))
            now.sort(key=lambda i: (i.start, i.id))
            seen = {i.id for i in now}
            members = (state.members - before) | seen
            removed = sorted(before - members)
            if mb.outside_window_removals:
                # As documented: events outside the window added, changed or deleted since come as removed too.
                removed += [eid for eid in touched if eid not in members and eid not in removed
                            and (eid in mb.tombstones if eid not in mb.events
                                 else mb.events[eid].kind != "seriesMaster")]
            entries: list = [*now, *({"@odata.type": "#microsoft.graph.event", "id": i, "@removed": {"reason": "deleted"}}
                                     for i in removed)]
            return self._new_round(mb, ws, we, members, series, entries, page_size, render)

    def _new_round(self, mb, ws, we, members: set[str], series: dict[str, frozenset[str]], entries: list,
                   page_size: int, render) -> DeltaRound:
        token = secrets.token_urlsafe(24)
        mb.delta_states[token] = DeltaState(ws, we, members, series, mb.seq)
        # Exchange keeps a few sync-state generations, not all: the oldest go, and answer 410.
        while len(mb.delta_states) > MAX_SYNC_STATES:
            mb.delta_states.pop(next(iter(mb.delta_states)))
        while len(mb.delta_rounds) > MAX_SYNC_STATES:
            mb.delta_rounds.pop(next(iter(mb.delta_rounds)))
        # The change log is needed only after the oldest position a token still holds.
        oldest = min(s.seq for s in mb.delta_states.values())
        del mb.changes[:bisect.bisect_right(mb.changes, (oldest, "\uffff"))]
        return DeltaRound(pages=DeltaPages(entries, page_size, render, self.lock), delta_token=token,
                          window_start=ws, window_end=we)

    def expire_delta_tokens(self, mb: Mailbox, token: str | None = None, code: str = "SyncStateNotFound") -> int:
        with self.lock:
            targets = [token] if token else list(mb.delta_states)
            for t in targets:
                if t in mb.delta_states:
                    mb.delta_states[t].expired = code
            for key in [k for k, r in mb.delta_rounds.items() if token is None or r.delta_token == token]:
                mb.delta_rounds.pop(key, None)
            return len(targets)


READ_ONLY = {
    "id", "createdDateTime", "lastModifiedDateTime", "changeKey", "iCalUId", "uid", "type",
    "seriesMasterId", "originalStart", "originalStartTimeZone", "originalEndTimeZone", "isOrganizer",
    "isCancelled", "organizer", "responseStatus", "webLink", "bodyPreview", "hasAttachments",
    "isDraft", "onlineMeeting", "onlineMeetingUrl", "occurrenceId",
}


def _attendee(value: dict) -> dict:
    if not isinstance(value, dict) or not isinstance(value.get("emailAddress"), dict):
        raise GraphError(400, "ErrorInvalidRequest", "An attendee must have an emailAddress.")
    kind = value.get("type") or "required"
    if kind not in ("required", "optional", "resource"):
        raise GraphError(400, "RequestBodyRead", f"Requested value '{kind}' was not found.")
    status = value.get("status") or {"response": "none", "time": "0001-01-01T00:00:00Z"}
    return {"type": kind, "status": status, "emailAddress": dict(value["emailAddress"])}


def _check_all_day(ev: StoredEvent) -> None:
    from kontor.emulators.graph.timezones import zone

    for instant, tz_name in ((ev.start, ev.start_tz), (ev.end, ev.end_tz)):
        local = instant.astimezone(zone(tz_name))
        if (local.hour, local.minute, local.second, local.microsecond) != (0, 0, 0, 0):
            raise GraphError(
                400, "ErrorPropertyValidationFailure",
                "The value of the IsAllDay property is true, but the start or end time is not at midnight.",
            )
    if ev.end <= ev.start:
        raise GraphError(400, "ErrorPropertyValidationFailure", "An all-day event must last at least one day.")


def check_if_match(if_match: str | None, change_key: str) -> None:
    if not if_match or if_match.strip() == "*":
        return
    tags = [t.strip() for t in if_match.split(",")]
    keys = {t[2:] if t.startswith("W/") else t for t in tags}
    keys = {k.strip('"') for k in keys}
    if change_key not in keys:
        raise GraphError(
            412, "ErrorIrresolvableConflict",
            "The send or update operation could not be performed because the change key passed in the request does not match the current change key for the item.",
        )


def render_event(
    mb: Mailbox,
    inst: Instance,
    *,
    tz_name: str | None,
    expand_ext: list[str] | None = None,
) -> dict:
    """The Graph JSON of one calendar entry (event resource, v1.0 property set)."""
    src = inst.source
    occ = inst.occurrence_of is not None
    kind = "occurrence" if occ else src.kind
    out_tz = tz_name or "UTC"
    props = src.props
    content = (props.get("body") or {}).get("content") or ""
    preview = re.sub(r"<[^>]+>", "", content).strip()[:255]
    data: dict = {
        "@odata.etag": f'W/"{inst.change_key}"',
        "id": inst.id,
        "createdDateTime": format_utc_precise(src.created),
        "lastModifiedDateTime": format_utc_precise(src.modified),
        "changeKey": inst.change_key,
        "categories": list(props.get("categories") or []),
        "transactionId": src.transaction_id if kind in ("singleInstance", "seriesMaster") else None,
        "originalStartTimeZone": windows_name(src.start_tz),
        "originalEndTimeZone": windows_name(src.end_tz),
        "iCalUId": instance_ical_uid(inst),
        "uid": src.ical_uid,  # the series' (an exception's is copied from its master)
        "reminderMinutesBeforeStart": props.get("reminderMinutesBeforeStart", 15),
        "isReminderOn": props.get("isReminderOn", True),
        "hasAttachments": False,
        "subject": props.get("subject", ""),
        "bodyPreview": preview,
        "importance": props.get("importance", "normal"),
        "sensitivity": props.get("sensitivity", "normal"),
        "isAllDay": bool(props.get("isAllDay")),
        "isCancelled": src.is_cancelled,
        "isOrganizer": src.is_organizer,
        "responseRequested": props.get("responseRequested", True),
        "seriesMasterId": (inst.occurrence_of.id if occ else src.series_master_id),
        "showAs": props.get("showAs", "busy"),
        "type": kind,
        "webLink": f"https://outlook.office365.com/owa/?itemid={inst.id}&exvsurl=1&path=/calendar/item",
        "onlineMeetingUrl": None,
        "isOnlineMeeting": props.get("isOnlineMeeting", False),
        "onlineMeetingProvider": props.get("onlineMeetingProvider", "unknown"),
        "allowNewTimeProposals": props.get("allowNewTimeProposals", True),
        "isDraft": False,
        "hideAttendees": props.get("hideAttendees", False),
        "responseStatus": copy.deepcopy(src.response_status),
        "body": copy.deepcopy(props.get("body") or {"contentType": "html", "content": ""}),
        "start": format_dtz(inst.start, out_tz),
        "end": format_dtz(inst.end, out_tz),
        "location": copy.deepcopy(props.get("location") or {"displayName": ""}),
        "locations": copy.deepcopy(props.get("locations") or []),
        "recurrence": copy.deepcopy(props.get("recurrence")) if kind == "seriesMaster" else None,
        "attendees": copy.deepcopy(props.get("attendees") or []),
        "organizer": copy.deepcopy(src.organizer),
        "onlineMeeting": None,
    }
    if inst.original_start is not None:
        data["originalStart"] = format_utc(inst.original_start)
    if expand_ext is not None:
        wanted = [normalise_ext_id(x) for x in expand_ext]
        found = [{"id": k, "value": v} for k, v in src.ext.items() if not wanted or k in wanted]
        if found:
            data["singleValueExtendedProperties"] = found
    return data
