"""The round around the real IMAP provider when things go wrong (a forgotten cursor, throttling, a refused
sign-in), and the automatic filing call site (the real contacts answers MatchAddresses)."""

from __future__ import annotations

import uuid

import pytest

from sqlalchemy import select

from kontor.platform.groupware.errors import CursorExpired, Throttled
from kontor.platform.outbox import OutboxEvent
from kontor.platform.secrets_box import SecretBox, generate_key, parse_keys

from kontor.mail_import.accounts.connect import seal_credential
from kontor.mail_import.accounts.models import AccountCredential, MailAccount
from kontor.mail_import.contacts_client import ContactsClient, MatchingUnavailable
from kontor.mail_import.imports import round as import_round
from kontor.mail_import.imports.models import ImportLogEntry
from kontor.mail_import.imports.runner import Importer, import_account
from kontor.mail_import.mails.models import MailLink

from ..real_services import down_address  # noqa: TID252
from .real_world import contacts_database_url, contacts_service, world  # noqa: F401 - fixtures
from .test_round import message


class Faulty:
    """The real provider, with one fault injected into ``next_batch`` (like tests/sync/faults.py)."""

    def __init__(self, inner, *, expire_cursor_once: bool = False, throttle: float | None = None):
        self.inner, self.expire_cursor_once, self.throttle = inner, expire_cursor_once, throttle
        self.server_rules = False

    def __getattr__(self, name):
        return getattr(self.inner, name)

    async def next_batch(self, folder_id, cursor, batch_size):
        if self.throttle is not None:
            raise Throttled("slow down", retry_after=self.throttle)
        if self.expire_cursor_once and cursor is not None:
            self.expire_cursor_once = False
            raise CursorExpired("cursor forgotten")
        return await self.inner.next_batch(folder_id, cursor, batch_size)


async def _run(world, box, provider, **kwargs):
    return await import_round.run_round(world.db, provider, tenant_id=world.tenant_id, account_id=box.account_id,
                                        blobs=world.blobs, batch_size=kwargs.pop("batch_size", 3), **kwargs)


async def test_a_forgotten_cursor_reads_the_folder_again_without_doubling(world):
    box = await world.mailbox("Import")
    box.deliver(*(message(n) for n in range(5)))
    await box.run()
    box.deliver(message(5), message(6))

    async with box.provider() as inner:
        report = await _run(world, box, Faulty(inner, expire_cursor_once=True))

    assert report.cursor_expired and report.state == "healthy"
    assert (report.imported, report.skipped) == (2, 5)
    assert await world.mails() == 7 and len(await box.refs()) == 7
    async with world.db.unit_of_work(world.tenant_id) as session:
        codes = list(await session.scalars(select(ImportLogEntry.code).where(
            ImportLogEntry.account_id == box.account_id)))
    assert "import.cursor_expired" in codes


async def test_throttling_keeps_the_cursor_and_sets_retry_at(world):
    box = await world.mailbox("Import")
    box.deliver(message(1))
    await box.run()
    cursor = (await box.state()).cursor

    async with box.provider() as inner:
        report = await _run(world, box, Faulty(inner, throttle=120))

    state = await box.state()
    assert (report.outcome, state.state, state.cursor) == ("throttled", "throttled", cursor)
    assert (state.retry_at - state.last_attempt_at).total_seconds() == 120


