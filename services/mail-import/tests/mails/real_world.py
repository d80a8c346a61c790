"""The filing tests' world on the real contacts service (tests/real_services.py): one contacts tenant per test,
whose users, teams, companies and contact persons are contacts' own rows, and mail-import's real PostgreSQL.

Test modules take the fixtures by importing them: ``from .real_world import contacts_service, world  # noqa``.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from kontor.platform.auth import current_principal

from kontor.mail_import.accounts.models import MailAccount
from kontor.mail_import.contacts_client import ContactsClient
from kontor.mail_import.mails import dedup
from kontor.mail_import.mails.models import Mail
from kontor.mail_import.mails.visibility import MailViewer
from kontor.mail_import.mime.model import Address, ParsedMail

from ..real_services import (  # noqa: TID252 - the test tree's shared real services
    CallRecorder, ContactsTenant, contacts_database_url, contacts_service, down_address,
)

__all__ = ["World", "contacts_database_url", "contacts_service", "parsed_mail", "world"]


@dataclass
class World:
    """One tenant: an importing account (owned by ``owner``, a user in contacts) and helpers to arrange contacts'
    records, store mails and act as users."""

    db: object
    tenant: ContactsTenant
    contacts: ContactsClient
    recorder: CallRecorder
    owner: uuid.UUID
    account: MailAccount | None = None

    @property
    def tenant_id(self) -> uuid.UUID:
        return self.tenant.id

    @property
    def match_calls(self) -> list[list[str]]:
        """The addresses of each MatchAddresses call mail-import made, in order."""
        return [list(r.addresses) for r in self.recorder.requests["MatchAddresses"]]

    # ---- contacts' side ---------------------------------------------------------------------------------

    async def user(self, *, manager: bool = False, role: str | None = None, sees: Iterable[uuid.UUID] = (),
                   team_ids: Iterable[uuid.UUID] = ()) -> uuid.UUID:
        """A user of the tenant: an org manager (sees everything) or by default a sales rep assigned to the
        companies in ``sees`` (so they see those and their persons, nothing else that is private)."""
        user_id = await self.tenant.user(role or ("org_manager" if manager else "sales_rep"), teams=team_ids)
        for company_id in sees:
            await self.tenant.assign(company_id, user_id)
        return user_id

    async def company(self, domain: str | None = None, *, access_level: str = "private") -> uuid.UUID:
        """A private company, found by ``domain`` (its website's) when given."""
        return await self.tenant.company(website=domain or "", access_level=access_level)

    async def person(self, address: str, company_id: uuid.UUID) -> uuid.UUID:
        return await self.tenant.person(company_id, address)

    async def employee(self, address: str) -> uuid.UUID:
        """A colleague: a user of the tenant with this address."""
        return await self.tenant.user(email=address)

    @contextlib.asynccontextmanager
    async def contacts_down(self):
        """contacts unreachable while inside: ``contacts`` points where nothing listens."""
        working, self.contacts = self.contacts, ContactsClient.connect(down_address(), timeout_s=2)
        try:
            yield
        finally:
            await self.contacts.close()
            self.contacts = working

    # ---- callers ----------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def as_user(self, user_id: uuid.UUID, tenant_id: uuid.UUID | None = None):
        with self.tenant.acting_as(user_id, tenant_id):
            yield

    @contextlib.asynccontextmanager
    async def viewer(self, user_id: uuid.UUID, tenant_id: uuid.UUID | None = None):
        with self.as_user(user_id, tenant_id):
            async with self.db.unit_of_work(tenant_id or self.tenant_id) as session:
                yield session, MailViewer(session, principal=current_principal(), contacts=self.contacts)

    # ---- mail-import's side -----------------------------------------------------------------------------

    async def add_account(self, *, kind: str = "personal", owner: uuid.UUID | None = None,
                          team_id: uuid.UUID | None = None, address: str | None = None) -> MailAccount:
        address = address or f"{uuid.uuid4().hex[:8]}@kontor.example"
        account = MailAccount(id=uuid.uuid4(), tenant_id=self.tenant_id, kind=kind, owner_user_id=owner,
                              team_id=team_id, provider="imap", address=address, address_key=address.lower(),
                              import_folder="CRM", created_by=str(owner or self.owner), settings={})
        async with self.db.unit_of_work(self.tenant_id) as session:
            session.add(account)
        return account

    async def store(self, *, sender: str = "someone@elsewhere.example", to: tuple[str, ...] = (),
                    cc: tuple[str, ...] = (), message_id: str | None = None, in_reply_to: tuple[str, ...] = (),
                    references: tuple[str, ...] = (), account: MailAccount | None = None,
                    sent_at: datetime | None = None) -> tuple[Mail, ParsedMail]:
        """A mail as the importer stores it (dedup.store_mail + add_reference), with a reference in ``account``."""
        account = account or self.account
        parsed = parsed_mail(sender=sender, to=to, cc=cc, message_id=message_id, in_reply_to=in_reply_to,
                             references=references, sent_at=sent_at)
        async with self.db.unit_of_work(self.tenant_id) as session:
            mail, _ = await dedup.store_mail(session, tenant_id=self.tenant_id, parsed=parsed,
                                             raw_address="sha256:" + "0" * 64, size=100)
            await dedup.add_reference(session, mail, account.id, "CRM", uuid.uuid4().hex, 100)
        return mail, parsed


_counter = iter(range(10**9))


def parsed_mail(*, sender: str, to=(), cc=(), message_id=None, in_reply_to=(), references=(),
                sent_at=None) -> ParsedMail:
    n = next(_counter)
    return ParsedMail(
        content_hash=f"sha256:{uuid.uuid4().hex}{uuid.uuid4().hex}",
        message_id=message_id or f"<m{n}.{uuid.uuid4().hex}@x.example>",
        from_addresses=(Address(sender),), to=tuple(Address(a) for a in to), cc=tuple(Address(a) for a in cc),
        reply_to=(), invalid_addresses=(), subject=f"mail {n}",
        date=sent_at or datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=n),
        in_reply_to=tuple(in_reply_to), references=tuple(references), text=f"text {n}", attachments=(),
        attached_messages=())


@pytest.fixture
async def world(db, contacts_service):
    tenant = await contacts_service.new_tenant()
    owner = await tenant.user("sales_rep")
    recorder = CallRecorder()
    client = contacts_service.client(recorder)
    w = World(db, tenant, client, recorder, owner)
    w.account = await w.add_account(owner=owner, address="owner@kontor.example")
    yield w
    await w.contacts.close()
