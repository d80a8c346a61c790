"""The privacy rule, in one place: what of an appointment may leave calendar-sync, and for whom.

A private appointment is stored without details (schemas.AppointmentData strips them, the table's check
constraint refuses them), so there is nothing to hide at read time; these functions decide the rest:
which non-private appointments a caller may see, and which of their references to contacts' records.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from kontor.platform.auth import Principal
from kontor.platform.contacts_access import RECORD_TYPES, Sight

from kontor.calendar_sync.appointments.models import Appointment


def user_id_of(principal: Principal) -> uuid.UUID | None:
    try:
        return uuid.UUID(principal.subject)
    except ValueError:
        return None


def employee_ids(appointment: Appointment) -> set[uuid.UUID]:
    return {uuid.UUID(p["id"]) for p in appointment.participants if p["kind"] == "employee"}


def record_refs(appointment: Appointment) -> list[tuple[str, uuid.UUID]]:
    """References to contacts' records: company / contact person links and contact-person participants."""
    refs = [(link["type"], uuid.UUID(link["id"])) for link in appointment.links if link["type"] in RECORD_TYPES]
    refs += [("contact_person", uuid.UUID(p["id"])) for p in appointment.participants
             if p["kind"] == "contact_person"]
    return refs


def involved(principal: Principal, appointment: Appointment) -> bool:
    user = user_id_of(principal)
    return user is not None and (user == appointment.owner_id or user in employee_ids(appointment))


async def may_see(principal: Principal, sight: Sight, appointment: Appointment) -> bool:
    """Private ones hold nothing but times: visible. Otherwise: the owner and participants, callers who see
    every record, appointments that name no company or contact person, and those naming one the caller may
    see (contacts decides)."""
    if appointment.private or involved(principal, appointment):
        return True
    refs = record_refs(appointment)
    if not refs or await sight.sees_everything():
        return True
    for record_type, record_id in refs:
        if await sight.sees(record_type, record_id):
            return True
    return False


@dataclass
class Presented:
    """An appointment as one caller may see it: references to records they may not see left out."""

    appointment: Appointment
    participants: list[dict] = field(default_factory=list)
    links: list[dict] = field(default_factory=list)
    overrides: list = field(default_factory=list)


async def present(sight: Sight, appointment: Appointment, overrides: list | None = None) -> Presented:
    participants = [p for p in appointment.participants
                    if p["kind"] != "contact_person" or await sight.sees("contact_person", uuid.UUID(p["id"]))]
    links = [link for link in appointment.links if await sight.sees(link["type"], uuid.UUID(link["id"]))]
    return Presented(appointment, participants, links, list(overrides or []))


async def hidden_refs(sight: Sight, appointment: Appointment) -> tuple[list[dict], list[dict]]:
    """(participants, links) of ``appointment`` the caller may not see: kept when the caller replaces the lists."""
    participants = [p for p in appointment.participants if p["kind"] == "contact_person"
                    and not await sight.sees("contact_person", uuid.UUID(p["id"]))]
    links = [link for link in appointment.links if not await sight.sees(link["type"], uuid.UUID(link["id"]))]
    return participants, links
