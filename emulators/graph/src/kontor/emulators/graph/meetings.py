"""Meetings across the mailboxes the emulator hosts: what Exchange does after the organizer saves.

* **Delivery.** An organizer's event with attendees lands in every attendee mailbox of the same tenant
  the emulator hosts: same ``iCalUId``, its own ``id`` and change key, ``isOrganizer: false``, the
  organizer's ``organizer``, the attendee's own ``responseStatus`` (``notResponded`` until they answer)
  and none of the organizer's extended properties (they are the organizer's item's, not the meeting's).
  An update the organizer sends (times, subject, body, location, attendees, recurrence) is applied to
  every copy; an attendee taken off the list, or the organizer deleting the meeting, leaves the copy
  with ``isCancelled: true`` (Outlook's "Canceled:" item, the attendee removes it).
* **Resource mailboxes** (rooms, equipment) answer at once like Exchange's resource booking attendant:
  accepted, or declined when an accepted meeting already holds that time (``AllowConflicts`` off). A
  declined resource keeps no copy.
* **Responses** (https://learn.microsoft.com/graph/api/event-accept, ``event-decline``,
  ``event-tentativelyaccept``): ``POST …/events/{id}/accept|decline|tentativelyAccept``
  ``{comment?, sendResponse?}``. The attendee's copy gets the new ``responseStatus``; with
  ``sendResponse`` (default true) the organizer's copy, when hosted here, gets the attendee's
  ``status`` and a new change key; without it the organizer is not told. The organizer cannot respond
  to their own meeting (400). Declining moves the copy out of the calendar (Exchange puts declined
  meetings in Deleted Items), so delta reports it ``@removed``.

Only single events and series masters are delivered; a changed occurrence of a series is not copied on
its own yet. Everything runs under the store's lock (the callers hold it).
"""

from __future__ import annotations

import copy
from datetime import datetime

from kontor.emulators.graph.errors import GraphError
from kontor.emulators.graph.timezones import format_utc

# What a copy takes from the organizer's item (the meeting's content, not the organizer's own settings).
MEETING_PROPS = ("subject", "body", "location", "locations", "attendees", "categories", "showAs", "sensitivity",
                 "importance", "isAllDay", "recurrence", "isOnlineMeeting", "onlineMeetingProvider",
                 "allowNewTimeProposals", "hideAttendees", "responseRequested")
RESPONSE_OF_ACTION = {"accept": "accepted", "decline": "declined", "tentativelyaccept": "tentativelyAccepted"}
RESOURCE_KINDS = ("room", "equipment")


def _addresses(ev) -> dict[str, dict]:
    return {a["emailAddress"]["address"].lower(): a for a in ev.props.get("attendees") or []
            if (a.get("emailAddress") or {}).get("address")}


def attendee_addresses(ev) -> set[str]:
    return set(_addresses(ev))


def _status(response: str) -> dict:
    from kontor.emulators.graph.store import _now  # noqa: PLC0415 - one clock for the store and its helpers

    return {"response": response, "time": format_utc(_now())}


def _hosted(store, tenant_id: str, address: str):
    try:
        return store.mailbox(address, tenant_id=tenant_id)
    except GraphError:
        return None


def copy_of(mb, ical_uid: str):
    """The attendee's copy of a meeting in ``mb`` (not the organizer's item), if any."""
    return next((e for e in mb.events.values() if e.ical_uid == ical_uid and not e.is_organizer
                 and e.kind in ("singleInstance", "seriesMaster")), None)


def organizer_item(store, tenant_id: str, ev):
    """The organizer's item of the meeting ``ev`` (an attendee's copy), when its mailbox is hosted here."""
    address = ((ev.organizer or {}).get("emailAddress") or {}).get("address") or ""
    mb = _hosted(store, tenant_id, address)
    if mb is None:
        return None, None
    item = next((e for e in mb.events.values() if e.ical_uid == ev.ical_uid and e.is_organizer
                 and e.kind in ("singleInstance", "seriesMaster")), None)
    return mb, item


def _fill(copy_ev, organizer_ev) -> None:
    for key in MEETING_PROPS:
        if key in organizer_ev.props:
            copy_ev.props[key] = copy.deepcopy(organizer_ev.props[key])
    copy_ev.start, copy_ev.end = organizer_ev.start, organizer_ev.end
    copy_ev.start_tz, copy_ev.end_tz = organizer_ev.start_tz, organizer_ev.end_tz
    copy_ev.kind = organizer_ev.kind
    copy_ev.is_cancelled = False


def _busy_at(store, mb, start: datetime, end: datetime, ical_uid: str) -> bool:
    return any(i.source.ical_uid != ical_uid and not i.source.is_cancelled
               and (i.source.response_status or {}).get("response") in ("accepted", "organizer")
               for i in store.instances(mb, start, end))


