"""A server without credentials: its mailboxes go to needs_auth (not "failed"), the user hears of it, and once
an admin stores credentials the mailbox syncs on from its stored cursor."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from pydantic import SecretStr

from kontor.platform.auth import Principal
from kontor.platform.secrets_box import SecretBox

from kontor.calendar_sync.connectors import service as connectors
from kontor.calendar_sync.connectors.models import ConnectorSettings, ConnectorTenant, GroupwareServer
from kontor.calendar_sync.connectors.schemas import Credentials
from kontor.calendar_sync.sync import scheduler
from kontor.calendar_sync.sync.models import SyncLogEntry, SyncMailbox

from .conftest import outlook_event, soon

INTERVAL = timedelta(minutes=5)


async def _mailbox(world) -> tuple[ConnectorSettings, SyncMailbox, list[str]]:
    async with world.db.unit_of_work(world.tenant_id) as session:
        connector = await session.get(ConnectorSettings, world.connector_id)
        row = await session.get(SyncMailbox, world.connector_id)
        events = (await session.execute(sa.text("SELECT event_type FROM outbox"))).scalars().all()
    return connector, row, list(events)


async def test_missing_credentials_mark_the_mailbox_needs_auth_and_it_resumes_from_its_cursor(world):
    async with world.db.unit_of_work(None) as session:
        await session.execute(sa.insert(ConnectorTenant).values(tenant_id=world.tenant_id))
    async with world.db.unit_of_work(world.tenant_id) as session:  # the real provider factory signs in here
        server = await session.get(GroupwareServer, world.server_id)
        server.authority_url = world.graph.base_url
    box = SecretBox([os.urandom(32)])
    world.outlook_create(outlook_event("before", soon(1)))
    assert (await world.sync()).outcome == "ok"  # a first round through a provider made by hand: a cursor
    _, row, _ = await _mailbox(world)
    cursor, reconciled_at = row.delta_cursor, row.reconciled_at
    assert cursor and reconciled_at

    now = datetime.now(UTC) + INTERVAL + timedelta(seconds=1)
    totals = await scheduler.run_due(world.db, box, now=now, interval=INTERVAL)  # no credential row at all
    assert totals == {"needs_auth": 1}, totals
    connector, row, events = await _mailbox(world)
    assert connector.needs_reauthorisation and row.state == "needs_auth" and row.delta_cursor == cursor
    assert row.consecutive_failures == 0 and row.last_error == "needs_auth:no_credentials"
    assert any("reauthori" in t.lower() for t in events), events
    async with world.db.unit_of_work(world.tenant_id) as session:
        codes = (await session.scalars(sa.select(SyncLogEntry.code).where(
            SyncLogEntry.connector_id == world.connector_id))).all()
    assert "needs_auth" in codes and "failed" not in codes
    assert await scheduler.run_due(world.db, box, now=now + INTERVAL, interval=INTERVAL) == {}  # waits for a fix

    # An admin stores the app's secret: the flag clears and the next tick syncs on from the stored cursor.
    admin = Principal(subject=str(uuid.uuid4()), tenant_id=world.tenant_id, roles=("org_manager",))
    async with world.db.unit_of_work(world.tenant_id) as session:
        server = await session.get(GroupwareServer, world.server_id)
        await connectors.set_credentials(session, principal=admin, box=box, server_id=world.server_id,
                                         expected_version=server.version,
                                         credentials=Credentials(client_secret=SecretStr(world.handle.secret)))
    world.outlook_create(outlook_event("after", soon(2)))
    totals = await scheduler.run_due(world.db, box, now=now + INTERVAL, interval=INTERVAL)
    assert totals == {"ok": 1}, totals
    connector, row, _ = await _mailbox(world)
    assert not connector.needs_reauthorisation and row.state == "idle"
    assert row.last_counts.get("created") == 1
    assert row.reconciled_at == reconciled_at  # every full round reconciles: this one was incremental


async def test_sync_now_without_credentials_takes_the_same_path(world):
    from kontor.calendar_sync.sync import now as sync_now  # noqa: PLC0415 - "sync now" is a module of its own

    outcome = await sync_now.run_connector(world.db, SecretBox([os.urandom(32)]), tenant_id=world.tenant_id,
                                           connector_id=world.connector_id)
    assert outcome.outcome == "needs_auth"
    connector, row, events = await _mailbox(world)
    assert connector.needs_reauthorisation and row.state == "needs_auth"
    assert any("reauthori" in t.lower() for t in events), events
