"""Scenario fixtures: a real PostgreSQL migrated to head, the real Graph emulator, a connector per test."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from kontor.emulators.graph import GraphEmulator
from kontor.emulators.graph.testing import new_tenant
from kontor.platform.db import Database

from kontor.calendar_sync.connectors.models import ConnectorSettings, ConnectorTenant, GroupwareServer
from kontor.calendar_sync.providers.graph import GraphCredentials, GraphProvider, LimitPolicy
from kontor.calendar_sync.sync import engine

FAST = LimitPolicy(backoff_base=0.05, backoff_cap=0.2, max_wait=2.0, max_attempts=2)


@pytest.fixture(scope="session")
def graph():
    emu = GraphEmulator()
    emu.start()
    yield emu
    emu.close()


@dataclass
class World:
    """One Kontor tenant with one Graph tenant, one mailbox and its connector."""

    db: Database
    graph: GraphEmulator
    handle: object
    tenant_id: uuid.UUID
    user_id: uuid.UUID
    connector_id: uuid.UUID
    server_id: uuid.UUID

    def provider(self) -> GraphProvider:
        creds = GraphCredentials(tenant_id=self.handle.tenant_id, client_id=self.handle.client_id,
                                 client_secret=self.handle.secret)
        return GraphProvider(creds, origin=str(self.tenant_id), base_url=f"{self.graph.base_url}/v1.0",
                             authority=self.graph.authority(self.handle.tenant_id), ca_path=self.graph.ca_path,
                             policy=FAST)

    async def sync(self, connector_id: uuid.UUID | None = None, now: datetime | None = None) -> engine.RunReport:
        async with self.provider() as provider:
            return await engine.sync_mailbox(self.db, provider, tenant_id=self.tenant_id,
                                             connector_id=connector_id or self.connector_id, now=now)

    async def add_connector(self, mailbox: str, user_id: uuid.UUID | None = None, **settings) -> uuid.UUID:
        connector_id = uuid.uuid4()
        async with self.db.unit_of_work(self.tenant_id) as session:
            session.add(ConnectorSettings(
                id=connector_id, tenant_id=self.tenant_id, user_id=user_id or uuid.uuid4(), server_id=self.server_id,
                kind="personal", mailbox=mailbox, mailbox_key=mailbox.lower(), enabled=True,
                skip_statuses=["completed"], category_mappings=[], created_by="test", version=1, **settings))
        return connector_id

    # ---- the Outlook user (emulator control API)
    @property
    def control(self):
        return self.handle.control

    def outlook_create(self, body: dict, upn: str | None = None) -> dict:
        r = self.control.post(f"/mailboxes/{upn or self.handle.upn}/events", json=body)
        assert r.status_code == 201, r.text
        return r.json()

    def outlook_patch(self, event_id: str, body: dict, upn: str | None = None) -> dict:
        r = self.control.patch(f"/mailboxes/{upn or self.handle.upn}/events/{event_id}", json=body)
        assert r.status_code == 200, r.text
        return r.json()

    def outlook_delete(self, event_id: str, upn: str | None = None) -> None:
        assert self.control.delete(f"/mailboxes/{upn or self.handle.upn}/events/{event_id}").status_code == 204

    def outlook_events(self, upn: str | None = None) -> list[dict]:
        return self.control.get(f"/mailboxes/{upn or self.handle.upn}/events").json()["value"]

    def sent(self, upn: str | None = None) -> list[dict]:
        return self.control.get(f"/mailboxes/{upn or self.handle.upn}/sent").json()["value"]

    def expire_delta(self) -> None:
        assert self.control.post(f"/mailboxes/{self.handle.upn}/delta/expire", json={}).status_code == 200

    def throttle(self, **policy) -> None:
        assert self.control.put(f"/mailboxes/{self.handle.upn}/throttle", json=policy).status_code == 204


@pytest.fixture
async def world(db, graph):
    handle = new_tenant(graph)
    tenant_id, user_id, server_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    async with db.unit_of_work(tenant_id) as session:
        session.add(GroupwareServer(id=server_id, tenant_id=tenant_id, provider="graph", name="HQ", name_key="hq",
                                    azure_tenant_id=handle.tenant_id, client_id=handle.client_id,
                                    base_url=f"{graph.base_url}/v1.0", ca_bundle_path=graph.ca_path,
                                    created_by="test", version=1))
    w = World(db, graph, handle, tenant_id, user_id, uuid.uuid4(), server_id)
    w.connector_id = await w.add_connector(handle.upn, user_id)
    yield w
    handle.control.close()
    # Tests that let the scheduler see this tenant enrol it in connector_tenants; the table is service-wide, so a
    # tenant left there would turn up in a later test's beat ticks.
    async with db.unit_of_work(None) as session:
        await session.execute(sa.delete(ConnectorTenant).where(ConnectorTenant.tenant_id == tenant_id))


def soon(days: int = 1, hour: int = 10) -> datetime:
    base = datetime.now(UTC).replace(hour=hour, minute=0, second=0, microsecond=0)
    return base + timedelta(days=days)


def graph_time(dt: datetime) -> dict:
    return {"dateTime": dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"}


def outlook_event(subject: str, start: datetime, hours: int = 1, **extra) -> dict:
    return {"subject": subject, "start": graph_time(start), "end": graph_time(start + timedelta(hours=hours)), **extra}
