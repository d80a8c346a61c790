"""The mailbox tests' world on the real contacts service (tests/real_services.py): one contacts tenant per test
whose users (the owner in Europe/Berlin), teams and companies are contacts' own rows, so rights, visibility,
teams and follow-ups are contacts' answers. Mail servers, settings and the box come from tests/mailbox/conftest.py.

Test modules take the fixtures by importing them:
``from .real_world import contacts, contacts_calls, contacts_database_url, contacts_service, servicer, world``.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

import pytest

from kontor.devstack.imap_server import ImapServer
from kontor.platform.secrets_box import SecretBox

from kontor.mail_import.accounts.connect import provider_opener, seal_credential
from kontor.mail_import.accounts.models import AccountCredential, MailAccount
from kontor.mail_import.contacts_client import ContactsClient
from kontor.mail_import.mailbox.servicer import MailboxServicer

from ..real_services import (  # noqa: TID252
    CallRecorder, ContactsTenant, contacts_database_url, contacts_service,
)

__all__ = ["World", "contacts", "contacts_calls", "contacts_database_url", "contacts_service", "servicer", "world"]

# The role whose rights a test narrows (``World.user(rights=...)``); each test has a tenant of its own.
NARROWED_ROLE = "technician"


@dataclass
class World:
    db: object
    tenant: ContactsTenant
    box: SecretBox
    owner: uuid.UUID
    suffix: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    _narrowed: set[tuple[str, str]] | None = None

    @property
    def tenant_id(self) -> uuid.UUID:
        return self.tenant.id

    async def user(self, *, manager: bool = False, team_ids: Iterable[uuid.UUID] = (),
                   rights: set[tuple[str, str]] | None = None) -> uuid.UUID:
        """A user of the tenant: a sales rep (every mail and mail_account right), an org manager, or with
        ``rights`` exactly these on "mail" and "mail_account" (the tenant's rights for one role, in contacts)."""
        role = "org_manager" if manager else "sales_rep"
        if rights is not None:
            if self._narrowed not in (None, rights):
                raise AssertionError("one narrowed set of rights per test tenant")
            for entity_type in ("mail", "mail_account"):
                await self.tenant.set_rights(NARROWED_ROLE, entity_type,
                                             {action for entity, action in rights if entity == entity_type})
            self._narrowed, role = rights, NARROWED_ROLE
        return await self.tenant.user(role, teams=team_ids)

    async def team(self) -> uuid.UUID:
        return await self.tenant.team()

    async def record(self, *, visible_to: tuple[uuid.UUID, ...] = ()) -> uuid.UUID:
        """A private company, seen by the users named (assigned to it) and managers."""
        return await self.tenant.company(assigned=visible_to)

    @contextlib.contextmanager
    def as_user(self, user_id: uuid.UUID):
        with self.tenant.acting_as(user_id):
            yield

    def folder(self, name: str) -> str:
        return f"{name}-{self.suffix}"

    async def add_account(self, *, provider: str, address: str, settings: dict, kind: str, secret: str,
                          import_folder: str, owner: uuid.UUID | None = None, team_id: uuid.UUID | None = None,
                          display_name: str = "") -> MailAccount:
        account = MailAccount(id=uuid.uuid4(), tenant_id=self.tenant_id, kind="personal" if owner else "shared",
                              owner_user_id=owner, team_id=team_id, provider=provider, address=address,
                              address_key=address.lower(), display_name=display_name, settings=settings,
                              import_folder=import_folder, import_folder_id="", enabled=True,
                              created_by=str(owner or self.owner), version=1)
        async with self.db.unit_of_work(self.tenant_id) as session:
            session.add(account)
            await session.flush()
            session.add(AccountCredential(account_id=account.id, tenant_id=self.tenant_id, kind=kind,
                                          sealed=seal_credential(self.box, account, kind, secret.encode())))
        return account

    async def imap_account(self, pymap: ImapServer, smtp, *, owner: uuid.UUID | None = None,
                           team_id: uuid.UUID | None = None, address: str | None = None) -> MailAccount:
        settings = {"host": pymap.host, "port": pymap.port, "security": "none", "username": pymap.user,
                    "smtp_host": smtp.host, "smtp_port": smtp.port, "smtp_security": "none",
                    "sent_folder": self.folder("Sent")}
        return await self.add_account(provider="imap", address=address or f"owner-{self.suffix}@kontor.example",
                                      settings=settings, kind="password", secret=pymap.password,
                                      import_folder=self.folder("CRM"), owner=owner, team_id=team_id,
                                      display_name="Olga Owner")


@pytest.fixture
def contacts_calls() -> CallRecorder:
    """The requests mail-import sent to contacts in this test, by method."""
    return CallRecorder()


@pytest.fixture
async def contacts(contacts_service, contacts_calls):
    client: ContactsClient = contacts_service.client(contacts_calls)
    yield client
    await client.close()


@pytest.fixture
async def world(db, box, contacts_service) -> World:
    tenant = await contacts_service.new_tenant()
    owner = await tenant.user("sales_rep", time_zone="Europe/Berlin")
    return World(db, tenant, box, owner)


@pytest.fixture
def servicer(db, contacts, blob_store, box, settings) -> MailboxServicer:
    """The servicer without calendar-sync (as when none is configured); tests/mailbox/test_overview.py adds the
    real one."""
    return MailboxServicer(db, contacts, blob_store, provider_opener(db, box, settings), settings)
