"""The account servicer tests' callers on the real contacts service (tests/real_services.py): a contacts tenant with
a manager (org manager), Anna (sales rep in the support team) and Bert (sales rep, no team), and a second tenant;
rights, teams, users and "sees everything" are contacts' answers. The database, settings and box are
tests/conftest.py's.

Test modules take the fixtures by importing them:
``from .real_world import contacts_database_url, contacts_service, servicer, world  # noqa: F401``.
Service-level tests (test_service.py) call with ``world.caller(user)``, the Caller an edge would build.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

from kontor.platform.auth import current_principal

from kontor.mail_import.accounts.servicer import MailAccountServicer
from kontor.mail_import.contacts_client import ContactsClient
from kontor.mail_import.edge import Caller

from ..real_services import ContactsTenant, contacts_database_url, contacts_service  # noqa: TID252

__all__ = ["World", "contacts_database_url", "contacts_service", "servicer", "world"]


@dataclass
class World:
    contacts_tenant: ContactsTenant
    tenant: uuid.UUID
    other_tenant: uuid.UUID
    contacts: ContactsClient  # calls carry the current principal's token, as in the service
    manager: uuid.UUID
    anna: uuid.UUID  # sales rep in the support team
    bert: uuid.UUID  # sales rep, no team
    support: uuid.UUID  # team

    @contextmanager
    def acting_as(self, user: uuid.UUID, tenant: uuid.UUID | None = None):
        with self.contacts_tenant.acting_as(user, tenant or self.tenant):
            yield

    @contextmanager
    def caller(self, user: uuid.UUID, tenant: uuid.UUID | None = None, *,
               contacts: ContactsClient | None = None) -> Iterator[Caller]:
        """The Caller the edge builds for ``user``'s request; contacts calls carry the principal's token, so
        service calls with it belong inside the block. ``contacts``: another client (e.g. with a CallRecorder)."""
        contacts = contacts or self.contacts
        with self.acting_as(user, tenant):
            yield Caller(principal=current_principal(), sight=contacts.sight(), contacts=contacts)


@pytest.fixture
async def world(contacts_service):
    tenant = await contacts_service.new_tenant()
    other = await contacts_service.new_tenant()
    support = await tenant.team("Support")
    w = World(contacts_tenant=tenant, tenant=tenant.id, other_tenant=other.id, contacts=contacts_service.client(),
              manager=await tenant.user("org_manager"), anna=await tenant.user("sales_rep", teams=[support]),
              bert=await tenant.user("sales_rep"), support=support)
    yield w
    await w.contacts.close()


@pytest.fixture
def servicer(db, world, box, settings) -> MailAccountServicer:
    """The gRPC servicer with the real database, the test's box and tests/conftest.py's settings."""
    return MailAccountServicer(db, world.contacts, box, settings)
