"""In-memory state of the emulated tenants: apps, mailboxes, events, delta state.

It stands in for Exchange Online, so it keeps what Exchange keeps and answers
the way the Graph reference says:

* events: https://learn.microsoft.com/graph/api/resources/event — ``id``,
  ``changeKey`` (new on every save, and the ``@odata.etag`` ``W/"<changeKey>"``),
  ``iCalUId`` (the same in every mailbox that holds the meeting),
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
  answers 410 ``SyncStateNotFound``.

Everything sits behind one lock, so the HTTP handlers (async) and tests calling
the store directly (threads) see consistent state.
"""

from __future__ import annotations

import base64
import copy
import os
import re
import secrets
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

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
    window_start: datetime
    window_end: datetime
    snapshot: dict[str, str]
    seq: int
    expired: str | None = None  # the error code to answer with once expired


@dataclass
class DeltaRound:
    pages: list[list[dict]]
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
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.tenants: dict[str, Tenant] = {}
            self.apps: dict[str, App] = {}
            self.mailboxes: dict[str, Mailbox] = {}

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
                roles=list(roles or ["Calendars.ReadWrite", "Place.Read.All", "User.Read.All", "Mail.Read"]),
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

    def _touch(self, mb: Mailbox, ev: StoredEvent) -> None:
        mb.seq += 1
        ev.seq = mb.seq
        ev.change_key = new_change_key()
        ev.modified = _now()

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
                    return target
            raise GraphError(404, *NOT_FOUND)

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
            items = [render(i) for i in current]
            return self._new_round(mb, ws, we, current, items, page_size)

    def delta_continue(self, mb: Mailbox, token: str, page_size: int, render) -> DeltaRound:
        """A round from a deltaLink: changes since that round's snapshot."""
        with self.lock:
            state = mb.delta_states.get(token)
            if state is None or state.expired:
                code = state.expired if state else "SyncStateNotFound"
                raise GraphError(410, code, f"The sync state generation is not found; generation={mb.seq};[highest={mb.seq}].")
            current = self.instances(mb, state.window_start, state.window_end)
            items: list[dict] = []
            seen = {i.id for i in current}
            for inst in current:
                if state.snapshot.get(inst.id) != inst.change_key:
                    items.append(render(inst))
            removed = [i for i in state.snapshot if i not in seen]
            if mb.outside_window_removals:
                for ev in mb.events.values():
                    if ev.kind != "seriesMaster" and ev.seq > state.seq and ev.id not in seen and ev.id not in removed:
                        removed.append(ev.id)
                for ev_id, (seq, _s, _e) in mb.tombstones.items():
                    if seq > state.seq and ev_id not in seen and ev_id not in removed:
                        removed.append(ev_id)
            items.extend({"@odata.type": "#microsoft.graph.event", "id": i, "@removed": {"reason": "deleted"}} for i in removed)
            return self._new_round(mb, state.window_start, state.window_end, current, items, page_size)

    def _new_round(self, mb, ws, we, current: list[Instance], items: list[dict], page_size: int) -> DeltaRound:
        token = secrets.token_urlsafe(24)
        mb.delta_states[token] = DeltaState(ws, we, {i.id: i.change_key for i in current}, mb.seq)
        # Exchange keeps a few sync-state generations, not all: the oldest go, and answer 410.
        while len(mb.delta_states) > MAX_SYNC_STATES:
            mb.delta_states.pop(next(iter(mb.delta_states)))
        while len(mb.delta_rounds) > MAX_SYNC_STATES:
            mb.delta_rounds.pop(next(iter(mb.delta_rounds)))
        pages = [items[i:i + page_size] for i in range(0, len(items), page_size)] or [[]]
        return DeltaRound(pages=pages, delta_token=token, window_start=ws, window_end=we)

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
        "iCalUId": src.ical_uid,
        "uid": src.ical_uid,
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
