"""Attendees, resources and the owner's answer as synced fields: their values per side, for the field hashes.

Three fields join the engine's synced fields (``convert.SYNC_FIELDS``):

* ``participants``: the groupware's attendee list (address and answer) ↔ the CRM's participants (kind,
  id, status), without the mailbox owner's own entry;
* ``resources``: the resource attendees (address, declined or not) ↔ the CRM's booked resource ids;
* ``my_status``: the mailbox owner's own answer on an attendee's copy ↔ their participation status in
  the CRM. Both sides speak the CRM's vocabulary here, so an organizer's copy is ``None`` on both.

Each side is compared with its own last state (the per-side hashes), so the two representations never
have to agree; the translation between them is ``attendees.py``'s. A private event has none of them.
"""

from __future__ import annotations

from typing import Any

from kontor.calendar_sync.appointments.models import Appointment
from kontor.calendar_sync.providers.base import RemoteEvent

FIELDS = ("participants", "resources", "my_status")
CRM_KEY = "crm_participation"  # RemoteEvent.extra of a CRM appointment (convert.to_remote)

# Graph's answers in the CRM's words. "none"/"notResponded": not answered yet; "organizer": their own meeting.
STATUS_IN = {"none": "needs_action", "notResponded": "needs_action", "organizer": "accepted",
             "accepted": "accepted", "tentativelyAccepted": "tentative", "declined": "declined"}
# The CRM's answers as Graph responses (needs_action cannot be sent: nobody can "un-answer").
RESPONSE_OUT = {"accepted": "accepted", "tentative": "tentativelyAccepted", "declined": "declined"}


def own_status(appointment: Appointment, user_id) -> str | None:
    me = str(user_id)
    return next((p["status"] for p in appointment.participants if p["kind"] == "employee" and str(p["id"]) == me),
                None)


def crm_side(appointment: Appointment, user_id) -> dict[str, Any]:
    """What the CRM holds, for ``RemoteEvent.extra[CRM_KEY]`` of the appointment seen by ``user_id``'s mailbox."""
    me = str(user_id)
    others = sorted([p["kind"], str(p["id"]), p["status"]] for p in appointment.participants
                    if not (p["kind"] == "employee" and str(p["id"]) == me))
    return {"participants": others or None,
            "resources": sorted(str(r) for r in appointment.resource_ids) or None,
            "my_status": own_status(appointment, user_id) if appointment.owner_id != user_id else None}


def values(event: RemoteEvent, absent: str) -> dict[str, Any]:
    """The three fields' values of one side (``absent`` for a private event, which has none)."""
    if event.is_private:
        return {name: absent for name in FIELDS}
    crm = event.extra.get(CRM_KEY)
    if crm is not None:
        return dict(crm)
    return {
        "participants": sorted([a.email.strip().lower(), STATUS_IN.get(a.response, "needs_action")]
                               for a in event.attendees) or None,
        "resources": sorted([r.email.strip().lower(), r.response == "declined"] for r in event.resources) or None,
        "my_status": None if event.is_organizer else STATUS_IN.get(event.response, "needs_action"),
    }


def unknown_in(base: dict[str, str]) -> set[str]:
    """The fields a mapping synced before they existed has no hash for (empty for a new mapping's empty base)."""
    return {name for name in FIELDS if base and name not in base}


def adopt(mapping, remote_now: dict[str, str], crm_now: dict[str, str]) -> None:
    """A mapping from before these fields: take both sides as they are as the synced state, so the upgrade
    neither wipes CRM participants an event never listed nor sends invitations for lists nobody changed."""
    remote_missing = unknown_in(mapping.remote_fields or {})
    crm_missing = unknown_in(mapping.crm_fields or {})
    if remote_missing:
        mapping.remote_fields = {**mapping.remote_fields, **{k: remote_now[k] for k in remote_missing}}
    if crm_missing:
        mapping.crm_fields = {**mapping.crm_fields, **{k: crm_now[k] for k in crm_missing}}
