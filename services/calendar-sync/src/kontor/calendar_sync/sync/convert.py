"""CRM appointment ↔ provider-neutral ``RemoteEvent``, and per-field hashes of both sides.

The engine compares each side with *its own* last synced state (field hashes per side, see
``SyncMapping.crm_fields`` / ``remote_fields``), so what one side cannot represent (several Outlook
categories, a CRM type) never looks like a change. Hashes cover only the fields the engine syncs; a
private event's canonical form has no subject, body or location, so their hashes are never even taken.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from kontor.calendar_sync.appointments import recurrence as crm_recurrence
from kontor.calendar_sync.appointments.models import Appointment
from kontor.calendar_sync.connectors.models import ConnectorSettings
from kontor.calendar_sync.providers.base import CrmLinks, EventChanges, Recurrence, RemoteEvent
from kontor.calendar_sync.sync import participation

# The fields the engine syncs, in neutral terms. "time" is start, end, zone and all-day together.
SYNC_FIELDS = ("subject", "body", "location", "time", "is_private", "show_as", "categories", "recurrence",
               "is_cancelled", "links", *participation.FIELDS)
ABSENT = "-"  # hash of a field a private event does not have

_SHOW_AS_OUT = {"busy": "busy", "tentative": "tentative", "free": "free", "out_of_office": "oof",
                "working_elsewhere": "workingElsewhere"}
_SHOW_AS_IN = {v: k for k, v in _SHOW_AS_OUT.items()} | {"unknown": "busy"}
_LINK_KINDS = (("company", "company_ids"), ("contact_person", "contact_ids"), ("deal", "deal_ids"),
               ("project", "project_ids"))


def _short(value: Any) -> str:
    raw = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()[:24]


def field_hashes(event: RemoteEvent) -> dict[str, str]:
    """Per synced field a short hash of its canonical value (private events: only their shape)."""
    canon = event.canonical()
    values: dict[str, Any] = {name: canon.get(name, ABSENT) for name in SYNC_FIELDS if name not in ("time", "links")}
    if "start" in canon:
        values["time"] = [canon["start"], canon["end"], canon["timezone"], canon["is_all_day"]]
    if values.get("recurrence") not in (None, ABSENT):
        # The pattern only: cancelled and changed occurrences are synced one by one (sync/occurrences.py).
        values["recurrence"] = {"rrule": values["recurrence"]["rrule"]}
    links = dict(canon.get("links") or {})
    links.pop("crm_id", None)  # the mapping knows the CRM id; only the record links are content
    values["links"] = links if any(links.values()) else None
    values.update(participation.values(event, ABSENT))  # attendees, resources, the owner's answer
    return {name: (ABSENT if value == ABSENT else _short(value)) for name, value in values.items()}


def content_hash(fields: dict[str, str]) -> str:
    return _short(sorted(fields.items()))


# ---------------------------------------------------------------- CRM → neutral


def _category_out(connector: ConnectorSettings, category: str | None) -> tuple[str, ...]:
    if not category:
        return ()
    for m in connector.category_mappings or []:
        if m["crm_category"].casefold() == category.casefold():
            return (m["groupware_category"],)
    return (category,)


def _category_in(connector: ConnectorSettings, categories: tuple[str, ...]) -> str | None:
    if not categories:
        return None
    first = categories[0]
    for m in connector.category_mappings or []:
        if m["groupware_category"].casefold() == first.casefold():
            return m["crm_category"][:100]
    return first[:100]


def crm_links(appointment: Appointment) -> CrmLinks:
    by_kind = {kind: [link["id"] for link in appointment.links if link["type"] == kind] for kind, _ in _LINK_KINDS}
    return CrmLinks(crm_id=str(appointment.id), **{attr: tuple(by_kind[kind]) for kind, attr in _LINK_KINDS})


def to_remote(appointment: Appointment, connector: ConnectorSettings, *, remote_id: str = "") -> RemoteEvent:
    """The appointment as the groupware should hold it (private: times and busy status only)."""
    rec = (Recurrence(appointment.rrule, tuple(sorted(d.astimezone(UTC) for d in appointment.exdates)))
           if appointment.rrule else None)
    event = RemoteEvent(
        remote_id=remote_id, start=appointment.starts_at.astimezone(UTC), end=appointment.ends_at.astimezone(UTC),
        timezone=appointment.time_zone, subject=appointment.subject or "", body=appointment.notes or "",
        location=appointment.location or "", is_all_day=appointment.all_day, is_private=appointment.private,
        show_as=_SHOW_AS_OUT.get(appointment.show_as, "busy"),
        categories=_category_out(connector, appointment.category), recurrence=rec,
        event_type="seriesMaster" if rec else "singleInstance", is_cancelled=appointment.status == "cancelled",
        links=crm_links(appointment), last_modified=appointment.updated_at,
    )
    event.extra[participation.CRM_KEY] = participation.crm_side(appointment, connector.user_id)
    return event.redacted()


def changes_for(event: RemoteEvent, fields: set[str]) -> EventChanges:
    """The PATCH that brings the groupware's copy to ``event`` (the CRM's state) in ``fields``."""
    values: dict[str, Any] = {}
    for name in fields:
        if name == "body":
            values["body"] = event.body
        elif name == "time":
            values.update(start=event.start, end=event.end, timezone=event.timezone, is_all_day=event.is_all_day)
        elif name in ("subject", "location", "is_private", "show_as", "categories", "recurrence", "links"):
            values[name] = getattr(event, name)
        # is_cancelled: Graph cancels by deleting (organiser) — the deletion path handles it.
    return EventChanges.of(**values)


# ---------------------------------------------------------------- neutral → CRM


def _uuids(values: tuple[str, ...]) -> list[str]:
    out = []
    for v in values:
        try:
            out.append(str(uuid.UUID(v)))
        except ValueError:
            continue
    return out


def _local_date(instant: datetime, zone: str):
    return instant.astimezone(crm_recurrence.zone(zone)).date()


def crm_values(event: RemoteEvent, connector: ConnectorSettings, fields: set[str] | None = None,
               *, current_status: str = "open") -> dict[str, Any]:
    """AppointmentData input for ``fields`` (None: all) of a remote event; private events give their shape only."""
    event = event.redacted()
    wanted = set(SYNC_FIELDS) if fields is None else fields
    values: dict[str, Any] = {}
    if "time" in wanted:
        zone = event.timezone or "UTC"
        try:
            crm_recurrence.zone(zone)
        except Exception:  # noqa: BLE001 - a zone the CRM does not know: keep the instant in UTC
            zone = "UTC"
        if event.is_all_day:
            values.update(all_day=True, time_zone=zone, start_date=_local_date(event.start, zone),
                          end_date=_local_date(event.end, zone))
        else:
            values.update(all_day=False, time_zone=zone, start=event.start, end=event.end)
    if "is_private" in wanted:
        values["private"] = event.is_private
    if "show_as" in wanted:
        values["show_as"] = _SHOW_AS_IN.get(event.show_as, "busy")
    if "recurrence" in wanted and event.event_type == "seriesMaster":
        values["rrule"] = event.recurrence.rrule if event.recurrence else ""
        # EXDATEs are not taken wholesale: the groupware knows them only inside the window (occurrences.py).
    if "is_cancelled" in wanted:
        if event.is_cancelled:
            values["status"] = "cancelled"
        elif current_status == "cancelled":
            values["status"] = "open"
    if event.is_private:
        return values
    if "subject" in wanted:
        values["subject"] = event.subject[:500] or None
    if "body" in wanted:
        values["notes"] = event.body[:20000] or None
    if "location" in wanted:
        values["location"] = event.location[:500] or None
    if "categories" in wanted:
        values["category"] = _category_in(connector, event.categories)
    if "links" in wanted and event.links is not None and not event.extra.get("foreign_origin"):
        values["links"] = [{"type": kind, "id": i} for kind, attr in _LINK_KINDS
                           for i in _uuids(getattr(event.links, attr))]
    return values
