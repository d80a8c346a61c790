"""Import rounds (imports/round.py) through the real GraphMailProvider against the Graph emulator over HTTPS,
into PostgreSQL: a first import, a message moved out of the import folder, an expired delta token (410) and
throttling (429 with Retry-After), each without losing or doubling mail."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from kontor.platform.groupware.graph import LimitPolicy

from kontor.mail_import.accounts.models import MailAccount
from kontor.mail_import.imports import round as import_round
from kontor.mail_import.imports.models import ImportLogEntry, ImportState
from kontor.mail_import.mails.models import Mail, MailboxReference

from .conftest import FAST, make_provider


@dataclass
class GraphAccount:
    """A personal Graph account of a fresh test tenant whose import folder is the mailbox's folder "CRM"."""

    db: object
    blobs: object
    emulator: object
    handle: object
    outlook: object
    folder_id: str
    tenant_id: uuid.UUID
    account_id: uuid.UUID

    def deliver(self, n: int) -> dict:
        return self.outlook.deliver(folder=self.folder_id, subject=f"Angebot {n}", sender="kunde@customer.example",
                                    body=f"Angebot Nummer {n}.", message_id=f"<a{n}-{uuid.uuid4().hex}@customer.example>")

    async def run(self, *, policy: LimitPolicy = FAST, provider_wrapper=None, batch_size: int = 2):
        async with make_provider(self.emulator, self.handle, policy=policy) as provider:
            wrapped = provider_wrapper(provider) if provider_wrapper else provider
            return await import_round.run_round(self.db, wrapped, tenant_id=self.tenant_id,
                                                account_id=self.account_id, blobs=self.blobs, batch_size=batch_size)

    async def refs(self, *, live: bool = True) -> list[str]:
        async with self.db.unit_of_work(self.tenant_id) as session:
            query = select(MailboxReference.ref).where(MailboxReference.account_id == self.account_id)
            if live:
                query = query.where(MailboxReference.gone_at.is_(None))
            return sorted(await session.scalars(query))

    async def mails(self) -> int:
        async with self.db.unit_of_work(self.tenant_id) as session:
            return await session.scalar(select(func.count()).select_from(Mail)) or 0

    async def state(self) -> ImportState:
        async with self.db.unit_of_work(self.tenant_id) as session:
            return await session.get(ImportState, self.account_id)

    async def log_codes(self) -> list[str]:
        async with self.db.unit_of_work(self.tenant_id) as session:
            return list(await session.scalars(select(ImportLogEntry.code).where(
                ImportLogEntry.account_id == self.account_id).order_by(ImportLogEntry.id)))


@pytest.fixture
async def account(db, blob_store, emulator, graph_tenant, outlook) -> GraphAccount:
    folder = outlook.folder("CRM")
    tenant_id, account_id = uuid.uuid4(), uuid.uuid4()
    async with db.unit_of_work(tenant_id) as session:
        session.add(MailAccount(id=account_id, tenant_id=tenant_id, kind="personal", owner_user_id=uuid.uuid4(),
                                provider="graph", address=graph_tenant.upn, address_key=graph_tenant.upn.lower(),
                                settings={}, import_folder="CRM", created_by="test", version=1))
    return GraphAccount(db, blob_store, emulator, graph_tenant, outlook, folder["id"], tenant_id, account_id)


async def test_a_graph_folder_is_imported_and_a_message_moved_out_loses_its_reference(account):
    made = [account.deliver(n) for n in range(5)]
    account.outlook.deliver(subject="not in the import folder")  # the inbox

    report = await account.run()

    assert (report.outcome, report.state, report.imported, report.batches) == ("ok", "healthy", 5, 3)
    assert await account.refs() == sorted(m["immutableId"] for m in made)
    assert (report.reconciliation.folder_count, report.reconciliation.gap) == (5, 0)

    account.outlook.move(made[1]["immutableId"], "deleteditems")
    report = await account.run()

    assert (report.outcome, report.imported, report.gone) == ("ok", 0, 1)
    assert made[1]["immutableId"] not in await account.refs()
    assert made[1]["immutableId"] in await account.refs(live=False)  # marked gone, not deleted
    assert await account.mails() == 5  # the mail stays in the CRM
    assert report.reconciliation.folder_count == 4 and report.reconciliation.gap == 0


async def test_an_expired_delta_token_reads_the_folder_again_without_duplicates(account):
    made = [account.deliver(n) for n in range(3)]
    await account.run()
    made.append(account.deliver(3))
    account.outlook.expire_delta()  # the next use of the stored deltaLink answers 410

    report = await account.run()

    assert (report.outcome, report.state, report.cursor_expired) == ("ok", "healthy", True)
    assert (report.imported, report.skipped) == (1, 3)
    assert await account.mails() == 4 and await account.refs() == sorted(m["immutableId"] for m in made)
    assert "import.cursor_expired" in await account.log_codes()


async def test_short_throttling_is_waited_out_within_the_round(account):
    made = [account.deliver(n) for n in range(4)]
    account.outlook.throttle(inject={"status": 429, "count": 2, "retryAfter": 1})

    report = await account.run()

    assert (report.outcome, report.state, report.imported) == ("ok", "healthy", 4)
    assert await account.refs() == sorted(m["immutableId"] for m in made)


class ThrottledAfterFirstBatch:
    """The real provider; after the first delta page the mailbox throttles longer than a round waits."""

    def __init__(self, inner, outlook):
        self.inner, self.outlook, self.pages = inner, outlook, 0

    def __getattr__(self, name):
        return getattr(self.inner, name)

    async def next_batch(self, folder_id, cursor, batch_size):
        if self.pages == 1:
            self.outlook.throttle(inject={"status": 429, "count": 50, "retryAfter": 120})
        self.pages += 1
        return await self.inner.next_batch(folder_id, cursor, batch_size)


async def test_long_throttling_ends_the_round_and_the_next_round_loses_nothing(account):
    made = [account.deliver(n) for n in range(5)]
    patient_enough = LimitPolicy(max_attempts=2, backoff_base=0.01, backoff_cap=0.05, max_wait=5.0)

    report = await account.run(policy=patient_enough,
                               provider_wrapper=lambda inner: ThrottledAfterFirstBatch(inner, account.outlook))

    state = await account.state()
    assert (report.outcome, state.state, report.imported) == ("throttled", "throttled", 2)
    assert state.retry_at is not None and (state.retry_at - state.last_attempt_at).total_seconds() >= 120
    assert "next_link" in state.cursor  # the first page's cursor is kept

    account.outlook.throttle(inject={"status": 429, "count": 0, "retryAfter": 1})  # the server is calm again
    report = await account.run()

    assert (report.outcome, report.state, report.imported) == ("ok", "healthy", 3)
    assert await account.mails() == 5 and await account.refs() == sorted(m["immutableId"] for m in made)
    assert report.reconciliation.gap == 0
