"""Who sees a filed mail: through a visible record, through a mailbox they use, as a manager; nobody else,
and never another tenant. Service level, plus the gRPC edge's rights and download."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from kontor.platform.errors import NotFound, PermissionDenied
from kontor.protos.mail.v1 import mails_pb2

from kontor.mail_import.mails import service
from kontor.mail_import.mails.schemas import RecordRef
from kontor.mail_import.mails.servicer import MailServicer

from .helpers import file
from .real_world import contacts_database_url, contacts_service, world  # noqa: F401 - fixtures


async def _get(world, user_id, mail_id, tenant_id=None):
    async with world.viewer(user_id, tenant_id) as (session, viewer):
        return await service.get_mail(session, viewer, mail_id)


async def test_a_linked_record_the_caller_sees_makes_the_mail_visible(world):
    company = await world.company("kunde.example")
    mail, _ = await world.store()
    await file(world, await world.user(manager=True), [mail.id], [RecordRef("company", company)])
    sees = await world.user(sees={company})
    blind = await world.user()
    assert (await _get(world, sees, mail.id)).mail.id == mail.id
    with pytest.raises(NotFound):
        await _get(world, blind, mail.id)


async def test_a_deal_link_counts_for_callers_with_the_mail_right(world):
    mail, _ = await world.store()
    await file(world, await world.user(manager=True), [mail.id], [RecordRef("deal", uuid.uuid4())])
    assert (await _get(world, await world.user(), mail.id)).mail.id == mail.id


async def test_a_removed_link_no_longer_makes_the_mail_visible(world):
    company = RecordRef("company", await world.company("kunde.example"))
    mail, _ = await world.store()
    manager = await world.user(manager=True)
    await file(world, manager, [mail.id], [company])
    sees = await world.user(sees={company.id})
    await _get(world, sees, mail.id)
    async with world.viewer(manager) as (session, viewer):
        await service.remove_link(session, viewer, mail_id=mail.id, record=company)
    with pytest.raises(NotFound):
        await _get(world, sees, mail.id)


async def test_the_users_of_a_mailbox_see_its_mail_without_any_link(world):
    team, other_team = await world.tenant.team(), await world.tenant.team()
    shared = await world.add_account(kind="shared", team_id=team, address="support@kontor.example")
    mail, _ = await world.store(account=shared)
    member, outsider = await world.user(team_ids={team}), await world.user(team_ids={other_team})
    view = await _get(world, member, mail.id)
    assert view.account_ids == [shared.id] and view.links == []
    with pytest.raises(NotFound):
        await _get(world, outsider, mail.id)
    own, _ = await world.store()  # the world's personal account
    assert (await _get(world, world.owner, own.id)).account_ids == [world.account.id]
    with pytest.raises(NotFound):
        await _get(world, member, own.id)


async def test_managers_see_every_mail_of_their_tenant_and_no_other(world):
    mail, _ = await world.store()
    manager = await world.user(manager=True)
    view = await _get(world, manager, mail.id)
    assert view.account_ids == [world.account.id]  # managers use every mailbox (accounts/service.py)
    with pytest.raises(NotFound):
        await _get(world, manager, mail.id, tenant_id=uuid.uuid4())
    with pytest.raises(NotFound):  # nor file another tenant's mail
        async with world.viewer(manager, uuid.uuid4()) as (session, viewer):
            await service.file_mails(session, viewer, mail_ids=[mail.id], records=[RecordRef("deal", uuid.uuid4())])


async def test_a_record_lists_its_mails_newest_first_in_pages_when_visible(world):
    company = await world.company("kunde.example")
    record = RecordRef("company", company)
    mails = [(await world.store(sent_at=datetime(2026, 3, day, tzinfo=UTC)))[0] for day in (5, 1, 9)]
    other, _ = await world.store()
    manager = await world.user(manager=True)
    await file(world, manager, [m.id for m in mails], [record])
    await file(world, manager, [other.id], [RecordRef("deal", uuid.uuid4())])
    sees = await world.user(sees={company})
    pages, token = [], ""
    while True:
        async with world.viewer(sees) as (session, viewer):
            found, token = await service.list_record_mails(session, viewer, record, page_size=2, page_token=token)
        pages.append([v.mail.id for v in found])
        if not token:
            break
    assert pages == [[mails[2].id, mails[0].id], [mails[1].id]]
    with pytest.raises(NotFound):
        async with world.viewer(await world.user()) as (session, viewer):
            await service.list_record_mails(session, viewer, record, page_size=0, page_token="")


async def test_filing_to_a_record_the_caller_cannot_see_names_it(world):
    visible, hidden = await world.company("a.example"), await world.company("b.example")
    mail, _ = await world.store()
    user = await world.user(sees={visible})
    with pytest.raises(NotFound) as exc:
        await file(world, user, [mail.id], [RecordRef("company", visible), RecordRef("company", hidden)])
    assert str(hidden) in str(exc.value)
    # Nothing was filed, not even to the visible record, and the mail stays invisible to the user.
    with pytest.raises(NotFound):
        await _get(world, user, mail.id)


async def test_the_edge_checks_the_mail_right_and_streams_parts(world, blob_store):
    raw = b"Subject: x\r\n\r\n" + b"a" * (2 * 1024 * 1024 + 10)
    stored = await blob_store.put(str(world.tenant_id), raw)
    mail, _ = await world.store()
    async with world.db.unit_of_work(world.tenant_id) as session:
        row = await session.get(type(mail), mail.id)
        row.raw_address, row.size = stored.address, len(raw)
    servicer = MailServicer(world.db, world.contacts, blob_store)
    with world.as_user(world.owner):
        got = await servicer.GetMail(mails_pb2.GetMailRequest(id=str(mail.id)), None)
        assert got.id == str(mail.id) and list(got.account_ids) == [str(world.account.id)]
        parts = [p async for p in servicer.DownloadMailPart(
            mails_pb2.DownloadMailPartRequest(mail_id=str(mail.id)), None)]
    assert parts[0].attachment.content_type == "message/rfc822" and parts[0].attachment.size == len(raw)
    chunks = [p.chunk for p in parts[1:]]
    assert b"".join(chunks) == raw and max(len(c) for c in chunks) <= 1024 * 1024
    await world.tenant.set_rights("technician", "mail", {"read"})  # the tenant lets technicians only read mail
    reader = await world.user(role="technician")
    with world.as_user(reader), pytest.raises(PermissionDenied):
        await servicer.FileMails(mails_pb2.FileMailsRequest(
            mail_ids=[str(mail.id)], records=[mails_pb2.RecordRef(type="deal", id=str(uuid.uuid4()))]), None)
