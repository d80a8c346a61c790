"""The Microsoft Graph calendar provider (Exchange Online / Microsoft 365).

Reading changes: ``GET /users/{mailbox}/calendarView/delta?startDateTime&endDateTime``
(https://learn.microsoft.com/graph/delta-query-events,
https://learn.microsoft.com/graph/api/event-delta). A round follows
``@odata.nextLink`` until an ``@odata.deltaLink``, which is the cursor for the
next round; ``@removed`` entries are removals — also for events moved out of
the window and, as documented, for events *outside* it that were added,
changed or deleted, so a removal is not a deletion until
:meth:`GraphProvider.confirm_removals` says the item is gone. An
expired cursor answers 410 → :class:`CursorExpired`. Every request of a round
carries the same ``Prefer`` headers (page size, UTC, text bodies).

Extended properties vs. request count. Delta refuses ``$expand`` (and
``$select``/``$filter``), so the CRM id and links cannot come with the delta
pages. A full sync must stay near the minimum number of requests (the delta
pages), so per-event ``GET …?$expand=`` for every event is out. Instead:

* Only events the engine cannot place need their properties: pass
  ``needs_links`` (e.g. "remote id not in my mapping"); events it already maps
  keep the links the CRM holds, which Outlook cannot edit.
* For those, the provider picks the cheaper of two ways: one ``GET
  /events/{id}?$expand=…`` per event, or one listing of *only Kontor-written
  events* — ``/events?$filter=singleValueExtendedProperties/any(ep: ep/id eq
  '…KontorOrigin' and ep/value eq '<origin>')&$expand=…`` — whose pages hold
  just the tagged events (usually one page), matched by id. It remembers how
  many pages that listing took per mailbox and uses per-event GETs while
  no more events need links than that (and falls back to them if a server
  refuses the filter).
* Occurrences and exceptions take the links (and the RRULE) of their series
  master, fetched once per series with its properties (``fetch_masters``).

So a first sync costs ``ceil(N / page size)`` delta pages + 1 listing page
(+ 1 GET and 1 ``/instances`` page per recurring series touched), and an incremental round with ``k`` changed,
already-mapped events costs its delta pages only.

Writing: create with ``transactionId`` (a retried POST returns the first
event, https://learn.microsoft.com/graph/api/resources/event); update with
``If-Match`` on the change key (stale → 412 → :class:`PreconditionFailed`);
delete (a 404 counts as done). Cancelled occurrences are deleted instances;
changed occurrences are PATCHed instances (they become exceptions).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime, timedelta

from dateutil import rrule as du_rrule

from kontor.platform.groupware.graph.auth import GraphCredentials, TokenSource
from kontor.platform.groupware.graph.http import GRAPH_BASE, GraphHttp, user_path
from kontor.platform.groupware.graph.limits import LimitPolicy, counting
from kontor.platform.groupware.graph.shared_limits import RedisLimits
from kontor.platform.groupware.metrics import provider_metrics

from kontor.calendar_sync.providers.base import (
    BusySlot,
    CrmLinks,
    CursorExpired,
    DeltaPage,
    DeltaResult,
    EventChanges,
    InvalidRequest,
    NeedsReauthorisation,
    NotFound,
    RemoteEvent,
    Resource,
    Schedule,
    TimeWindow,
    TransientError,
)
from kontor.calendar_sync.providers.graph import mapping
from kontor.calendar_sync.providers.graph import recurrence as rec
from kontor.calendar_sync.providers.graph.timezones import from_dtz, utc_iso, zone

log = logging.getLogger("kontor.calendar_sync.providers.graph")

# Our requests count as kontor_calendar_sync_provider_* (the dashboards' names); registered at import, as before.
METRICS_SERVICE = "calendar_sync"
provider_metrics(METRICS_SERVICE)

PLACES_KEY = "_places"  # limiter key for tenant-wide calls (not a mailbox)
RESPONSE_ACTIONS = {"accepted": "accept", "tentativelyAccepted": "tentativelyAccept", "declined": "decline"}


def _links_default(event: RemoteEvent) -> bool:
    return True


class GraphProvider:
    """Graph for one app registration (one groupware server of a tenant).

    ``origin`` is written into every event Kontor creates (``KontorOrigin``)
    and finds them again; use the Kontor tenant id.
    """

    name = "graph"

    def __init__(self, credentials: GraphCredentials, *, origin: str, base_url: str = GRAPH_BASE,
                 authority: str | None = None, ca_path: str | None = None, policy: LimitPolicy | None = None,
                 page_size: int = 1000, transport=None, token_source: TokenSource | None = None,
                 limits: RedisLimits | None = None) -> None:
        self.origin = origin
        self.page_size = page_size
        self.tokens = token_source or TokenSource(credentials, authority=authority, ca_path=ca_path)
        self.http = GraphHttp(self.tokens, service=METRICS_SERVICE, base_url=base_url, ca_path=ca_path, policy=policy, transport=transport,
                              limits=limits, app=f"{credentials.tenant_id}/{credentials.client_id}")
        self._tagged_pages: dict[str, int] = {}

    async def aclose(self) -> None:
        await self.http.aclose()

    async def __aenter__(self) -> GraphProvider:
        return self

    async def __aexit__(self, *exc) -> None:
        await self.aclose()

    counting = staticmethod(counting)

    def _headers(self, *, paged: bool = True) -> dict[str, str]:
        prefer = ['outlook.timezone="UTC"', 'outlook.body-content-type="text"']
        if paged:
            prefer.append(f"odata.maxpagesize={self.page_size}")
        return {"Prefer": ", ".join(prefer)}

    async def _json(self, mailbox: str, method: str, url: str, **kw) -> dict:
        response = await self.http.request(mailbox, method, url, **kw)
        return response.json() if response.content else {}

    async def _pages(self, mailbox: str, url: str, params: dict | None) -> AsyncIterator[list[dict]]:
        while url:
            body = await self._json(mailbox, "GET", url, params=params, headers=self._headers())
            yield body.get("value") or []
            url, params = body.get("@odata.nextLink"), None

    # ---- delta ---------------------------------------------------------------------------------

    async def delta_pages(self, mailbox: str, window: TimeWindow, cursor: str | None) -> AsyncIterator[DeltaPage]:
        """The pages of one delta round, as they come (no extended properties, no masters)."""
        if cursor:
            url, params = cursor, None
        else:
            url = f"{user_path(mailbox)}/calendarView/delta"
            params = {"startDateTime": utc_iso(window.start), "endDateTime": utc_iso(window.end)}
        while True:
            body = await self._json(mailbox, "GET", url, params=params, headers=self._headers())
            upserts, removals = [], []
            for item in body.get("value") or []:
                if "@removed" in item:
                    removals.append(item["id"])
                else:
                    upserts.append(mapping.from_graph(item, origin=self.origin))
            next_link, delta_link = body.get("@odata.nextLink"), body.get("@odata.deltaLink")
            yield DeltaPage(upserts=upserts, removals=removals, next_cursor=next_link, delta_cursor=delta_link)
            if not next_link:
                if not delta_link:
                    raise CursorExpired(f"delta round for {mailbox} ended without a deltaLink", code="noDeltaLink")
                return
            url, params = next_link, None

    async def delta(self, mailbox: str, window: TimeWindow, cursor: str | None, *,
                    needs_links: Callable[[RemoteEvent], bool] | bool = True, fetch_masters: bool = True,
                    restart_on_expiry: bool = False) -> DeltaResult:
        """A whole delta round, collapsed (the last entry per id wins), links and masters resolved.

        ``needs_links``: which upserts need their extended properties read
        (``True``: all but plain occurrences; ``False``: none). With
        ``restart_on_expiry`` an expired ``cursor`` starts a full round and the
        result says ``cursor_expired``; otherwise :class:`CursorExpired` is raised.
        """
        with counting() as stats:
            expired = False
            try:
                events, removed, last, pages = await self._collect(mailbox, window, cursor)
            except CursorExpired:
                if not (cursor and restart_on_expiry):
                    raise
                log.info("graph delta cursor expired, full round", extra={"mailbox": mailbox})
                expired = True
                events, removed, last, pages = await self._collect(mailbox, window, None)
            upserts = list(events.values())
            series: dict[str, RemoteEvent] = {}
            if fetch_masters:
                series = await self._masters(mailbox, {e.series_master_id for e in upserts if e.series_master_id})
            for e in upserts:  # occurrences and exceptions carry their series' links and identity
                master = series.get(e.series_master_id or "")
                if master is not None:
                    e.series_ical_uid = master.ical_uid
                    if e.links is None:
                        e.links = master.links
            # Delta lists no masters and gives no sure sign of a cancelled occurrence (only an "@removed"
            # occurrence id, if anything): one /instances listing per touched series tells its exceptions
            # and cancelled occurrences in the window.
            await asyncio.gather(*(self._read_instances(mailbox, m, window) for m in series.values()
                                   if m.recurrence is not None))
            if needs_links is not False:
                wanted = _links_default if needs_links is True else needs_links
                await self._resolve_links(mailbox, [e for e in upserts if e.event_type != "occurrence" and wanted(e)])
            result = DeltaResult(upserts=upserts, removals=sorted(removed), cursor=last, full=cursor is None or expired,
                                 cursor_expired=expired, pages=pages, series=series)
        result.requests = stats.requests
        log.info("graph delta round", extra={"mailbox": mailbox, "upserts": len(upserts), "removals": len(removed),
                                             "pages": pages, "requests": stats.requests, "full": result.full})
        return result

    async def _collect(self, mailbox, window, cursor):
        events: dict[str, RemoteEvent] = {}
        removed: set[str] = set()
        last, pages = "", 0
        async for page in self.delta_pages(mailbox, window, cursor):
            pages += 1
            for e in page.upserts:
                events[e.remote_id] = e
                removed.discard(e.remote_id)
            for rid in page.removals:
                events.pop(rid, None)
                removed.add(rid)
            last = page.delta_cursor or last
        return events, removed, last, pages

    async def _masters(self, mailbox: str, ids: set[str]) -> dict[str, RemoteEvent]:
        async def one(mid: str) -> RemoteEvent | None:
            try:
                return await self.get(mailbox, mid)
            except NotFound:
                return None

        got = await asyncio.gather(*(one(i) for i in sorted(ids)))
        return {m.remote_id: m for m in got if m is not None}

    async def _resolve_links(self, mailbox: str, events: list[RemoteEvent]) -> None:
        pending = [e for e in events if e.links is None]
        if not pending:
            return
        hint = self._tagged_pages.get(mailbox.lower(), 1)
        if len(pending) > hint:
            try:
                found = await self.tagged(mailbox)
            except (InvalidRequest, TransientError) as exc:  # a server that refuses the filter: fall back
                log.warning("graph tagged listing failed, reading properties one by one",
                            extra={"mailbox": mailbox, "status": exc.status, "code": exc.code})
            else:
                for e in pending:
                    e.links = found.get(e.remote_id, CrmLinks())
                return

        async def one(e: RemoteEvent) -> None:
            try:
                fresh = await self.get(mailbox, e.remote_id)
                e.links = fresh.links if fresh.links is not None else CrmLinks()
            except NotFound:
                e.links = CrmLinks()

        await asyncio.gather(*(one(e) for e in pending))

    async def tagged(self, mailbox: str) -> dict[str, CrmLinks]:
        """Links of every single event and series master Kontor (this origin) wrote to the mailbox, by id.

        ``GET /events?$filter=singleValueExtendedProperties/any(…)&$expand=…`` as documented in
        https://learn.microsoft.com/graph/api/singlevaluelegacyextendedproperty-get (filtering
        ``calendarView`` by extended properties answers 500 on Exchange Online:
        https://github.com/microsoftgraph/msgraph-sdk-dotnet/issues/2375). Not bounded by the window,
        so it grows with the events Kontor ever wrote there; ``_resolve_links`` weighs that.
        """
        params = {"$filter": mapping.origin_filter(self.origin), "$expand": mapping.EXPAND_PROPS}
        out: dict[str, CrmLinks] = {}
        pages = 0
        async for items in self._pages(mailbox, f"{user_path(mailbox)}/events", params):
            pages += 1
            for item in items:
                props = mapping.read_properties(item) or {}
                out[item["id"]] = mapping.links_from_properties(props)
        self._tagged_pages[mailbox.lower()] = max(1, pages)
        return out

    async def confirm_removals(self, mailbox: str, remote_ids: Sequence[str]) -> dict[str, RemoteEvent | None]:
        """Tell real deletions from the rest of delta's ``@removed``: ``None`` = gone (deleted, cancelled
        occurrence); an event = still there, moved out of the window or changed outside it. One GET each:
        ask only for ids you hold."""
        async def one(rid: str) -> tuple[str, RemoteEvent | None]:
            try:
                return rid, await self.get(mailbox, rid)
            except NotFound:
                return rid, None

        return dict(await asyncio.gather(*(one(r) for r in remote_ids)))

    # ---- single events ---------------------------------------------------------------------------

    async def get(self, mailbox: str, remote_id: str) -> RemoteEvent:
        body = await self._json(mailbox, "GET", f"{user_path(mailbox)}/events/{remote_id}",
                                params={"$expand": mapping.EXPAND_PROPS}, headers=self._headers(paged=False))
        event = mapping.from_graph(body, origin=self.origin)
        if event.links is None:
            event.links = CrmLinks()  # asked for them: none there
        return event

    async def create(self, mailbox: str, event: RemoteEvent, transaction_id: str) -> RemoteEvent:
        """Create (idempotent by ``transaction_id``); EXDATEs become cancelled occurrences."""
        payload = mapping.to_graph(event, origin=self.origin)
        payload["transactionId"] = transaction_id
        body = await self._json(mailbox, "POST", f"{user_path(mailbox)}/events", json=payload,
                                headers=self._headers(paged=False))
        created = mapping.from_graph(body, origin=self.origin)
        created.links = event.links if event.links is not None else CrmLinks()
        if event.recurrence and event.recurrence.exdates:
            for original in event.recurrence.exdates:
                await self.cancel_occurrence(mailbox, created.remote_id, original, event.end - event.start)
            created = await self.get(mailbox, created.remote_id)
            created.recurrence = dataclasses.replace(created.recurrence or event.recurrence,
                                                     exdates=tuple(sorted(event.recurrence.exdates)))
        log.info("graph event created", extra={"mailbox": mailbox, "remote_id": created.remote_id,
                                               "transaction_id": transaction_id})
        return created

    async def update(self, mailbox: str, remote_id: str, changes: EventChanges, if_match: str | None, *,
                     current: RemoteEvent | None = None) -> RemoteEvent:
        """PATCH the fields in ``changes``; ``if_match`` is the change key or ETag we last saw.

        Changing times or recurrence needs the event's zone and the other end:
        from ``changes``, else ``current``, else one GET.
        """
        values = changes.values
        timing = {"start", "end", "timezone", "is_all_day", "recurrence"} & set(values)
        if timing and current is None and not {"start", "end"} <= set(values):
            current = await self.get(mailbox, remote_id)
        payload = mapping.changes_to_graph(values, current, origin=self.origin)
        headers = self._headers(paged=False)
        if if_match:
            headers["If-Match"] = if_match if if_match.startswith(("W/", '"')) else f'W/"{if_match}"'
        body = await self._json(mailbox, "PATCH", f"{user_path(mailbox)}/events/{remote_id}", json=payload,
                                headers=headers)
        updated = mapping.from_graph(body, origin=self.origin)
        if "links" in values:
            updated.links = values["links"] or CrmLinks()
        log.info("graph event updated", extra={"mailbox": mailbox, "remote_id": remote_id,
                                               "fields": sorted(values)})
        return updated

    async def delete(self, mailbox: str, remote_id: str, if_match: str | None = None) -> bool:
        """Delete; ``False`` when it was already gone (a retried delete is no error)."""
        headers = {}
        if if_match:
            headers["If-Match"] = if_match if if_match.startswith(("W/", '"')) else f'W/"{if_match}"'
        try:
            await self.http.request(mailbox, "DELETE", f"{user_path(mailbox)}/events/{remote_id}", headers=headers)
        except NotFound:
            return False
        log.info("graph event deleted", extra={"mailbox": mailbox, "remote_id": remote_id})
        return True

    # ---- series ----------------------------------------------------------------------------------

    async def instances(self, mailbox: str, master_id: str, window: TimeWindow) -> list[RemoteEvent]:
        params = {"startDateTime": utc_iso(window.start), "endDateTime": utc_iso(window.end)}
        out: list[RemoteEvent] = []
        async for items in self._pages(mailbox, f"{user_path(mailbox)}/events/{master_id}/instances", params):
            out.extend(mapping.from_graph(i, origin=self.origin) for i in items)
        return out

    async def series(self, mailbox: str, master_id: str, window: TimeWindow) -> tuple[RemoteEvent, list[RemoteEvent]]:
        """The master with ``recurrence.exdates`` (cancelled occurrences inside ``window``) and its exceptions there."""
        master = await self.get(mailbox, master_id)
        await self._read_instances(mailbox, master, window)
        return master, list(master.exceptions)

    async def _read_instances(self, mailbox: str, master: RemoteEvent, window: TimeWindow) -> None:
        """Fill ``master.recurrence.exdates`` (cancelled occurrences inside ``window``), ``master.exceptions``
        and ``master.expanded`` from one ``/instances`` listing.

        Graph has no EXDATE: a cancelled occurrence is simply missing from the instances
        (https://learn.microsoft.com/graph/api/event-list-instances), so it is an expected start
        (the pattern, expanded in the series' zone) that no instance claims as its ``originalStart``.
        The listing reaches a week beyond the window so an exception moved out of it still claims its slot.
        """
        margin = timedelta(days=7)
        instances = await self.instances(mailbox, master.remote_id,
                                         TimeWindow(window.start - margin, window.end + margin))
        exceptions = sorted((i for i in instances if i.event_type == "exception"),
                            key=lambda e: e.original_start or e.start)
        for exc in exceptions:
            exc.series_ical_uid = master.ical_uid
            exc.series_master_id = exc.series_master_id or master.remote_id
            exc.is_private = exc.is_private or master.is_private  # a changed occurrence of a private series
            if exc.links is None:
                exc.links = master.links
        if master.recurrence is not None:
            seen = {i.original_start for i in instances if i.original_start}
            cancelled = tuple(sorted(s for s in expand(master, window) if s not in seen))
            master.recurrence = dataclasses.replace(master.recurrence, exdates=cancelled)
        master.exceptions = tuple(exceptions)
        master.expanded = window

    async def _occurrence_id(self, mailbox: str, master_id: str, original_start: datetime, duration: timedelta) -> str:
        original = original_start.astimezone(UTC)
        window = TimeWindow(original - timedelta(minutes=1), original + max(duration, timedelta(minutes=1)) + timedelta(minutes=1))
        for inst in await self.instances(mailbox, master_id, window):
            if inst.original_start == original:
                return inst.remote_id
        raise NotFound(f"no occurrence of {master_id} at {utc_iso(original)}")

    async def cancel_occurrence(self, mailbox: str, master_id: str, original_start: datetime,
                                duration: timedelta = timedelta(hours=1)) -> bool:
        """Delete one occurrence (Graph's way to say EXDATE); ``False`` when it was not there."""
        try:
            occ = await self._occurrence_id(mailbox, master_id, original_start, duration)
        except NotFound:
            return False
        return await self.delete(mailbox, occ)

    async def update_occurrence(self, mailbox: str, master_id: str, original_start: datetime, changes: EventChanges,
                                *, duration: timedelta = timedelta(hours=1)) -> RemoteEvent:
        """Change one occurrence (it becomes an exception)."""
        occ = await self._occurrence_id(mailbox, master_id, original_start, duration)
        return await self.update(mailbox, occ, changes, None)

    # ---- resources and free/busy ------------------------------------------------------------------

    async def list_resources(self) -> list[Resource]:
        """Rooms (with their room list) via ``/places`` (https://learn.microsoft.com/graph/api/place-list)."""
        rooms: dict[str, Resource] = {}
        async for items in self._pages(PLACES_KEY, "/places/microsoft.graph.room", None):
            for r in items:
                email = (r.get("emailAddress") or "").lower()
                rooms[email] = Resource(email=email, name=r.get("displayName") or email, kind="room",
                                        capacity=r.get("capacity"), building=r.get("building"), remote_id=r.get("id"))
        lists: list[str] = []
        async for items in self._pages(PLACES_KEY, "/places/microsoft.graph.roomList", None):
            lists.extend((i.get("emailAddress") or "").lower() for i in items if i.get("emailAddress"))
        for address in lists:
            async for items in self._pages(PLACES_KEY, f"/places/{address}/microsoft.graph.roomList/rooms", None):
                for r in items:
                    room = rooms.get((r.get("emailAddress") or "").lower())
                    if room:
                        room.room_list = address
        equipment = await self.list_equipment(skip=set(rooms))
        return sorted([*rooms.values(), *equipment], key=lambda r: r.email)

    async def list_equipment(self, *, skip: set[str] = frozenset()) -> list[Resource]:
        """Equipment mailboxes. ``/places`` knows rooms and workspaces only; equipment mailboxes are users whose
        ``mailboxSettings.userPurpose`` is ``equipment`` (https://learn.microsoft.com/graph/api/resources/mailboxsettings),
        readable one user at a time (not in a collection), with ``MailboxSettings.Read``. So: one ``GET /users``
        listing plus one ``GET /users/{id}/mailboxSettings`` per user that is not a room already. An app without
        that permission lists no equipment (logged), rooms still come."""
        users: list[dict] = []
        params = {"$select": "id,displayName,mail,userPrincipalName"}
        async for items in self._pages(PLACES_KEY, "/users", params):
            users.extend(u for u in items if (u.get("mail") or u.get("userPrincipalName") or "").lower() not in skip)

        async def purpose(user: dict) -> str:
            address = (user.get("mail") or user.get("userPrincipalName") or "").lower()
            body = await self._json(address, "GET", f"{user_path(user['id'])}/mailboxSettings",
                                    params={"$select": "userPurpose"}, headers=self._headers(paged=False))
            return body.get("userPurpose") or ""

        try:
            purposes = await asyncio.gather(*(purpose(u) for u in users))
        except (NeedsReauthorisation, InvalidRequest) as exc:
            log.warning("graph mailbox settings unreadable, no equipment listed",
                        extra={"status": exc.status, "code": exc.code})
            return []
        out = []
        for user, kind in zip(users, purposes, strict=True):
            if kind == "equipment":
                address = (user.get("mail") or user.get("userPrincipalName") or "").lower()
                out.append(Resource(email=address, name=user.get("displayName") or address, kind="equipment",
                                    remote_id=user.get("id")))
        return out

    # ---- meeting responses ------------------------------------------------------------------------

    async def respond(self, mailbox: str, remote_id: str, response: str, *, send_response: bool = True) -> None:
        """The mailbox owner answers a meeting they were invited to: ``accepted`` | ``tentativelyAccepted`` |
        ``declined`` through Graph's ``accept`` / ``tentativelyAccept`` / ``decline`` actions
        (https://learn.microsoft.com/graph/api/event-accept); an attendee's ``status`` cannot be PATCHed.
        ``send_response=False`` answers without a message to the organizer. Exchange takes a declined meeting
        out of the calendar."""
        action = RESPONSE_ACTIONS[response]
        await self.http.request(mailbox, "POST", f"{user_path(mailbox)}/events/{remote_id}/{action}",
                                json={"sendResponse": send_response}, headers=self._headers(paged=False))
        log.info("graph meeting answered", extra={"mailbox": mailbox, "remote_id": remote_id, "response": response})

    async def get_schedule(self, mailbox: str, emails: Sequence[str], window: TimeWindow,
                           interval_minutes: int = 30) -> list[Schedule]:
        """Free/busy via ``calendar/getSchedule`` (https://learn.microsoft.com/graph/api/calendar-getschedule).
        Only times and busy status are kept, never subjects or locations."""
        payload = {"schedules": list(emails),
                   "startTime": {"dateTime": window.start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"},
                   "endTime": {"dateTime": window.end.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"},
                   "availabilityViewInterval": interval_minutes}
        body = await self._json(mailbox, "POST", f"{user_path(mailbox)}/calendar/getSchedule", json=payload,
                                headers=self._headers(paged=False))
        out = []
        for entry in body.get("value") or []:
            busy = [BusySlot(start=from_dtz(i["start"]), end=from_dtz(i["end"]), show_as=i.get("status") or "busy")
                    for i in entry.get("scheduleItems") or []]
            error = (entry.get("error") or {}).get("responseCode")
            out.append(Schedule(email=entry.get("scheduleId", ""), busy=busy,
                                availability_view=entry.get("availabilityView") or "", error=error))
        return out


def expand(master: RemoteEvent, window: TimeWindow) -> list[datetime]:
    """UTC starts of a master's occurrences overlapping ``window`` (its RRULE, in its zone's wall clock)."""
    if master.recurrence is None:
        return []
    tz = zone(master.timezone)
    duration = master.end - master.start
    wall = master.start.astimezone(tz).replace(tzinfo=None)
    rule = du_rrule.rrulestr(wall_clock_rule(master.recurrence.rrule, master.timezone), dtstart=wall)
    lo = (window.start - duration - timedelta(days=1)).astimezone(tz).replace(tzinfo=None)
    hi = (window.end + timedelta(days=1)).astimezone(tz).replace(tzinfo=None)
    out = []
    for naive in rule.between(lo, hi, inc=True):
        start = naive.replace(tzinfo=tz).astimezone(UTC)
        if start < window.end and start + duration > window.start:
            out.append(start)
    return out


def wall_clock_rule(rrule: str, tz: str) -> str:
    """The RRULE with a UTC ``UNTIL`` turned into the zone's wall clock, for expansion with a naive DTSTART."""
    parts = rec.parse_rrule(rrule)
    until = parts.get("UNTIL")
    if until and until.endswith("Z"):
        instant = datetime.strptime(until, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        parts["UNTIL"] = instant.astimezone(zone(tz)).strftime("%Y%m%dT%H%M%S")
    return ";".join(f"{k}={v}" for k, v in parts.items())


__all__ = ["GraphProvider", "expand", "wall_clock_rule"]
