"""Property tests: the per-field merge, and convergence of random interleaved edits on both sides against the
Graph emulator and PostgreSQL, with random throttling (429/503), expired delta cursors, access tokens expiring
mid-run and workers killed mid-batch (before a request or after the groupware answered it); private events
made on either side, whose details must never reach the CRM's tables, outbox (events) or logs."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from hypothesis import HealthCheck, event, given, note, settings, strategies as st

from kontor.calendar_sync.appointments.models import Appointment
from kontor.calendar_sync.connectors.models import ConnectorSettings
from kontor.calendar_sync.providers.graph import GraphCredentials, GraphProvider
from kontor.calendar_sync.sync import conflicts, crm, engine, health
from kontor.calendar_sync.sync.convert import SYNC_FIELDS
from kontor.calendar_sync.sync.models import SyncMailbox, SyncMapping

from . import faults
from .conftest import FAST, outlook_event, soon

fields = st.sets(st.sampled_from(SYNC_FIELDS))
policies = st.sampled_from(conflicts.POLICIES)
times = st.none() | st.datetimes(timezones=st.just(UTC))


@given(crm_changed=fields, remote_changed=fields, policy=policies, crm_at=times, remote_at=times)
def test_merge_keeps_every_one_sided_change_and_decides_each_conflict_once(crm_changed, remote_changed, policy,
                                                                          crm_at, remote_at):
    m = conflicts.merge(crm_changed=crm_changed, remote_changed=remote_changed, policy=policy,
                        crm_modified=crm_at, remote_modified=remote_at)
    assert m.to_crm | m.to_remote == crm_changed | remote_changed  # nothing lost
    assert not m.to_crm & m.to_remote  # nothing goes both ways
    assert m.conflicts == crm_changed & remote_changed
    assert crm_changed - remote_changed <= m.to_remote and remote_changed - crm_changed <= m.to_crm
    if m.conflicts:
        assert m.winner == {"crm_wins": "crm", "groupware_wins": "groupware"}.get(policy, m.winner)
        assert m.conflicts <= (m.to_remote if m.winner == "crm" else m.to_crm)


# What a run meets: the worker dies before a Graph request leaves or after the groupware answered it
# (FaultTransport), every access token expires just before the request, or the worker dies after a write with an
# exception the engine sees ("killed"); or nothing.
SYNC_FAULTS = (faults.KILL_BEFORE, faults.KILL_AFTER, faults.REVOKE, "killed", None)
PRIVATE_MARK = "PRIVx"  # every private detail the test writes carries it, plus a unique suffix

step = st.one_of(
    st.tuples(st.just("o_create"), st.integers(0, 4)),
    st.tuples(st.just("o_private"), st.integers(0, 4)),
    st.tuples(st.just("o_edit"), st.integers(0, 20)),
    st.tuples(st.just("o_make_private"), st.integers(0, 20)),
    st.tuples(st.just("o_delete"), st.integers(0, 20)),
    st.tuples(st.just("c_create"), st.integers(0, 4)),
    st.tuples(st.just("c_private"), st.integers(0, 4)),
    st.tuples(st.just("c_edit"), st.integers(0, 20)),
    st.tuples(st.just("c_delete"), st.integers(0, 20)),
    st.just(("expire", 0)),
    # Throttling: 429 or 503, for one to three requests, with a random Retry-After.
    st.tuples(st.just("throttle"), st.integers(0, 11)),
    # A run, three times as likely as any edit; most runs meet a fault (SYNC_FAULTS) at one of their first
    # two Graph requests (most runs make few: a delta page, a push or two).
    *[st.tuples(st.just("sync"), st.tuples(st.sampled_from(SYNC_FAULTS), st.integers(0, 1))) for _ in range(3)],
)


class Killed(RuntimeError):
    """A worker that dies right after the groupware accepted a write, before storing the result."""


async def killed_sync(world, connector_id, now):
    provider = world.provider()
    for name in ("create", "update", "delete"):
        original = getattr(provider, name)

        async def dying(*args, _original=original, **kwargs):
            await _original(*args, **kwargs)
            raise Killed("worker killed mid-batch")

        setattr(provider, name, dying)
    async with provider:
        return await engine.sync_mailbox(world.db, provider, tenant_id=world.tenant_id, connector_id=connector_id,
                                         now=now)


async def faulty_sync(world, connector_id, now, action: str, at: int) -> engine.RunReport | None:
    """One run through a FaultTransport; None when the fault killed it."""
    def revoke() -> None:
        answer = world.control.patch(f"/apps/{world.handle.client_id}", json={"revokeTokens": True})
        assert answer.status_code == 204, answer.text

    transport = faults.FaultTransport(world.graph.ca_path, action=action, at=at, revoke=revoke)
    creds = GraphCredentials(tenant_id=world.handle.tenant_id, client_id=world.handle.client_id,
                             client_secret=world.handle.secret)
    provider = GraphProvider(creds, origin=str(world.tenant_id), base_url=f"{world.graph.base_url}/v1.0",
                             authority=world.graph.authority(world.handle.tenant_id), ca_path=world.graph.ca_path,
                             policy=FAST, transport=transport)
    async with provider:
        run = asyncio.create_task(engine.sync_mailbox(world.db, provider, tenant_id=world.tenant_id,
                                                      connector_id=connector_id, now=now))
        transport.task = run
        try:
            report = await run
        except asyncio.CancelledError:
            if not (transport.fired and run.cancelled()) or asyncio.current_task().cancelling():
                raise
            event(f"worker killed ({action})")
            return None
    if action == faults.REVOKE and transport.fired:
        event("access tokens expired mid-run")
        # The expired token cost one refused request and one new token, never the run.
        assert report.outcome in ("ok", "throttled", "paused"), report
    return report


def _private(remote_event: dict) -> bool:
    return (remote_event.get("sensitivity") or "normal") != "normal"


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=3, max_size=16), policy=policies)
async def test_random_edits_on_both_sides_converge(world, steps, policy):
    note(f"steps={steps} policy={policy}")
    upn = f"m{uuid.uuid4().hex[:10]}@{world.handle.domain}"
    world.handle.add_mailbox(upn)
    user = uuid.uuid4()
    cid = await world.add_connector(upn, user, conflict_policy=policy)
    counter = iter(range(10_000))
    deleted_remote: set[str] = set()
    deleted_crm: set[uuid.UUID] = set()
    secrets: set[str] = set()
    # The engine's clock: a killed worker leaves its lease ("syncing"); the next worker takes over once the lease
    # has run out, so a kill moves the clock past it.
    clock = datetime.now(UTC)

    def secret(what: str) -> str:
        value = f"{PRIVATE_MARK}{uuid.uuid4().hex[:12]}{what}"
        secrets.add(value)
        return value

    def private_details() -> dict:
        return {"sensitivity": "private", "subject": secret("subject"), "location": {"displayName": secret("loc")},
                "body": {"contentType": "text", "content": secret("body")},
                "attendees": [{"emailAddress": {"address": f"{secret('att').lower()}@example.com",
                                                "name": secret("attname")}, "type": "required"}]}

    def now() -> datetime:
        nonlocal clock
        clock = max(clock + timedelta(seconds=1), datetime.now(UTC))
        return clock

    async def connector(session):
        return await session.get(ConnectorSettings, cid)

    async def live_appointments(session):
        return list((await session.scalars(sa.select(Appointment).where(
            Appointment.owner_id == user, Appointment.deleted_at.is_(None)).order_by(Appointment.id))).all())

    with faults.LogCapture() as logs:
        for kind, n in steps:
            remote = world.outlook_events(upn)
            if kind in ("o_create", "o_private"):
                extra = private_details() if kind == "o_private" else {}
                world.outlook_create(outlook_event(f"O{next(counter)}", soon(1 + n)) | extra, upn=upn)
            elif kind == "o_edit" and remote:
                target = remote[n % len(remote)]
                subject = secret("edit") if _private(target) else f"O-edit-{next(counter)}"
                world.outlook_patch(target["id"], {"subject": subject}, upn=upn)
            elif kind == "o_make_private" and remote:
                world.outlook_patch(remote[n % len(remote)]["id"], private_details(), upn=upn)
            elif kind == "o_delete" and remote:
                gone = remote[n % len(remote)]["id"]
                world.outlook_delete(gone, upn=upn)
                deleted_remote.add(gone)
            elif kind in ("c_create", "c_private", "c_edit", "c_delete"):
                async with world.db.unit_of_work(world.tenant_id) as session:
                    c = await connector(session)
                    current = await live_appointments(session)
                    if kind in ("c_create", "c_private"):
                        values = {"subject": f"C{next(counter)}", "start": soon(1 + n),
                                  "end": soon(1 + n) + timedelta(hours=1)}
                        if kind == "c_private":  # typed into a private appointment: the CRM keeps none of it
                            values |= {"private": True, "subject": secret("csubject"),
                                       "location": secret("cloc"), "notes": secret("cnotes")}
                        await crm.create(session, c, values)
                    elif current and kind == "c_edit":
                        target = current[n % len(current)]
                        subject = secret("cedit") if target.private else f"C-edit-{next(counter)}"
                        await crm.update(session, c, target, {"subject": subject})
                    elif current:
                        target = current[n % len(current)]
                        deleted_crm.add(target.id)
                        await crm.delete(session, c, target)
            elif kind == "sync":
                fault, at = n
                if fault is None:
                    await world.sync(cid, now=now())
                elif fault == "killed":
                    await killed_sync(world, cid, now())
                elif await faulty_sync(world, cid, now(), fault, at) is None:
                    clock += engine.LEASE + timedelta(minutes=1)
            elif kind == "expire":
                world.control.post(f"/mailboxes/{upn}/delta/expire", json={})
            elif kind == "throttle":
                world.control.put(f"/mailboxes/{upn}/throttle", json={"inject": {
                    "status": (429, 503)[n % 2], "count": 1 + n % 3, "retryAfter": (0, 5, 30)[n % 3]}})

        # Quiescence: no more throttling; a person resumes a paused mailbox (accepting what was deleted).
        world.control.put(f"/mailboxes/{upn}/throttle", json={"inject": {"status": 429, "count": 0}})
        clock += engine.LEASE + timedelta(minutes=1)
        for _ in range(4):
            clock += timedelta(minutes=5)
            report = await world.sync(cid, now=clock)
            if report.outcome == "paused":
                async with world.db.unit_of_work(world.tenant_id) as session:
                    await health.resume(session, cid, accept_deletions=True)
        assert report.outcome == "ok", report

    remote = {e["id"]: e for e in world.outlook_events(upn)}
    async with world.db.unit_of_work(world.tenant_id) as session:
        appointments = {a.id: a for a in await live_appointments(session)}
        mappings = (await session.scalars(sa.select(SyncMapping).where(SyncMapping.connector_id == cid,
                                                                       SyncMapping.state == "live"))).all()
        state = await session.get(SyncMailbox, cid)
    # No duplicates, nothing lost: live mappings are a bijection between the two sides.
    assert {m.remote_id for m in mappings} == set(remote)
    assert {m.appointment_id for m in mappings} == set(appointments)
    assert len(mappings) == len(remote) == len(appointments)
    # Both sides agree; a private event is private on both sides, and the CRM holds its times only.
    for m in mappings:
        appointment, event = appointments[m.appointment_id], remote[m.remote_id]
        assert appointment.private == _private(event), (appointment.id, event)
        if appointment.private:
            assert (appointment.subject, appointment.location, appointment.notes) == (None, None, None)
        else:
            assert appointment.subject == event["subject"]
    # No deleted item back.
    assert not deleted_remote & set(remote)
    assert not deleted_crm & set(appointments)
    assert state.state == "idle"
    # No private detail in the CRM: not in any table (the outbox holds the events it publishes), not in a log.
    assert not (stored := await faults.scan_database(world.db, world.tenant_id, secrets)), stored
    assert not (logged := faults.scan_texts(logs.texts, secrets)), logged
    assert logs.texts, "the capture saw no log record at all: it is not installed where the service logs"
