"""Filter rule scenarios against real servers: PostgreSQL, pymap (IMAP, not ours) and the Graph emulator over
HTTPS (all of tests/conftest.py). contacts (rights, teams, managers) is tests/fake_contacts.py, as in tests/accounts.

Accounts are made through MailAccountService (sealed credentials, the real ``provider_opener``), so the rules
servicer opens the same providers the service would.
"""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest

from kontor.platform.auth import Principal, reset_principal, set_principal
from kontor.platform.blobs import FilesystemBlobStore
from kontor.protos.mail.v1 import accounts_pb2

from kontor.mail_import.accounts.connect import provider_opener
from kontor.mail_import.accounts.models import MailAccount
from kontor.mail_import.accounts.servicer import MailAccountServicer
from kontor.mail_import.imports import round as import_round
from kontor.mail_import.rules.servicer import FilterRuleServicer

from ..fake_contacts import FakeContacts  # noqa: TID252 - the test tree's shared stand-in


@dataclass
class World:
    db: object
    tenant: uuid.UUID
    contacts: FakeContacts
    accounts: MailAccountServicer
    rules: FilterRuleServicer
    opener: object
    blobs: FilesystemBlobStore
    manager: uuid.UUID = field(default_factory=uuid.uuid4)
    anna: uuid.UUID = field(default_factory=uuid.uuid4)  # sales rep in the support team
    bert: uuid.UUID = field(default_factory=uuid.uuid4)  # sales rep, no team
    support: uuid.UUID = field(default_factory=uuid.uuid4)

    def __post_init__(self) -> None:
        self.contacts.teams = {self.anna: {self.support}}
        self.contacts.managers = {self.manager}
        self.contacts.users = {self.manager, self.anna, self.bert}

    @contextmanager
    def acting_as(self, user: uuid.UUID):
        token = set_principal(Principal(subject=str(user), tenant_id=self.tenant, roles=("sales_rep",), token="t"))
        try:
            yield
        finally:
            reset_principal(token)

    async def account(self, user: uuid.UUID, request: accounts_pb2.CreateAccountRequest) -> accounts_pb2.MailAccount:
        with self.acting_as(user):
            return await self.accounts.CreateAccount(request, None)

    async def load(self, account_id: str) -> MailAccount:
        async with self.db.unit_of_work(self.tenant) as session:
            return await session.get(MailAccount, uuid.UUID(account_id))

    async def import_round(self, account_id: str) -> import_round.RoundReport:
        """One real import round (rules first, then the import folder) with the account's own provider."""
        account = await self.load(account_id)
        async with self.opener(account) as provider:
            return await import_round.run_round(self.db, provider, tenant_id=self.tenant, account_id=account.id,
                                                blobs=self.blobs, batch_size=20)


@pytest.fixture
def world(db, box, settings, blob_store) -> World:
    contacts = FakeContacts()
    opener = provider_opener(db, box, settings)
    return World(db=db, tenant=uuid.uuid4(), contacts=contacts,
                 accounts=MailAccountServicer(db, contacts, box, settings),
                 rules=FilterRuleServicer(db, contacts, opener), opener=opener, blobs=blob_store)
