"""Callers for the account tests (the database, settings and box are tests/conftest.py's).

contacts decides rights, teams and "sees everything"; here tests/fake_contacts.py answers what each test sets, so
the tests exercise mail-import's own rules (own / team / manager) against real PostgreSQL with row-level security.
"""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

from kontor.platform.auth import Principal, reset_principal, set_principal

from kontor.mail_import.accounts.servicer import MailAccountServicer
from kontor.mail_import.edge import Caller

from ..fake_contacts import FakeContacts  # noqa: TID252 - the test tree's shared stand-in


@dataclass
class World:
    tenant: uuid.UUID
    other_tenant: uuid.UUID
    contacts: FakeContacts
    manager: uuid.UUID
    anna: uuid.UUID  # sales rep in the support team
    bert: uuid.UUID  # sales rep, no team
    support: uuid.UUID  # team

    def principal(self, user: uuid.UUID, tenant: uuid.UUID | None = None) -> Principal:
        return Principal(subject=str(user), tenant_id=tenant or self.tenant, roles=("sales_rep",), token="t")

    def caller(self, user: uuid.UUID, tenant: uuid.UUID | None = None) -> Caller:
        principal = self.principal(user, tenant)
        token = set_principal(principal)
        try:
            sight = self.contacts.sight()
        finally:
            reset_principal(token)
        return Caller(principal=principal, sight=sight, contacts=self.contacts)

    @contextmanager
    def acting_as(self, user: uuid.UUID, tenant: uuid.UUID | None = None):
        token = set_principal(self.principal(user, tenant))
        try:
            yield
        finally:
            reset_principal(token)


@pytest.fixture
def world() -> World:
    manager, anna, bert, support = (uuid.uuid4() for _ in range(4))
    contacts = FakeContacts(teams={anna: {support}}, managers={manager}, users={manager, anna, bert})
    return World(tenant=uuid.uuid4(), other_tenant=uuid.uuid4(), contacts=contacts, manager=manager, anna=anna,
                 bert=bert, support=support)


@pytest.fixture
def servicer(db, world, box, settings) -> MailAccountServicer:
    """The gRPC servicer with the real database, the test's box and tests/conftest.py's settings."""
    return MailAccountServicer(db, world.contacts, box, settings)
