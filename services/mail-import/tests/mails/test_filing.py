"""Manual filing against automatic matching: a person's decision always wins, and stays."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, given, note, settings, strategies as st
from sqlalchemy import select

from kontor.platform.errors import InvalidArgument, NotFound
from kontor.platform.outbox import OutboxEvent

from kontor.mail_import.mails.schemas import RecordRef

from .helpers import auto_match, file, in_force, link_rows, rematch, remove
from .real_world import contacts_database_url, contacts_service, world  # noqa: F401 - fixtures


@pytest.fixture(autouse=True)
async def background_identity_sees_everything(world):
    await world.tenant.set_role(world.owner, "org_manager")


async def _events(world, mail_id: uuid.UUID) -> list[tuple[str, dict]]:
    async with world.db.unit_of_work(None) as session:
        rows = await session.scalars(select(OutboxEvent).where(OutboxEvent.tenant_id == world.tenant_id)
                                     .order_by(OutboxEvent.created_at))
        return [(r.event_type, r.payload) for r in rows if str(mail_id) in str(r.payload)]


async def test_manual_filing_survives_rematching(world):
    company = await world.company("kunde.example")
    mail, parsed = await world.store(sender="a@kunde.example")
    await auto_match(world, [(mail, parsed)])
    user = await world.user(manager=True)
    deal = RecordRef("deal", uuid.uuid4())
    await file(world, user, [mail.id], [RecordRef("company", company), deal])
    before = await link_rows(world, mail.id)
    await rematch(world, [mail.id])
    after = await link_rows(world, mail.id)
    assert {r: (row.origin, row.created_by, row.removed_at) for r, row in after.items()} == \
        {r: (row.origin, row.created_by, row.removed_at) for r, row in before.items()}
    assert after[RecordRef("company", company)].origin == "manual"
    assert after[RecordRef("company", company)].created_by == str(user)


async def test_a_removed_link_stays_removed_and_a_manual_refiling_revives_it(world):
    company = RecordRef("company", await world.company("kunde.example"))
    mail, parsed = await world.store(sender="a@kunde.example")
    await auto_match(world, [(mail, parsed)])
    user = await world.user(manager=True)
    view = await remove(world, user, mail.id, company)
    assert view.links == []
    for _ in range(2):
        await rematch(world, [mail.id])
        await auto_match(world, [(mail, parsed)])
    row = (await link_rows(world, mail.id))[company]
    assert row.removed_at is not None and row.removed_by == str(user) and row.origin == "auto"
    assert await in_force(world, mail.id) == {}
    with pytest.raises(NotFound):  # removing again: nothing in force
        await remove(world, user, mail.id, company)

    await file(world, user, [mail.id], [company])
    assert await in_force(world, mail.id) == {company: "manual"}
    await file(world, user, [mail.id], [company])  # idempotent: no second event
    events = await _events(world, mail.id)
    assert [kind for kind, _ in events] == ["kontor.mail.mail.link_removed", "kontor.mail.mail.filed"]
    assert all(mail.subject not in str(payload) and mail.text not in str(payload) for _, payload in events)


async def test_filing_many_mails_to_many_records_at_once(world):
    user = await world.user(manager=True)
    mails = [(await world.store())[0] for _ in range(3)]
    records = [RecordRef("deal", uuid.uuid4()), RecordRef("project", uuid.uuid4())]
    filed = await file(world, user, [m.id for m in mails], records)
    assert [v.mail.id for v in filed] == [m.id for m in mails]
    for view in filed:
        assert sorted(RecordRef(link.record_type, link.record_id) for link in view.links) == sorted(records)
        assert {link.origin for link in view.links} == {"manual"}


async def test_filing_needs_records_and_mails(world):
    user = await world.user(manager=True)
    mail, _ = await world.store()
    with pytest.raises(InvalidArgument) as exc:
        await file(world, user, [mail.id], [])
    assert exc.value.field == "records"
    with pytest.raises(InvalidArgument) as exc:
        await file(world, user, [], [RecordRef("deal", uuid.uuid4())])
    assert exc.value.field == "mail_ids"


OPS = st.lists(st.tuples(st.sampled_from(["auto", "manual", "remove"]), st.integers(min_value=0, max_value=2)),
               min_size=1, max_size=12)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=OPS)
async def test_automatic_matching_never_recreates_a_removed_link_or_changes_a_manual_one(world, ops):
    """Random sequences of auto-match / manual filing / removal over three records of one mail: after every
    automatic step, each removed link is still removed and each manual link unchanged."""
    note(f"ops={ops}")
    domain = f"{uuid.uuid4().hex[:8]}.example"
    companies = [RecordRef("company", await world.company(domain)) for _ in range(3)]
    mail, parsed = await world.store(sender=f"a@{domain}")
    user = await world.user(manager=True)
    for op, index in ops:
        record = companies[index]
        before = await link_rows(world, mail.id)
        if op == "auto":
            await auto_match(world, [(mail, parsed)])
            after = await link_rows(world, mail.id)
            for ref, row in before.items():
                new = after[ref]
                assert (new.origin, new.created_by, new.removed_at, new.removed_by) == \
                    (row.origin, row.created_by, row.removed_at, row.removed_by)
            assert set(after) == set(companies)  # and it adds what had no row
        elif op == "manual":
            await file(world, user, [mail.id], [record])
            row = (await link_rows(world, mail.id))[record]
            assert (row.origin, row.removed_at) == ("manual", None)
        elif before.get(record) is not None and before[record].removed_at is None:
            await remove(world, user, mail.id, record)
            assert (await link_rows(world, mail.id))[record].removed_at is not None