def deliver(store, mb, ev, *, before: set[str]) -> None:
    """The organizer ``mb`` saved ``ev``: create or update every hosted attendee's copy, cancel removed ones."""
    if not ev.is_organizer or ev.kind not in ("singleInstance", "seriesMaster"):
        return
    from kontor.emulators.graph.store import StoredEvent, new_event_id  # noqa: PLC0415 - avoid a cycle

    now_listed = _addresses(ev)
    for address, attendee in now_listed.items():
        target = _hosted(store, mb.tenant_id, address)
        if target is None or target.id == mb.id:
            continue
        existing = copy_of(target, ev.ical_uid)
        if existing is None:
            if target.kind in RESOURCE_KINDS and _busy_at(store, target, ev.start, ev.end, ev.ical_uid):
                attendee["status"] = _status("declined")  # the booking attendant refuses a conflict
                continue
            existing = StoredEvent(id=new_event_id(), props={}, start=ev.start, end=ev.end, start_tz=ev.start_tz,
                                   end_tz=ev.end_tz, change_key="", created=ev.modified, modified=ev.modified,
                                   ical_uid=ev.ical_uid, seq=0, is_organizer=False,
                                   organizer=copy.deepcopy(ev.organizer))
            existing.props.update(copy.deepcopy({k: v for k, v in ev.props.items() if k not in MEETING_PROPS}))
            if target.kind in RESOURCE_KINDS:
                existing.response_status = _status("accepted")
                attendee["status"] = _status("accepted")
            else:
                existing.response_status = {"response": "notResponded", "time": "0001-01-01T00:00:00Z"}
            target.events[existing.id] = existing
        _fill(existing, ev)
        store._touch(target, existing)
    for address in before - set(now_listed):
        cancel_copy(store, mb.tenant_id, address, ev.ical_uid)


def cancel_copy(store, tenant_id: str, address: str, ical_uid: str) -> None:
    target = _hosted(store, tenant_id, address)
    existing = copy_of(target, ical_uid) if target is not None else None
    if existing is None:
        return
    if target.kind in RESOURCE_KINDS:  # the booking attendant removes cancelled meetings itself
        target.events.pop(existing.id, None)
        store._tombstone(target, existing)
        return
    existing.is_cancelled = True
    store._touch(target, existing)


def cancel_all(store, mb, ev) -> None:
    """The organizer deleted (or cancelled) the meeting: every hosted copy shows it cancelled."""
    if not ev.is_organizer or ev.kind not in ("singleInstance", "seriesMaster"):
        return
    for address in attendee_addresses(ev):
        if address != mb.upn:
            cancel_copy(store, mb.tenant_id, address, ev.ical_uid)


def respond(store, mb, event_id: str, action: str, *, send_response: bool = True) -> None:
    """An attendee answers (Graph's accept / decline / tentativelyAccept)."""
    response = RESPONSE_OF_ACTION.get(action.lower())
    if response is None:
        raise GraphError(400, "BadRequest", f"Resource not found for the segment '{action}'.")
    ev, master, _original = store.resolve(mb, event_id)
    target = master if ev is None else (master if ev.kind == "exception" and master is not None else ev)
    if target is None:
        raise GraphError(404, "ErrorItemNotFound", "The specified object was not found in the store.")
    if target.is_organizer:
        raise GraphError(400, "ErrorInvalidRequest",
                         "Your request can't be completed. You can't respond to this meeting because you're the "
                         "meeting organizer.")
    target.response_status = _status(response)
    store._touch(mb, target)
    if send_response:
        org_mb, item = organizer_item(store, mb.tenant_id, target)
        if item is not None:
            attendee = _addresses(item).get(mb.upn)
            if attendee is not None:
                attendee["status"] = _status(response)
                store._touch(org_mb, item)
        mb.sent.append({"kind": "meetingResponse", "response": response, "eventId": target.id,
                        "iCalUId": target.ical_uid, "to": [((target.organizer or {}).get("emailAddress") or {})
                                                          .get("address", "")], "at": _status(response)["time"]})
    if response == "declined":  # Exchange moves a declined meeting to Deleted Items
        mb.events.pop(target.id, None)
        store._tombstone(mb, target)


def set_organizer_view(store, mb, ev, address: str, response: str) -> None:
    """The organizer's copy learns an attendee's answer (the control API's shortcut); the attendee's own copy
    follows when it is hosted, as if the attendee had answered with sendResponse."""
    target = _hosted(store, mb.tenant_id, address)
    existing = copy_of(target, ev.ical_uid) if target is not None else None
    if existing is not None and response in ("accepted", "declined", "tentativelyAccepted"):
        existing.response_status = _status(response)
        store._touch(target, existing)
