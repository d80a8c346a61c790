"""One meeting in several mailboxes, re-authorisation, and health."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from kontor.calendar_sync.appointments.models import Appointment
from kontor.calendar_sync.connectors.models import ConnectorSettings
from kontor.calendar_sync.sync import health
from kontor.calendar_sync.sync.models import SyncMailbox

from .conftest import outlook_event, soon


async def test_one_meeting_in_three_mailboxes_is_one_appointment_with_three_people(world):
    others = []
    for name in ("bert", "carla"):
        upn = f"{name}@{world.handle.domain}"
        world.handle.add_mailbox(upn)
        user = uuid.uuid4()
        others.append((upn, user, await world.add_connector(upn, user)))
    uid = f"kontor-test-{uuid.uuid4()}"
    body = outlook_event("Jahresgespräch", soon(5))
    world.outlook_create({**body, "iCalUId": uid})
    for upn, _, _ in others:  # the attendees' copies: same iCalUId, not organiser
        world.outlook_create({**body, "iCalUId": uid,
                              "organizer": {"emailAddress": {"address": world.handle.upn}}}, upn=upn)
    await world.sync()
    for _, _, connector_id in others:
        report = await world.sync(connector_id)
        assert report.counts["linked"] == 1
    async with world.db.unit_of_work(world.tenant_id) as session:
        [appointment] = (await session.scalars(sa.select(Appointment))).all()
    assert appointment.owner_id == world.user_id
    assert {p["id"] for p in appointment.participants} == {str(user) for _, user, _ in others}


async def test_revoked_credentials_mark_needs_auth_and_resume_from_the_cursor(world):
    world.outlook_create(outlook_event("before", soon(1)))
    await world.sync()
    world.control.patch(f"/apps/{world.handle.client_id}", json={"secret": "rotated-elsewhere", "revokeTokens": True})
    report = await world.sync()
    assert report.outcome == "needs_auth"
    async with world.db.unit_of_work(world.tenant_id) as session:
        connector = await session.get(ConnectorSettings, world.connector_id)
        state = await session.get(SyncMailbox, world.connector_id)
        events = (await session.execute(sa.text("SELECT event_type FROM outbox"))).scalars().all()
        cursor = state.delta_cursor
    assert connector.needs_reauthorisation and state.state == "needs_auth" and cursor
    assert any("reauthori" in t.lower() for t in events), events
    assert (await world.sync()).outcome == "needs_auth"  # waits for a fix
    # The admin fixes it: the connector flag clears (connectors.set_credentials does that), the secret matches.
    world.control.patch(f"/apps/{world.handle.client_id}", json={"secret": world.handle.secret})
    async with world.db.unit_of_work(world.tenant_id) as session:
        (await session.get(ConnectorSettings, world.connector_id)).needs_reauthorisation = False
    world.outlook_create(outlook_event("after", soon(2)))
    report = await world.sync()
    assert report.outcome == "ok" and not report.full and report.counts["created"] == 1  # from the stored cursor


async def test_health_is_never_healthy_on_a_mismatch(world):
    world.outlook_create(outlook_event("one", soon(1)))
    world.outlook_create(outlook_event("two", soon(2)))
    await world.sync()
    async with world.db.unit_of_work(world.tenant_id) as session:
        report = await health.mailbox_health(session, world.connector_id)
    assert report.healthy and report.state == "idle" and report.crm_count == report.remote_count == 2
    async with world.db.unit_of_work(world.tenant_id) as session:  # the CRM loses an item somehow
        lost = await session.scalar(sa.text("SELECT appointment_id FROM sync_mappings LIMIT 1"))
        await session.execute(sa.text("DELETE FROM sync_mappings WHERE appointment_id = :a"), {"a": lost})
        await session.execute(sa.text("DELETE FROM appointments WHERE id = :a"), {"a": lost})
    async with world.provider() as provider:
        report = await health.reconcile(world.db, provider, tenant_id=world.tenant_id,
                                        connector_id=world.connector_id)
    assert not report.healthy and report.mismatch == {"missing_in_crm": 1}
    async with world.db.unit_of_work(world.tenant_id) as session:
        await health.request_resync(session, world.connector_id)
    await world.sync()  # the resync brings the lost item back
    async with world.db.unit_of_work(world.tenant_id) as session:
        report = await health.mailbox_health(session, world.connector_id)
    assert report.healthy, report
