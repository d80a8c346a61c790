"""The import tests' world with the real contacts service (tests/real_services.py): the tenant is a contacts
tenant and mailboxes are owned by contacts users, so rights, teams, address matching and "sees everything" are
contacts' answers. PostgreSQL, pymap and the importer come from tests/conftest.py and tests/imports/conftest.py.

Test modules take the fixtures by importing them:
``from .real_world import contacts_database_url, contacts_service, world  # noqa: F401``.
"""

from __future__ import annotations

import contextlib
import uuid

import pytest

from kontor.platform.auth import set_principal

from kontor.mail_import.accounts.models import MailAccount

from ..real_services import (  # noqa: TID252 - the test tree's shared real services
    CallRecorder, ContactsTenant, contacts_database_url, contacts_service,
)
from .conftest import Mailbox, World  # noqa: TID252 - this test package's world, extended here

__all__ = ["RealWorld", "contacts_database_url", "contacts_service", "world"]


class RealWorld(World):
    """``World`` whose tenant is a contacts tenant (``contacts_tenant``), with a contacts client (``contacts``,
    its requests in ``calls``) and mailboxes owned by contacts users."""

    contacts_tenant: ContactsTenant
    contacts: object  # ContactsClient
    calls: CallRecorder

    async def mailbox(self, name: str, address: str | None = None, *, role: str = "sales_rep") -> Mailbox:
        box = await super().mailbox(name, address)
        owner = await self.contacts_tenant.user(role)
        async with self.db.unit_of_work(self.tenant_id) as session:
            (await session.get(MailAccount, box.account_id)).owner_user_id = owner
        return box

    async def owner_of(self, box: Mailbox) -> uuid.UUID:
        async with self.db.unit_of_work(self.tenant_id) as session:
            return (await session.get(MailAccount, box.account_id)).owner_user_id

    @contextlib.contextmanager
    def acting_as(self, user: uuid.UUID):
        with self.contacts_tenant.acting_as(user):
            yield

    def act(self, user: uuid.UUID) -> None:
        """The caller for the rest of this test (each test runs in a task of its own, so it ends with the test)."""
        set_principal(self.contacts_tenant.principal(user))


@pytest.fixture
async def world(db, pymap, blobs, contacts_service):
    tenant = await contacts_service.new_tenant()
    w = RealWorld(db, pymap, blobs, tenant_id=tenant.id)
    w.contacts_tenant, w.calls = tenant, CallRecorder()
    w.contacts = contacts_service.client(w.calls)
    yield w
    await w.contacts.close()
