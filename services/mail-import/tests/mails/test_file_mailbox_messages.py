"""FileMails with messages of a mailbox: fetched raw through the account's provider, stored as the importer
stores them (one Mail, a reference), filed by hand; known messages are not fetched again."""

from __future__ import annotations

import contextlib
import uuid

import pytest
from sqlalchemy import select

from kontor.platform.errors import InvalidArgument, NotFound
from kontor.platform.outbox import OutboxEvent
from kontor.protos.mail.v1 import mails_pb2

from kontor.mail_import.mails.models import Mail, MailboxReference
from kontor.mail_import.mails.servicer import MailServicer

from .real_world import contacts_database_url, contacts_service, world  # noqa: F401 - fixtures

RAW = (b"From: Anna <anna@kunde.example>\r\nTo: owner@kontor.example\r\nSubject: Angebot\r\n"
       b"Message-ID: <offer-1@kunde.example>\r\nDate: Mon, 2 Mar 2026 09:00:00 +0100\r\n\r\nHallo\r\n")


class FakeProvider:
    def __init__(self, messages: dict[tuple[str, str], bytes], fetched: list):
        self.messages, self.fetched = messages, fetched

    async def raw_message(self, folder_id: str, ref: str) -> bytes:
        self.fetched.append((folder_id, ref))
        return self.messages[(folder_id, ref)]


@pytest.fixture
def mailbox(world, blob_store):
    messages = {("inbox", "m1"): RAW, ("inbox", "broken"): b""}
    fetched: list = []

    @contextlib.asynccontextmanager
    async def open_provider(account):
        assert account.id == world.account.id
        yield FakeProvider(messages, fetched)

    return MailServicer(world.db, world.contacts, blob_store, open_provider), fetched


def _request(account_id, ref, deal):
    return mails_pb2.FileMailsRequest(
        messages=[mails_pb2.MailboxMessageRef(account_id=str(account_id), folder_id="inbox", ref=ref)],
        records=[mails_pb2.RecordRef(type="deal", id=str(deal))])


async def test_a_mailbox_message_is_imported_once_and_filed(world, mailbox):
    servicer, fetched = mailbox
    deal = uuid.uuid4()
    with world.as_user(world.owner):
        first = await servicer.FileMails(_request(world.account.id, "m1", deal), None)
        again = await servicer.FileMails(_request(world.account.id, "m1", uuid.uuid4()), None)
    assert fetched == [("inbox", "m1")]  # the second filing found the stored reference
    assert first.mails[0].id == again.mails[0].id
    assert first.mails[0].message_id == "<offer-1@kunde.example>"
    assert [(link.record.type, link.record.id, link.origin) for link in first.mails[0].links] == \
        [("deal", str(deal), "manual")]
    assert len(again.mails[0].links) == 2
    async with world.db.unit_of_work(world.tenant_id) as session:
        refs = list(await session.scalars(select(MailboxReference).where(
            MailboxReference.mail_id == uuid.UUID(first.mails[0].id))))
        assert [(r.account_id, r.folder_id, r.ref) for r in refs] == [(world.account.id, "inbox", "m1")]
        mail = await session.get(Mail, uuid.UUID(first.mails[0].id))
    async with world.db.unit_of_work(None) as session:
        kinds = [e.event_type for e in await session.scalars(select(OutboxEvent).where(
            OutboxEvent.tenant_id == world.tenant_id)) if str(mail.id) in str(e.payload)]
    assert kinds.count("kontor.mail.mail.imported") == 1 and kinds.count("kontor.mail.mail.filed") == 2


async def test_a_mailbox_the_caller_does_not_use_is_not_found(world, mailbox):
    servicer, fetched = mailbox
    stranger = await world.user()
    with world.as_user(stranger), pytest.raises(NotFound):
        await servicer.FileMails(_request(world.account.id, "m1", uuid.uuid4()), None)
    assert fetched == []


async def test_an_unreadable_message_names_its_field_and_files_nothing(world, mailbox):
    servicer, _ = mailbox
    with world.as_user(world.owner), pytest.raises(InvalidArgument) as exc:
        await servicer.FileMails(_request(world.account.id, "broken", uuid.uuid4()), None)
    assert exc.value.field == "messages[0]"


async def test_bad_requests_name_their_field(world, mailbox):
    servicer, _ = mailbox
    with world.as_user(world.owner):
        for request, field in [
            (mails_pb2.FileMailsRequest(mail_ids=["nope"]), "mail_ids[0]"),
            (mails_pb2.FileMailsRequest(mail_ids=[str(uuid.uuid4())], records=[mails_pb2.RecordRef(type="invoice",
                                                                                                   id="x")]),
             "records[0].type"),
            (mails_pb2.FileMailsRequest(messages=[mails_pb2.MailboxMessageRef(account_id=str(uuid.uuid4()))],
                                        records=[mails_pb2.RecordRef(type="deal", id=str(uuid.uuid4()))]),
             "messages[0].folder_id"),
        ]:
            with pytest.raises(InvalidArgument) as exc:
                await servicer.FileMails(request, None)
            assert exc.value.field == field