async def test_a_refused_sign_in_is_needs_auth_with_a_readable_log_line(world, settings_for):
    box = await world.mailbox("Import")
    box_secret = SecretBox(parse_keys(generate_key()))
    async with world.db.unit_of_work(world.tenant_id) as session:
        account = await session.get(MailAccount, box.account_id)
        account.settings = {"host": world.pymap.host, "port": world.pymap.port, "security": "none",
                            "username": world.pymap.user}
        session.add(AccountCredential(tenant_id=world.tenant_id, account_id=account.id, kind="password",
                                      sealed=seal_credential(box_secret, account, "password", b"wrong password")))
    importer = Importer(world.db, settings_for(), box_secret, world.blobs)

    report = await import_account(importer, tenant_id=world.tenant_id, account_id=box.account_id)

    state = await box.state()
    assert (report.outcome, state.state) == ("needs_auth", "needs_auth")
    async with world.db.unit_of_work(world.tenant_id) as session:
        line = await session.scalar(select(ImportLogEntry).where(ImportLogEntry.account_id == box.account_id))
    assert line.code == "import.needs_auth" and "wrong password" not in line.message

    # With the right password the same stored account imports.
    async with world.db.unit_of_work(world.tenant_id) as session:
        account = await session.get(MailAccount, box.account_id)
        (await session.get(AccountCredential, box.account_id)).sealed = seal_credential(
            box_secret, account, "password", world.pymap.password.encode())
    box.deliver(message(1))
    report = await import_account(importer, tenant_id=world.tenant_id, account_id=box.account_id)
    assert (report.outcome, report.state, report.imported) == ("ok", "healthy", 1)


async def test_new_mail_is_filed_automatically_and_the_event_names_the_records(world):
    box = await world.mailbox("Import", address="sales@kontor.example")
    owner = await world.owner_of(box)
    company = await world.contacts_tenant.company(assigned=[owner])  # private: the owner sees it, works on it
    person = await world.contacts_tenant.person(company, "anna@customer.example")
    box.deliver(message(1), message(2, sender="nobody@elsewhere.example"))

    with world.acting_as(owner):  # the round's background identity: the account's owner
        report = await box.run(matching=import_round.Matching(world.contacts, b"k" * 32))

    asked = [list(r.addresses) for r in world.calls.requests["MatchAddresses"]]
    assert report.imported == 2 and report.unfiled == 0
    assert len(asked) == 1  # one lookup for the whole batch
    assert "sales@kontor.example" not in asked[0]  # the mailbox's own address is no customer
    async with world.db.unit_of_work(world.tenant_id) as session:
        links = {(link.record_type, link.record_id, link.origin) for link in await session.scalars(select(MailLink))}
        events = [e.payload for e in await session.scalars(select(OutboxEvent).where(
            OutboxEvent.tenant_id == world.tenant_id))]
    assert links == {("contact_person", person, "auto"), ("company", company, "auto")}
    filed = [e["data"] for e in events if e["data"].get("records")]
    assert len(events) == 2 and len(filed) == 1
    assert filed[0]["fromContactPersonIds"] == [str(person)]


async def test_mail_is_stored_unfiled_when_contacts_is_down(world):
    box = await world.mailbox("Import")
    box.deliver(message(1), message(2))
    down = ContactsClient.connect(down_address(), timeout_s=2)  # nothing listens there: contacts is down

    try:
        with world.acting_as(await world.owner_of(box)):
            report = await box.run(matching=import_round.Matching(down, b"k" * 32))
    finally:
        await down.close()

    assert (report.imported, report.unfiled, report.state) == (2, 2, "healthy")
    assert await world.mails() == 2


async def test_contacts_is_asked_as_the_accounts_user_and_without_a_token_matching_waits():
    from kontor.platform.auth import Principal, current_principal
    from kontor.platform.errors import Unavailable

    from kontor.mail_import.imports.identity import OwnerContacts

    tenant, user = uuid.uuid4(), uuid.uuid4()
    seen = []

    class Inner:
        async def match_addresses(self, addresses):
            seen.append((current_principal().subject, list(addresses)))
            return {}

        async def employee_addresses(self):
            seen.append((current_principal().subject, "employees"))
            return set()

    class Tokens:
        def __init__(self, fail=False):
            self.fail = fail

        async def principal(self, tenant_id, user_id):
            if self.fail:
                raise Unavailable("gateway down")
            return Principal(subject=str(user_id), tenant_id=tenant_id, roles=("sales_rep",), token="delegated")

    owner = OwnerContacts(Inner(), Tokens(), tenant_id=tenant, user_id=user)
    await owner.match_addresses(["a@b.example"])
    await owner.employee_addresses()
    assert seen == [(str(user), ["a@b.example"]), (str(user), "employees")]

    with pytest.raises(MatchingUnavailable):
        await OwnerContacts(Inner(), Tokens(fail=True), tenant_id=tenant, user_id=user).match_addresses(["x@y.z"])
