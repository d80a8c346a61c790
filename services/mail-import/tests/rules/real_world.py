"""The rule tests' world on the real contacts service (tests/real_services.py): a contacts tenant with a manager
(org manager), Anna (sales rep in the support team) and Bert (sales rep, no team), all users of contacts, so
rights, teams and "sees everything" are contacts' answers. Real PostgreSQL, pymap and the Graph emulator come
from tests/conftest.py.

Test modules take the fixtures by importing them: ``from .real_world import contacts_service, world  # noqa``.
"""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

from kontor.platform.blobs import FilesystemBlobStore
from kontor.protos.mail.v1 import accounts_pb2

from kontor.mail_import.accounts.connect import provider_opener
from kontor.mail_import.accounts.models import MailAccount
from kontor.mail_import.accounts.servicer import MailAccountServicer
from kontor.mail_import.contacts_client import ContactsClient
from kontor.mail_import.imports import round as import_round
from kontor.mail_import.rules.servicer import FilterRuleServicer

from ..real_services import ContactsTenant, contacts_database_url, contacts_service  # noqa: TID252

__all__ = ["World", "contacts_database_url", "contacts_service", "world"]


@dataclass
class World:
    db: object
    tenant: uuid.UUID  # the tenant callers act in (a test may switch it to a foreign one)
    contacts_tenant: ContactsTenant
    contacts: ContactsClient
    accounts: MailAccountServicer
    rules: FilterRuleServicer
    opener: object
    blobs: FilesystemBlobStore
    manager: uuid.UUID
    anna: uuid.UUID
    bert: uuid.UUID
    support: uuid.UUID

    @contextmanager
    def acting_as(self, user: uuid.UUID):
        with self.contacts_tenant.acting_as(user, self.tenant):
            yield

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
async def world(db, box, settings, blob_store, contacts_service):
    tenant = await contacts_service.new_tenant()
    support = await tenant.team("Support")
    manager = await tenant.user("org_manager")
    anna = await tenant.user("sales_rep", teams=[support])
    bert = await tenant.user("sales_rep")
    contacts = contacts_service.client()
    opener = provider_opener(db, box, settings)
    yield World(db=db, tenant=tenant.id, contacts_tenant=tenant, contacts=contacts,
                accounts=MailAccountServicer(db, contacts, box, settings),
                rules=FilterRuleServicer(db, contacts, opener), opener=opener, blobs=blob_store,
                manager=manager, anna=anna, bert=bert, support=support)
    await contacts.close()
