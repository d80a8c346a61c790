"""Graph ``event`` JSON ↔ :class:`RemoteEvent`, and Kontor's extended properties.

Event resource: https://learn.microsoft.com/graph/api/resources/event.

* ``private`` ↔ ``sensitivity: private`` (``personal``/``confidential`` also
  read as private: Outlook hides them from delegates as well);
* ``show_as`` ↔ ``showAs``; ``categories`` as they are (category mapping is the
  engine's job); attendees of ``type: resource`` are the event's resources;
* start/end: we request UTC (``Prefer: outlook.timezone="UTC"``); the zone
  meant is ``originalStartTimeZone`` (a Windows name); all-day events come in
  their own zone and are read from the value;
* body: asked for as text (``Prefer: outlook.body-content-type="text"``),
  HTML stripped if a server sends it anyway.

Extended properties (https://learn.microsoft.com/graph/api/resources/singlevaluelegacyextendedproperty)
carry the CRM id and links. Their ids are fixed for good, in one property set
GUID owned by Kontor; names are case-sensitive. Links are a compact JSON object
in one property so one ``$expand`` brings them all. ``KontorOrigin`` holds the
provider's configured origin (the Kontor tenant), so one
``$filter=singleValueExtendedProperties/any(ep: ep/id eq '…KontorOrigin' and ep/value eq '<origin>')``
lists every event Kontor wrote to a mailbox.
"""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime

from kontor.calendar_sync.providers.base import Attendee, CrmLinks, Person, Recurrence, RemoteEvent
from kontor.calendar_sync.providers.graph import recurrence as rec
from kontor.calendar_sync.providers.graph.timezones import from_dtz, local_midnight, to_dtz, to_iana, zone

PROPERTY_SET = "{e6c92160-9ce9-4482-9767-c526ee0fa5db}"
PROP_CRM_ID = f"String {PROPERTY_SET} Name KontorCrmId"
PROP_LINKS = f"String {PROPERTY_SET} Name KontorLinks"
PROP_ORIGIN = f"String {PROPERTY_SET} Name KontorOrigin"
ALL_PROPS = (PROP_CRM_ID, PROP_LINKS, PROP_ORIGIN)
EXPAND_PROPS = "singleValueExtendedProperties($filter=" + " or ".join(f"id eq '{p}'" for p in ALL_PROPS) + ")"

PRIVATE_SENSITIVITIES = {"private", "personal", "confidential"}
_SHOW_AS = {"free", "tentative", "busy", "oof", "workingElsewhere", "unknown"}
_RESPONSES = {"none", "organizer", "tentativelyAccepted", "accepted", "declined", "notResponded"}
_LINK_KEYS = {"company": "company_ids", "contact": "contact_ids", "deal": "deal_ids", "project": "project_ids"}


def _prop_key(prop_id: str) -> str:
    """Compare ids the way Exchange does: type and GUID case-insensitive, name case-sensitive."""
    parts = prop_id.split(" ")
    if len(parts) >= 4:
        return " ".join([parts[0].lower(), parts[1].lower(), parts[2].lower(), " ".join(parts[3:])])
    return prop_id


_KEYS = {_prop_key(p): p for p in ALL_PROPS}


def read_properties(data: dict) -> dict[str, str] | None:
    """Kontor's properties of an event JSON, or ``None`` when the JSON was fetched without them."""
    if "singleValueExtendedProperties" not in data:
        return None
    out = {}
    for prop in data.get("singleValueExtendedProperties") or []:
        known = _KEYS.get(_prop_key(str(prop.get("id", ""))))
        if known:
            out[known] = str(prop.get("value") or "")
    return out


def links_from_properties(props: dict[str, str]) -> CrmLinks:
    raw = props.get(PROP_LINKS) or ""
    links: dict = {}
    if raw:
        try:
            parsed = json.loads(raw)
            links = parsed if isinstance(parsed, dict) else {}
        except ValueError:
            links = {}
    kwargs = {field: tuple(str(x) for x in links.get(key) or ()) for key, field in _LINK_KEYS.items()}
    return CrmLinks(crm_id=props.get(PROP_CRM_ID) or None, **kwargs)


