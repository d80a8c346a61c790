"""Graph v1.0 calendar routes under ``/v1.0/users/{id | userPrincipalName}/``.

* ``GET/POST events``, ``calendar/events`` — list (single instances and series
  masters) / create (https://learn.microsoft.com/graph/api/user-list-events,
  https://learn.microsoft.com/graph/api/user-post-events; 201 with the event;
  a repeated ``transactionId`` returns the event made the first time,
  https://learn.microsoft.com/graph/api/resources/event).
* ``GET/PATCH/DELETE events/{id}`` (https://learn.microsoft.com/graph/api/event-get,
  https://learn.microsoft.com/graph/api/event-update,
  https://learn.microsoft.com/graph/api/event-delete); ``If-Match`` with a
  stale ``@odata.etag`` → 412 (https://learn.microsoft.com/graph/errors).
* ``GET events/{id}/instances?startDateTime&endDateTime`` — occurrences and
  exceptions of a series master (https://learn.microsoft.com/graph/api/event-list-instances).
* ``GET calendarView?startDateTime&endDateTime`` (https://learn.microsoft.com/graph/api/user-list-calendarview).
* ``GET calendarView/delta`` with ``$skiptoken`` / ``$deltatoken`` rounds,
  ``Prefer: odata.maxpagesize``; ``$select``, ``$expand``, ``$filter``,
  ``$orderby`` and ``$search`` are not supported on it
  (https://learn.microsoft.com/graph/api/event-delta,
  https://learn.microsoft.com/graph/delta-query-events).
* Paging: ``@odata.nextLink`` carries the rest of the collection
  (https://learn.microsoft.com/graph/paging); lists honour ``$top`` and
  ``Prefer: odata.maxpagesize`` (default page 10, as Outlook collections).
* ``$expand=singleValueExtendedProperties($filter=id eq '…')`` and
  ``$filter=singleValueExtendedProperties/any(ep: ep/id eq '…' and ep/value eq '…')``
  (https://learn.microsoft.com/graph/api/singlevaluelegacyextendedproperty-get).
* ``Prefer: outlook.timezone="…"`` renders start/end in that zone, UTC
  otherwise; all-day events keep their own zone, as reported in
  https://learn.microsoft.com/en-us/answers/questions/1382503/all-day-events-are-not-obeying-prefer-outlook-time .
* App-only tokens: ``/me`` is refused; reads need ``Calendars.Read`` (or
  ReadBasic / ReadWrite), writes ``Calendars.ReadWrite``, else 403
  ``ErrorAccessDenied``.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import uuid
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from kontor.emulators.graph.errors import GraphError, graph_error_response
from kontor.emulators.graph.identity import Identity
from kontor.emulators.graph.paging import page_size
from kontor.emulators.graph.places import Places
from kontor.emulators.graph.store import (
    DeltaRound, Instance, Mailbox, Store, check_if_match, instance_ical_uid, normalise_ext_id, render_event,
)
from kontor.emulators.graph.throttle import Throttle
from kontor.emulators.graph.timezones import parse_prefer, parse_query_instant, zone

READ_ROLES = {"Calendars.Read", "Calendars.ReadBasic", "Calendars.ReadWrite"}
WRITE_ROLES = {"Calendars.ReadWrite"}
MAILBOX_SETTINGS_ROLES = {"MailboxSettings.Read", "MailboxSettings.ReadWrite"}
DIRECTORY_ROLES = {"User.Read.All", "User.ReadBasic.All", "Directory.Read.All"}
# mailboxSettings.userPurpose (https://learn.microsoft.com/graph/api/resources/mailboxsettings): how Graph tells an
# equipment mailbox from a user's; /places knows rooms and workspaces only.
USER_PURPOSE = {"user": "user", "room": "room", "equipment": "equipment", "shared": "shared"}

_EVENTS = r"(?:calendar/)?events"
_ROUTES = [
    ("user", re.compile(r"^$")),
    ("calendar", re.compile(r"^calendar$", re.I)),
    ("events", re.compile(rf"^{_EVENTS}$", re.I)),
    ("instances", re.compile(rf"^{_EVENTS}/(?P<id>[^/]+)/instances$", re.I)),
    ("respond", re.compile(rf"^{_EVENTS}/(?P<id>[^/]+)/(?P<action>accept|decline|tentativelyAccept)$", re.I)),
    ("mailboxsettings", re.compile(r"^mailboxSettings$", re.I)),
    ("event", re.compile(rf"^{_EVENTS}/(?P<id>[^/]+)$", re.I)),
    ("delta", re.compile(r"^(?:calendar/)?calendarview/(?:delta|microsoft\.graph\.delta(?:\(\))?)$", re.I)),
    ("view", re.compile(r"^(?:calendar/)?calendarview$", re.I)),
    ("schedule", re.compile(r"^calendar/getschedule$", re.I)),
]


class Graph:
    def __init__(self, store: Store, identity: Identity, throttle: Throttle, base_url_fn) -> None:
        self.store = store
        self.identity = identity
        self.throttle = throttle
        self._base = base_url_fn
        self.places = Places(store, self._page, self._base)
        self.mail = None  # a mail.MailApi, set by server.build_app

    # ---- entry ---------------------------------------------------------------------------------

    async def me(self, request: Request) -> Response:
        return graph_error_response(400, "BadRequest", "/me request is only valid with delegated authentication flow.",
                                    client_request_id=request.headers.get("client-request-id"))

    async def user_route(self, request: Request) -> Response:
        return await self._guarded(request, mailbox_ref=request.path_params["user"])

    async def users_route(self, request: Request) -> Response:
        """``GET /users``: the tenant's directory (https://learn.microsoft.com/graph/api/user-list); resource
        mailboxes are users too. ``User.Read.All`` (or Directory.Read.All)."""
        request_id = str(uuid.uuid4())
        try:
            app, _claims = self.identity.verify(request.headers.get("authorization"))
            if not DIRECTORY_ROLES & set(app.roles):
                raise GraphError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
            with self.store.lock:
                users = sorted((m for m in self.store.mailboxes.values() if m.tenant_id == app.tenant_id),
                               key=lambda m: m.upn)
            items = [{"id": m.id, "displayName": m.display_name, "userPrincipalName": m.upn, "mail": m.upn}
                     for m in users]
            response = self._page(request, items, context="users")
        except GraphError as exc:
            return graph_error_response(exc.status, exc.code, exc.message, request_id=request_id,
                                        client_request_id=request.headers.get("client-request-id"))
        response.headers["request-id"] = request_id
        return response

    async def places_route(self, request: Request) -> Response:
        return await self._guarded(request, mailbox_ref=None)

    async def _guarded(self, request: Request, mailbox_ref: str | None) -> Response:
        request_id = str(uuid.uuid4())
        client_request_id = request.headers.get("client-request-id")
        try:
            app, _claims = self.identity.verify(request.headers.get("authorization"))
            if mailbox_ref is None:
                response = await self.places.handle(request, app)
            else:
                mb = self.store.mailbox(mailbox_ref, tenant_id=app.tenant_id)
                self.throttle.enter(app.client_id, mb)
                try:
                    if mb.throttle.delay_ms:
                        await asyncio.sleep(mb.throttle.delay_ms / 1000)
                    response = await self._dispatch(request, app, mb)
                finally:
                    self.throttle.leave(app.client_id, mb)
        except GraphError as exc:
            return graph_error_response(exc.status, exc.code, exc.message, request_id=request_id,
                                        client_request_id=client_request_id, headers=exc.headers)
        response.headers["request-id"] = request_id
        response.headers["client-request-id"] = client_request_id or request_id
        return response

    async def _dispatch(self, request: Request, app, mb: Mailbox) -> Response:
        rest = request.path_params.get("rest", "").strip("/")
        for name, pattern in _ROUTES:
            m = pattern.match(rest)
            if m:
                method = request.method
                write = method in ("POST", "PATCH", "DELETE") and name != "schedule"
                needed = WRITE_ROLES if write else READ_ROLES
                if name == "mailboxsettings":
                    needed = MAILBOX_SETTINGS_ROLES
                if not needed & set(app.roles):
                    raise GraphError(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
                handler = getattr(self, f"_{name}_{method.lower()}", None)
                if handler is None:
                    raise GraphError(405, "BadRequest", f"The HTTP method '{method}' is not supported for this resource.")
                return await handler(request, mb, **m.groupdict())
        if self.mail is not None and self.mail.handles(rest):  # the mail part (mail.py), behind the same guard
            return await self.mail.dispatch(request, app, mb, rest)
        raise GraphError(400, "BadRequest", f"Resource not found for the segment '{rest.split('/')[-1]}'.")

    # ---- helpers -------------------------------------------------------------------------------

    def _prefs(self, request: Request) -> dict[str, str]:
        return parse_prefer(request.headers.getlist("prefer"))

    def _tz(self, request: Request) -> str | None:
        name = self._prefs(request).get("outlook.timezone")
        if name:
            zone(name)  # 400 for an unknown zone
        return name or None

    def _page_size(self, request: Request) -> int:
        return page_size(request)

    def _preference_applied(self, request: Request, response: Response, *, delta: bool = False) -> None:
        prefs = self._prefs(request)
        applied = []
        if delta:
            applied.append("odata.track-changes")
        if "odata.maxpagesize" in prefs and "$top" not in request.query_params:
            applied.append(f"odata.maxpagesize={prefs['odata.maxpagesize']}")
        if "outlook.timezone" in prefs:
            applied.append(f'outlook.timezone="{prefs["outlook.timezone"]}"')
        if applied:
            response.headers["Preference-Applied"] = ", ".join(applied)

    def _expand(self, request: Request) -> list[str] | None:
        expand = request.query_params.get("$expand")
        if not expand:
            return None
        if not expand.lower().startswith("singlevalueextendedproperties"):
            raise GraphError(400, "BadRequest", f"Could not find a property named '{expand.split('(')[0]}' on type 'microsoft.graph.event'.")
        return re.findall(r"id\s+eq\s+'([^']*)'", expand)

    def _render(self, mb: Mailbox, inst: Instance, request: Request, *, for_delta: bool = False) -> dict:
        tz = self._tz(request)
        if inst.source.props.get("isAllDay"):
            tz = inst.source.start_tz
        data = render_event(mb, inst, tz_name=tz, expand_ext=None if for_delta else self._expand(request))
        select = request.query_params.get("$select")
        if select and not for_delta:
            keep = {s.strip() for s in select.split(",")} | {"id", "@odata.etag"}
            data = {k: v for k, v in data.items() if k in keep}
        if for_delta:
            data = {"@odata.type": "#microsoft.graph.event", **data}
        return data

    def _filter(self, request: Request, instances: list[Instance]) -> list[Instance]:
        flt = request.query_params.get("$filter")
        if not flt:
            return instances
        m = re.fullmatch(
            r"\s*singleValueExtendedProperties/any\(\s*(\w+)\s*:\s*\1/id\s+eq\s+'([^']*)'\s+and\s+\1/value\s+eq\s+'([^']*)'\s*\)\s*",
            flt, re.I)
        if m:
            prop, value = normalise_ext_id(m.group(2)), m.group(3)
            return [i for i in instances if (i.source.ext.get(prop) or "").lower() == value.lower()]
        m = re.fullmatch(r"\s*iCalUId\s+eq\s+'([^']*)'\s*", flt, re.I)
        if m:
            return [i for i in instances if instance_ical_uid(i) == m.group(1)]
        raise GraphError(400, "ErrorInvalidUrlQueryFilter", "The query filter contains one or more invalid nodes.")

    def _page(self, request: Request, items: list, *, context: str, render=None) -> Response:
        """One page of a collection; ``render`` turns only the served items into JSON."""
        size = self._page_size(request)
        skip_raw = request.query_params.get("$skip", "0")
        skip = int(skip_raw) if skip_raw.isdigit() else 0
        body: dict = {"@odata.context": f"{self._base()}/v1.0/$metadata#{context}"}
        page = [render(i) for i in items[skip:skip + size]] if render else items[skip:skip + size]
        if skip + size < len(items):
            params = dict(request.query_params)
            params["$skip"] = str(skip + size)
            query = urlencode(params, safe="$(),:/'", quote_via=quote)
            body["@odata.nextLink"] = f"{self._base()}{request.url.path}?{query}"
        body["value"] = page
        response = JSONResponse(body)
        self._preference_applied(request, response)
        return response

    def _one(self, request: Request, data: dict, status: int = 200) -> Response:
        response = JSONResponse({"@odata.context": f"{self._base()}/v1.0/$metadata#users('{request.path_params['user']}')/events/$entity", **data},
                                status_code=status)
        response.headers["ETag"] = data.get("@odata.etag", "")
        self._preference_applied(request, response)
        return response

    async def _json(self, request: Request) -> dict:
        try:
            body = json.loads(await request.body() or b"{}")
        except json.JSONDecodeError:
            raise GraphError(400, "BadRequest", "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.") from None
        if not isinstance(body, dict):
            raise GraphError(400, "BadRequest", "Unable to read JSON request payload.")
        return body

    def _window(self, request: Request):
        ws = parse_query_instant(request.query_params.get("startDateTime") or request.query_params.get("startdatetime"), "startDateTime")
        we = parse_query_instant(request.query_params.get("endDateTime") or request.query_params.get("enddatetime"), "endDateTime")
        if we <= ws:
            raise GraphError(400, "ErrorInvalidParameter", "The end of the time window must be after its start.")
        return ws, we

    # ---- user / calendar -----------------------------------------------------------------------

    async def _user_get(self, request: Request, mb: Mailbox) -> Response:
        return JSONResponse({"@odata.context": f"{self._base()}/v1.0/$metadata#users/$entity", "id": mb.id,
                             "userPrincipalName": mb.upn, "displayName": mb.display_name, "mail": mb.upn})

    async def _mailboxsettings_get(self, request: Request, mb: Mailbox) -> Response:
        return JSONResponse({"@odata.context": f"{self._base()}/v1.0/$metadata#users('{mb.id}')/mailboxSettings",
                             "timeZone": "UTC", "dateFormat": "dd.MM.yyyy", "timeFormat": "HH:mm",
                             "userPurpose": USER_PURPOSE.get(mb.kind, "others"),
                             "delegateMeetingMessageDeliveryOptions": "sendToDelegateOnly"})

    async def _respond_post(self, request: Request, mb: Mailbox, id: str, action: str) -> Response:
        """accept / decline / tentativelyAccept: 202 Accepted, no body (https://learn.microsoft.com/graph/api/event-accept)."""
        body = await self._json(request)
        send = body.get("sendResponse", True)
        if not isinstance(send, bool):
            raise GraphError(400, "RequestBodyRead", "Cannot convert the literal to the expected type 'Edm.Boolean'.")
        self.store.respond(mb, id, action, send_response=send)
        return Response(status_code=202)

    async def _calendar_get(self, request: Request, mb: Mailbox) -> Response:
        return JSONResponse({"@odata.context": f"{self._base()}/v1.0/$metadata#users('{mb.id}')/calendar/$entity",
                             "id": "AAMkC" + mb.id.replace("-", ""), "name": "Calendar", "color": "auto",
                             "isDefaultCalendar": True, "canEdit": True, "canShare": True, "canViewPrivateItems": True,
                             "owner": mb.email(), "allowedOnlineMeetingProviders": ["teamsForBusiness"],
                             "defaultOnlineMeetingProvider": "teamsForBusiness", "changeKey": "", "hexColor": ""})

    # ---- events --------------------------------------------------------------------------------

    async def _events_get(self, request: Request, mb: Mailbox) -> Response:
        evs = self.store.list_events(mb)
        insts = [Instance(e.id, e.change_key, e.start, e.end, e) for e in evs]
        insts = self._filter(request, insts)
        return self._page(request, insts, context=f"users('{mb.upn}')/events", render=lambda i: self._render(mb, i, request))

    async def _events_post(self, request: Request, mb: Mailbox) -> Response:
        body = await self._json(request)
        ev, _created = self.store.create_event(mb, body)
        inst = Instance(ev.id, ev.change_key, ev.start, ev.end, ev)
        return self._one(request, self._render(mb, inst, request), 201)

    async def _event_get(self, request: Request, mb: Mailbox, id: str) -> Response:
        inst = self.store.get_instance(mb, id)
        return self._one(request, self._render(mb, inst, request))

    async def _event_patch(self, request: Request, mb: Mailbox, id: str) -> Response:
        body = await self._json(request)
        ev = self.store.update_event(mb, id, body, request.headers.get("if-match"))
        inst = self.store.get_instance(mb, ev.id)
        return self._one(request, self._render(mb, inst, request))

    async def _event_delete(self, request: Request, mb: Mailbox, id: str) -> Response:
        ev, master, _ = self.store.resolve(mb, id)
        current = ev.change_key if ev else master.change_key  # type: ignore[union-attr]
        check_if_match(request.headers.get("if-match"), current)
        self.store.delete_event(mb, id)
        return Response(status_code=204)

    async def _instances_get(self, request: Request, mb: Mailbox, id: str) -> Response:
        ev, master, _ = self.store.resolve(mb, id)
        ws, we = self._window(request)
        if ev is None or ev.kind != "seriesMaster":
            return self._page(request, [], context="Collection(event)")
        insts = self.store.instances(mb, ws, we, master=ev)
        return self._page(request, insts, context=f"users('{mb.upn}')/events('{id}')/instances",
                          render=lambda i: self._render(mb, i, request))

    async def _view_get(self, request: Request, mb: Mailbox) -> Response:
        ws, we = self._window(request)
        insts = self._filter(request, self.store.instances(mb, ws, we))
        return self._page(request, insts, context=f"users('{mb.upn}')/calendarView", render=lambda i: self._render(mb, i, request))

    # ---- delta ---------------------------------------------------------------------------------

    async def _delta_get(self, request: Request, mb: Mailbox) -> Response:
        q = request.query_params
        for unsupported in ("$select", "$expand", "$filter", "$orderby", "$search"):
            if unsupported in q:
                raise GraphError(400, "ErrorInvalidUrlQuery",
                                 f"The following parameters are not supported with change tracking over the 'CalendarView' resource: '{unsupported}'.")
        size = self._page_size(request)
        render = lambda inst: self._render(mb, inst, request, for_delta=True)  # noqa: E731
        skiptoken, deltatoken = q.get("$skiptoken"), q.get("$deltatoken")
        with self.store.lock:
            if skiptoken:
                round_id, _, index = skiptoken.rpartition(".")
                rnd = mb.delta_rounds.get(round_id)
                state = mb.delta_states.get(rnd.delta_token) if rnd else None
                if rnd is None or not index.isdigit() or int(index) >= len(rnd.pages) or (state and state.expired):
                    raise GraphError(410, (state.expired if state and state.expired else "SyncStateNotFound"),
                                     f"The sync state generation is not found; generation={mb.seq};[highest={mb.seq}].")
                page_index = int(index)
            else:
                if deltatoken:
                    rnd = self.store.delta_continue(mb, deltatoken, size, render)
                else:
                    ws, we = self._window(request)
                    rnd = self.store.delta_start(mb, ws, we, size, render)
                round_id = secrets.token_urlsafe(18)
                mb.delta_rounds[round_id] = rnd
                page_index = 0
        return self._delta_page(request, rnd, round_id, page_index)

    def _delta_page(self, request: Request, rnd: DeltaRound, round_id: str, index: int) -> Response:
        path = request.url.path
        body: dict = {"@odata.context": f"{self._base()}/v1.0/$metadata#Collection(event)"}
        if index + 1 < len(rnd.pages):
            body["@odata.nextLink"] = f"{self._base()}{path}?$skiptoken={round_id}.{index + 1}"
        else:
            body["@odata.deltaLink"] = f"{self._base()}{path}?$deltatoken={rnd.delta_token}"
        body["value"] = rnd.pages[index]
        response = JSONResponse(body)
        self._preference_applied(request, response, delta=True)
        return response

    # ---- getSchedule ----------------------------------------------------------------------------

    async def _schedule_post(self, request: Request, mb: Mailbox) -> Response:
        return await self.places.get_schedule(request, mb, await self._json(request), self._tz(request))
