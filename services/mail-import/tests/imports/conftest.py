"""Import scenarios: the real importer against a real PostgreSQL and a real IMAP server (pymap, not ours; both
tests/conftest.py's) through the real ImapMailProvider. Every test has its own tenant and its own folders."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import pytest
from imapclient import IMAPClient
from sqlalchemy import func, select

from kontor.devstack.imap_server import ImapServer
from kontor.platform.blobs import FilesystemBlobStore
from kontor.platform.db import Database

from kontor.mail_import.accounts.models import MailAccount
from kontor.mail_import.imap.config import ImapAccount
from kontor.mail_import.imports import round as import_round
from kontor.mail_import.imports.models import ImportState, QuarantinedMessage
from kontor.mail_import.mails.models import Mail, MailboxReference
from kontor.mail_import.providers.imap import ImapMailProvider


@pytest.fixture
def blobs(blob_store) -> FilesystemBlobStore:
    return blob_store  # the name the import worlds take it by


def imap_settings(pymap: ImapServer) -> ImapAccount:
    return ImapAccount(host=pymap.host, port=pymap.port, username=pymap.user, password=pymap.password,
                       security="none", timeout_s=120)


@dataclass
class Mailbox:
    """One mail account of the test tenant whose import folder is a folder of its own on pymap."""

    world: World
    account_id: uuid.UUID
    folder: str

    def provider(self) -> ImapMailProvider:
        return ImapMailProvider(imap_settings(self.world.pymap), smtp=None)

    async def run(self, batch_size: int = 10, **kwargs) -> import_round.RoundReport:
        async with self.provider() as provider:
            return await import_round.run_round(self.world.db, provider, tenant_id=self.world.tenant_id,
                                                account_id=self.account_id, blobs=self.world.blobs,
                                                batch_size=batch_size, **kwargs)

    def deliver(self, *messages: bytes) -> None:
        self.world.append(self.folder, *messages)

    async def state(self) -> ImportState:
        async with self.world.db.unit_of_work(self.world.tenant_id) as session:
            return await session.get(ImportState, self.account_id)

    async def refs(self, *, live: bool = True) -> list[str]:
        async with self.world.db.unit_of_work(self.world.tenant_id) as session:
            query = select(MailboxReference.ref).where(MailboxReference.account_id == self.account_id)
            if live:
                query = query.where(MailboxReference.gone_at.is_(None))
            return list(await session.scalars(query))

    async def quarantined(self) -> list[QuarantinedMessage]:
        async with self.world.db.unit_of_work(self.world.tenant_id) as session:
            return list(await session.scalars(select(QuarantinedMessage).where(
                QuarantinedMessage.account_id == self.account_id, QuarantinedMessage.gone_at.is_(None))))


@dataclass
class World:
    db: Database
    pymap: ImapServer
    blobs: FilesystemBlobStore
    tenant_id: uuid.UUID = field(default_factory=uuid.uuid4)
    suffix: str = field(default_factory=lambda: uuid.uuid4().hex[:8])

    def client(self) -> IMAPClient:
        client = IMAPClient(self.pymap.host, port=self.pymap.port, ssl=False, timeout=120)  # 2 shared cores
        client.login(self.pymap.user, self.pymap.password)
        return client

    def append(self, folder: str, *messages: bytes) -> None:
        client = self.client()
        try:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            for raw in messages:
                client.append(folder, raw)
        finally:
            client.logout()

    async def mailbox(self, name: str, address: str | None = None) -> Mailbox:
        folder = f"{name}-{self.suffix}"
        self.append(folder)  # creates it
        account_id = uuid.uuid4()
        address = address or f"{name.lower()}-{self.suffix}@kontor.example"
        async with self.db.unit_of_work(self.tenant_id) as session:
            session.add(MailAccount(id=account_id, tenant_id=self.tenant_id, kind="personal",
                                    owner_user_id=uuid.uuid4(), provider="imap", address=address,
                                    address_key=address.lower(), settings={}, import_folder=folder,
                                    created_by="test", version=1))
        return Mailbox(self, account_id, folder)

    async def count(self, model) -> int:
        async with self.db.unit_of_work(self.tenant_id) as session:
            return await session.scalar(select(func.count()).select_from(model)) or 0

    async def mails(self) -> int:
        return await self.count(Mail)


@pytest.fixture
def world(db, pymap, blobs) -> World:
    return World(db, pymap, blobs)


@pytest.fixture
def settings_for(settings_for):
    """tests/conftest.py's settings (other services' addresses point nowhere), with small import batches."""
    return lambda **overrides: settings_for(**({"import_batch_size": 5} | overrides))