def properties_for(links: CrmLinks, origin: str) -> list[dict[str, str]]:
    canon = links.canonical()
    payload = {key: canon[field] for key, field in _LINK_KEYS.items() if canon[field]}
    return [
        {"id": PROP_CRM_ID, "value": links.crm_id or ""},
        {"id": PROP_LINKS, "value": json.dumps(payload, separators=(",", ":"), sort_keys=True)},
        {"id": PROP_ORIGIN, "value": origin},
    ]


def origin_filter(origin: str) -> str:
    value = origin.replace("'", "''")
    return f"singleValueExtendedProperties/any(ep: ep/id eq '{PROP_ORIGIN}' and ep/value eq '{value}')"


_TAG = re.compile(r"<[^>]+>")
_BLOCK = re.compile(r"(?i)<\s*(br|/p|/div|/li|/tr|/h\d)\b[^>]*>")
_HEAD = re.compile(r"(?is)<(head|style|script)\b.*?</\1\s*>")


def body_text(body: dict | None) -> str:
    if not body:
        return ""
    content = body.get("content") or ""
    if (body.get("contentType") or "text").lower() == "html":
        content = _HEAD.sub("", content)
        content = _BLOCK.sub("\n", content)
        content = html.unescape(_TAG.sub("", content))
    return content.replace("\r\n", "\n").strip()


def _parse_instant(value: str | None) -> datetime | None:
    if not value:
        return None
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1]
    if "." in text:
        head, frac = text.split(".", 1)
        text = f"{head}.{frac[:6].ljust(6, '0')}"
    parsed = datetime.fromisoformat(text)
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def _email(value: dict | None) -> Person | None:
    address = ((value or {}).get("emailAddress") or {})
    if not address.get("address"):
        return None
    return Person(email=address["address"], name=address.get("name") or "")


def _own_response(data: dict) -> str:
    response = ((data.get("responseStatus") or {}).get("response")) or "none"
    return response if response in _RESPONSES else "none"


def from_graph(data: dict, *, origin: str | None = None) -> RemoteEvent:
    """One Graph event JSON → :class:`RemoteEvent` (``links`` stays ``None`` unless the JSON carries the properties)."""
    is_all_day = bool(data.get("isAllDay"))
    tz = to_iana(data.get("originalStartTimeZone") or (data.get("start") or {}).get("timeZone"))
    start = from_dtz(data["start"])
    end = from_dtz(data["end"])
    if is_all_day:
        tz = to_iana((data.get("start") or {}).get("timeZone") or data.get("originalStartTimeZone"))
    attendees, resources = [], []
    for att in data.get("attendees") or []:
        person = _email(att)
        if person is None:
            continue
        response = ((att.get("status") or {}).get("response") or "none")
        entry = Attendee(email=person.email, name=person.name, type=att.get("type") or "required",
                         response=response if response in _RESPONSES else "none")
        (resources if entry.type == "resource" else attendees).append(entry)
    kind = data.get("type") or "singleInstance"
    recurrence = None
    if kind == "seriesMaster" and data.get("recurrence"):
        recurrence = Recurrence(rrule=rec.from_pattern(data["recurrence"], tz, is_all_day=is_all_day))
    props = read_properties(data)
    links = links_from_properties(props) if props is not None else None
    location = (data.get("location") or {}).get("displayName") or ""
    show_as = data.get("showAs") or "busy"
    event = RemoteEvent(
        remote_id=data["id"],
        start=start,
        end=end,
        timezone=tz,
        ical_uid=data.get("iCalUId"),
        change_key=data.get("changeKey"),
        etag=data.get("@odata.etag"),
        subject=data.get("subject") or "",
        body=body_text(data.get("body")),
        location=location,
        is_all_day=is_all_day,
        is_private=(data.get("sensitivity") or "normal") in PRIVATE_SENSITIVITIES,
        show_as=show_as if show_as in _SHOW_AS else "busy",
        categories=tuple(data.get("categories") or ()),
        attendees=tuple(attendees),
        organizer=_email(data.get("organizer")),
        resources=tuple(resources),
        recurrence=recurrence,
        event_type=kind,
        series_master_id=data.get("seriesMasterId"),
        # Each occurrence and exception has its own iCalUId; ``uid`` is the one the whole series shares.
        series_ical_uid=(data.get("uid") or None) if kind in ("occurrence", "exception") else None,
        original_start=_parse_instant(data.get("originalStart")),
        is_cancelled=bool(data.get("isCancelled")),
        is_organizer=bool(data.get("isOrganizer", True)),
        response=_own_response(data),
        links=links,
        last_modified=_parse_instant(data.get("lastModifiedDateTime")),
        transaction_id=data.get("transactionId"),
    )
    if data.get("responseRequested") is False:
        event.extra["response_requested"] = False  # the organizer asked for no answers: respond silently
    if props is not None and origin is not None and props.get(PROP_ORIGIN) not in (None, "", origin):
        event.extra["foreign_origin"] = True  # written by another Kontor tenant: don't trust its links
    return event


