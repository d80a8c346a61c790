"""Places (rooms, room lists) and getSchedule.

* ``GET /v1.0/places/microsoft.graph.room`` and ``…/microsoft.graph.roomList``,
  ``GET /v1.0/places/{roomList email}/microsoft.graph.roomList/rooms``
  (https://learn.microsoft.com/graph/api/place-list,
  https://learn.microsoft.com/graph/api/resources/room,
  https://learn.microsoft.com/graph/api/resources/roomlist); needs
  ``Place.Read.All``. Rooms and equipment are resource mailboxes, so their
  calendars answer like any user's (``/users/{room email}/calendarView``).
* ``POST /v1.0/users/{id}/calendar/getSchedule`` with ``schedules``,
  ``startTime``, ``endTime``, ``availabilityViewInterval`` (default 30)
  (https://learn.microsoft.com/graph/api/calendar-getschedule,
  https://learn.microsoft.com/graph/api/resources/scheduleinformation):
  ``availabilityView`` digits 0 free, 1 tentative, 2 busy, 3 oof,
  4 workingElsewhere; private items carry ``isPrivate`` and no subject or
  location; an unknown address answers an ``error`` inside its entry.
"""

from __future__ import annotations

from datetime import timedelta

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from kontor.emulators.graph.errors import GraphError
from kontor.emulators.graph.store import Mailbox, Store
from kontor.emulators.graph.timezones import format_dtz, parse_dtz

_STATUS_DIGIT = {"free": "0", "tentative": "1", "busy": "2", "oof": "3", "workingElsewhere": "4", "unknown": "0"}
_RANK = {"0": 0, "4": 1, "1": 2, "2": 3, "3": 4}


class Places:
    def __init__(self, store: Store, page, base_url_fn) -> None:
        self.store = store
        self._page = page
        self._base = base_url_fn

    async def handle(self, request: Request, app) -> Response:
        if not {"Place.Read.All", "Place.ReadWrite.All"} & set(app.roles):
            raise GraphError(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
        rest = request.path_params.get("rest", "").strip("/")
        low = rest.lower()
        rooms = [m for m in self.store.mailboxes.values() if m.tenant_id == app.tenant_id and m.kind == "room"]
        if low == "microsoft.graph.room":
            return self._page(request, [self._room(m) for m in rooms], context="places/microsoft.graph.room")
        if low == "microsoft.graph.roomlist":
            lists = sorted({m.place.get("roomList") for m in rooms if m.place.get("roomList")})
            return self._page(request, [self._room_list(a) for a in lists], context="places/microsoft.graph.roomList")
        if low.endswith("/microsoft.graph.roomlist/rooms"):
            address = rest.split("/")[0].lower()
            members = [m for m in rooms if (m.place.get("roomList") or "").lower() == address]
            if not members:
                raise GraphError(404, "ErrorItemNotFound", "The specified object was not found in the store.")
            return self._page(request, [self._room(m) for m in members], context="places/microsoft.graph.room")
        raise GraphError(400, "BadRequest", f"Resource not found for the segment '{rest.split('/')[-1]}'.")

    def _room(self, mb: Mailbox) -> dict:
        p = mb.place
        return {
            "id": mb.id, "emailAddress": mb.upn, "displayName": mb.display_name,
            "capacity": p.get("capacity"), "building": p.get("building"), "floorNumber": p.get("floorNumber"),
            "floorLabel": p.get("floorLabel"), "label": p.get("label"), "nickname": p.get("nickname", mb.display_name),
            "bookingType": p.get("bookingType", "standard"), "isWheelChairAccessible": p.get("isWheelChairAccessible", False),
            "audioDeviceName": p.get("audioDeviceName"), "videoDeviceName": p.get("videoDeviceName"),
            "displayDeviceName": p.get("displayDeviceName"), "tags": p.get("tags", []), "phone": p.get("phone"),
            "address": p.get("address"), "geoCoordinates": p.get("geoCoordinates"),
        }

    def _room_list(self, address: str) -> dict:
        return {"id": address, "displayName": address.split("@")[0], "emailAddress": address,
                "address": None, "geoCoordinates": None, "phone": None}

    async def get_schedule(self, request: Request, mb: Mailbox, body: dict, tz_name: str | None) -> Response:
        schedules = body.get("schedules")
        if not isinstance(schedules, list) or not schedules:
            raise GraphError(400, "ErrorInvalidParameter", "The parameter 'schedules' is required.")
        start, _ = parse_dtz(body.get("startTime"), "startTime")
        end, _ = parse_dtz(body.get("endTime"), "endTime")
        if end <= start:
            raise GraphError(400, "ErrorInvalidParameter", "The end of the time window must be after its start.")
        interval = int(body.get("availabilityViewInterval") or 30)
        if not 5 <= interval <= 1440:
            raise GraphError(400, "ErrorInvalidParameter", "availabilityViewInterval must be between 5 and 1440.")
        out_tz = tz_name or "UTC"
        value = []
        for address in schedules:
            try:
                target = self.store.mailbox(address, tenant_id=mb.tenant_id)
            except GraphError:
                value.append({"scheduleId": address, "availabilityView": "", "scheduleItems": [],
                              "error": {"message": "The user or resource could not be found.", "responseCode": "ErrorMailRecipientNotFound"}})
                continue
            items, slots = [], []
            insts = [i for i in self.store.instances(target, start, end) if not i.source.is_cancelled]
            for inst in insts:
                props = inst.source.props
                private = props.get("sensitivity") == "private"
                item = {"isPrivate": private, "status": props.get("showAs", "busy"),
                        "start": format_dtz(inst.start, out_tz), "end": format_dtz(inst.end, out_tz)}
                if not private:
                    item["subject"] = props.get("subject", "")
                    item["location"] = (props.get("location") or {}).get("displayName", "")
                items.append(item)
            t = start
            while t < end:
                slot_end = t + timedelta(minutes=interval)
                digit = "0"
                for inst in insts:
                    if inst.start < slot_end and inst.end > t:
                        d = _STATUS_DIGIT.get(inst.source.props.get("showAs", "busy"), "2")
                        digit = d if _RANK[d] > _RANK[digit] else digit
                slots.append(digit)
                t = slot_end
            value.append({
                "scheduleId": address, "availabilityView": "".join(slots), "scheduleItems": items,
                "workingHours": {"daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"],
                                 "startTime": "08:00:00.0000000", "endTime": "17:00:00.0000000",
                                 "timeZone": {"name": "UTC"}},
            })
        return JSONResponse({"@odata.context": f"{self._base()}/v1.0/$metadata#Collection(microsoft.graph.scheduleInformation)",
                             "value": value})
