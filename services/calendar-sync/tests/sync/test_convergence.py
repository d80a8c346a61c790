"""Property tests: the per-field merge, and convergence of random interleaved edits on both sides
(with throttling and expired cursors) against the Graph emulator and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from hypothesis import HealthCheck, given, note, settings, strategies as st

from kontor.calendar_sync.appointments.models import Appointment
from kontor.calendar_sync.connectors.models import ConnectorSettings
from kontor.calendar_sync.sync import conflicts, crm, engine, health
from kontor.calendar_sync.sync.convert import SYNC_FIELDS
from kontor.calendar_sync.sync.models import SyncMailbox, SyncMapping

from .conftest import outlook_event, soon

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


step = st.one_of(
    st.tuples(st.just("o_create"), st.integers(0, 4)),
    st.tuples(st.just("o_edit"), st.integers(0, 20)),
    st.tuples(st.just("o_delete"), st.integers(0, 20)),
    st.tuples(st.just("c_create"), st.integers(0, 4)),
    st.tuples(st.just("c_edit"), st.integers(0, 20)),
    st.tuples(st.just("c_delete"), st.integers(0, 20)),
    st.just(("sync", 0)),
    st.just(("expire", 0)),
    st.just(("throttle", 0)),
    st.just(("killed", 0)),
)


class Killed(RuntimeError):
    """A worker that dies right after the groupware accepted a write, before storing the result."""


async def killed_sync(world, connector_id):
    provider = world.provider()
    for name in ("create", "update", "delete"):
        original = getattr(provider, name)

        async def dying(*args, _original=original, **kwargs):
            await _original(*args, **kwargs)
            raise Killed("worker killed mid-batch")

        setattr(provider, name, dying)
    async with provider:
        return await engine.sync_mailbox(world.db, provider, tenant_id=world.tenant_id, connector_id=connector_id)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=3, max_size=14), policy=policies)
async def test_random_edits_on_both_sides_converge(world, steps, policy):
    note(f"steps={steps} policy={policy}")
    upn = f"m{uuid.uuid4().hex[:10]}@{world.handle.domain}"
    world.handle.add_mailbox(upn)
    user = uuid.uuid4()
    cid = await world.add_connector(upn, user, conflict_policy=policy)
    counter = iter(range(10_000))
    deleted_remote: set[str] = set()
    deleted_crm: set[uuid.UUID] = set()

    async def connector(session):
        return await session.get(ConnectorSettings, cid)

    async def live_appointments(session):
        return list((await session.scalars(sa.select(Appointment).where(
            Appointment.owner_id == user, Appointment.deleted_at.is_(None)).order_by(Appointment.id))).all())

    for kind, n in steps:
        remote = world.outlook_events(upn)
        if kind == "o_create":
            world.outlook_create(outlook_event(f"O{next(counter)}", soon(1 + n)), upn=upn)
        elif kind == "o_edit" and remote:
            world.outlook_patch(remote[n % len(remote)]["id"], {"subject": f"O-edit-{next(counter)}"}, upn=upn)
        elif kind == "o_delete" and remote:
            gone = remote[n % len(remote)]["id"]
            world.outlook_delete(gone, upn=upn)
            deleted_remote.add(gone)
        elif kind in ("c_create", "c_edit", "c_delete"):
            async with world.db.unit_of_work(world.tenant_id) as session:
                c = await connector(session)
                current = await live_appointments(session)
                if kind == "c_create":
                    await crm.create(session, c, {"subject": f"C{next(counter)}", "start": soon(1 + n),
                                                  "end": soon(1 + n) + timedelta(hours=1)})
                elif current and kind == "c_edit":
                    await crm.update(session, c, current[n % len(current)], {"subject": f"C-edit-{next(counter)}"})
                elif current:
                    target = current[n % len(current)]
                    deleted_crm.add(target.id)
                    await crm.delete(session, c, target)
        elif kind == "sync":
            await world.sync(cid)
        elif kind == "killed":
            await killed_sync(world, cid)
        elif kind == "expire":
            world.control.post(f"/mailboxes/{upn}/delta/expire", json={})
        elif kind == "throttle":
            world.control.put(f"/mailboxes/{upn}/throttle", json={"inject": {"status": 429, "count": 1,
                                                                             "retryAfter": 30}})

    # Quiescence: no more throttling; a person resumes a paused mailbox (accepting what was deleted).
    world.control.put(f"/mailboxes/{upn}/throttle", json={"inject": {"status": 429, "count": 0}})
    later = datetime.now(UTC) + timedelta(minutes=5)
    for _ in range(4):
        report = await world.sync(cid, now=later)
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
    # Both sides agree.
    for m in mappings:
        assert appointments[m.appointment_id].subject == remote[m.remote_id]["subject"]
    # No deleted item back.
    assert not deleted_remote & set(remote)
    assert not deleted_crm & set(appointments)
    assert state.state == "idle"