def _times(event_start: datetime, event_end: datetime, tz: str, is_all_day: bool) -> dict:
    if is_all_day:
        local_zone = zone(tz)
        s = event_start.astimezone(local_zone).date()
        e = event_end.astimezone(local_zone).date()
        return {"start": to_dtz(local_midnight(s, tz), tz), "end": to_dtz(local_midnight(e, tz), tz), "isAllDay": True}
    return {"start": to_dtz(event_start, tz), "end": to_dtz(event_end, tz), "isAllDay": False}


def _attendee_json(att: Attendee) -> dict:
    out: dict = {"emailAddress": {"address": att.email}, "type": att.type}
    if att.name:
        out["emailAddress"]["name"] = att.name
    return out


def to_graph(event: RemoteEvent, *, origin: str) -> dict:
    """A full event body for create (attendee status is theirs to set, so it is not sent)."""
    body: dict = {
        "subject": event.subject,
        "body": {"contentType": "text", "content": event.body},
        "location": {"displayName": event.location},
        **_times(event.start, event.end, event.timezone, event.is_all_day),
        "sensitivity": "private" if event.is_private else "normal",
        "showAs": event.show_as,
        "categories": list(event.categories),
        "attendees": [_attendee_json(a) for a in (*event.attendees, *event.resources)],
    }
    if event.recurrence is not None:
        body["recurrence"] = rec.to_pattern(event.recurrence.rrule, event.start, event.timezone, is_all_day=event.is_all_day)
    if event.links is not None and not event.links.is_empty():
        body["singleValueExtendedProperties"] = properties_for(event.links, origin)
    return body


def changes_to_graph(values: dict, current: RemoteEvent | None, *, origin: str) -> dict:
    """A PATCH body for the fields in ``values`` (see ``EventChanges``).

    Times need the zone and all-day flag; they are taken from ``values`` or,
    failing that, from ``current`` (the event as last read). A new ``start``
    without ``end`` moves the event (same length).
    """
    body: dict = {}
    if "subject" in values:
        body["subject"] = values["subject"] or ""
    if "body" in values:
        body["body"] = {"contentType": "text", "content": values["body"] or ""}
    if "location" in values:
        body["location"] = {"displayName": values["location"] or ""}
    if "is_private" in values:
        body["sensitivity"] = "private" if values["is_private"] else "normal"
    if "show_as" in values:
        body["showAs"] = values["show_as"]
    if "categories" in values:
        body["categories"] = list(values["categories"] or ())
    if "attendees" in values or "resources" in values:
        attendees = values.get("attendees", current.attendees if current else ())
        resources = values.get("resources", current.resources if current else ())
        body["attendees"] = [_attendee_json(a) for a in (*attendees, *resources)]
    timing = {"start", "end", "timezone", "is_all_day"} & set(values)
    if timing or "recurrence" in values:
        if current is None and not {"start", "end"} <= set(values):
            raise ValueError("changing times needs start and end, or the current event")
        start = values.get("start", current.start if current else None)
        end = values.get("end", current.end if current else None)
        if "start" in values and "end" not in values and current is not None:
            end = start + (current.end - current.start)  # a new start alone moves the event, keeping its length
        tz = values.get("timezone", current.timezone if current else "UTC")
        all_day = values.get("is_all_day", current.is_all_day if current else False)
        if timing:
            body.update(_times(start, end, tz, all_day))
        if "recurrence" in values:
            recurrence = values["recurrence"]
            body["recurrence"] = (rec.to_pattern(recurrence.rrule, start, tz, is_all_day=all_day)
                                  if recurrence is not None else None)
    if "links" in values:
        body["singleValueExtendedProperties"] = properties_for(values["links"] or CrmLinks(), origin)
    return body
