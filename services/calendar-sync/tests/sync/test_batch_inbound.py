"""The bulk path of a first sync (sync/batch.py): new events are created together, one the CRM refuses is
skipped alone (its chunk goes the per-event way), and what is tied to something goes the per-event way."""

from __future__ import annotations

import sqlalchemy as sa

from kontor.calendar_sync.appointments.models import Appointment
from kontor.calendar_sync.sync import convert
from kontor.calendar_sync.sync.models import SyncLogEntry, SyncMapping

from .conftest import outlook_event, soon


async def _appointments(world) -> dict[str, Appointment]:
    async with world.db.unit_of_work(world.tenant_id) as session:
        return {a.subject: a for a in await session.scalars(sa.select(Appointment).where(
            Appointment.deleted_at.is_(None)))}


async def test_a_first_sync_creates_every_new_event_once_with_its_mapping(world):
    for i in range(12):
        world.outlook_create(outlook_event(f"Termin {i}", soon(1 + i % 5, 8 + i % 8)))
    report = await world.sync()
    assert report.counts["created"] == 12
    made = await _appointments(world)
    assert set(made) == {f"Termin {i}" for i in range(12)}
    async with world.db.unit_of_work(world.tenant_id) as session:
        mappings = (await session.scalars(sa.select(SyncMapping))).all()
    assert sorted(m.appointment_id for m in mappings) == sorted(a.id for a in made.values())
    assert all(m.state == "live" and m.crm_version == made_version(made, m) for m in mappings)
    again = await world.sync()  # nothing new: nothing created twice
    assert again.counts.get("created", 0) == 0 and len(await _appointments(world)) == 12


def made_version(made: dict[str, Appointment], mapping: SyncMapping) -> int:
    return next(a.version for a in made.values() if a.id == mapping.appointment_id)


async def test_an_event_the_crm_refuses_is_skipped_alone(world, monkeypatch):
    for i in range(5):
        world.outlook_create(outlook_event(f"Gut {i}", soon(2, 9 + i)))
    world.outlook_create(outlook_event("Abgelehnt", soon(3)))
    original = convert.crm_values

    def refusing(event, connector, fields=None, **kw):
        values = original(event, connector, fields, **kw)
        if event.subject == "Abgelehnt":
            values["subject"] = "x" * 501  # longer than the CRM takes: InvalidArgument on subject
        return values

    monkeypatch.setattr(convert, "crm_values", refusing)
    report = await world.sync()
    assert report.counts["created"] == 5 and report.counts["rejected"] == 1
    assert set(await _appointments(world)) == {f"Gut {i}" for i in range(5)}
    async with world.db.unit_of_work(world.tenant_id) as session:
        codes = (await session.scalars(sa.select(SyncLogEntry.code))).all()
    assert "item_rejected" in codes
