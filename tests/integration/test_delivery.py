"""The outbox relay delivers every event exactly once, through NATS outages and relay crashes."""

from __future__ import annotations

import uuid

import grpc
import httpx
import nats
import pytest

from kontor.contacts.companies import service as companies
from kontor.contacts.companies.schemas import CompanyCreate
from kontor.platform.auth import Principal
from kontor.platform.db import Database
from kontor.platform.outbox import OutboxRelay
from kontor.protos.contacts.v1 import contacts_pb2, contacts_pb2_grpc

from tests.integration.helpers import apoll, scalar
from tests.integration.natsutil import read_stream


async def _billing_clients(stack, tenant: uuid.UUID) -> list[dict]:
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{stack.http('gateway')}/api/v1/billing/clients?page_size=200",
                                    headers={"Authorization": f"Bearer {stack.token(tenant)}"})
        response.raise_for_status()
        return response.json()["items"]


async def _published_ids(stack, tenant: uuid.UUID) -> list[str]:
    messages = await read_stream(stack.topology.infra.nats_url, "KONTOR_CONTACTS", f"kontor.{tenant}.>")
    return [m.headers["Nats-Msg-Id"] for m in messages]


async def _inbox_count(stack, event_ids: list[str]) -> int:
    return await scalar(
        stack.database_url("billing"),
        "SELECT count(*) FROM inbox WHERE consumer = 'billing-clients' AND event_id = ANY(:ids)",
        ids=event_ids,
    )


async def test_events_written_while_nats_is_down_arrive_exactly_once(stack):
    tenant = uuid.uuid4()
    metadata = (("authorization", f"Bearer {stack.token(tenant)}"),)
    stack.infra.nats.stop()
    try:
        async with grpc.aio.insecure_channel(stack.grpc("contacts")) as channel:
            stub = contacts_pb2_grpc.CompanyServiceStub(channel)
            for i in range(5):
                # The write must succeed with NATS down: the event waits in the outbox.
                await stub.CreateCompany(contacts_pb2.CreateCompanyRequest(name=f"Offline {i}"),
                                         metadata=metadata, timeout=10)
        unpublished = await scalar(stack.database_url("contacts"),
                                   "SELECT count(*) FROM outbox WHERE tenant_id = :t AND published_at IS NULL",
                                   t=tenant)
        assert unpublished == 5
    finally:
        stack.infra.nats.start()

    async def all_arrived():
        return len(await _billing_clients(stack, tenant)) == 5

    await apoll(all_arrived, timeout=60)
    ids = await _published_ids(stack, tenant)
    assert len(ids) == 5 and len(set(ids)) == 5, ids
    assert await _inbox_count(stack, ids) == 5


class RelayCrashed(Exception):
    pass


class CrashBeforeMark(OutboxRelay):
    """A relay that dies after JetStream acknowledged the publish, before marking the rows."""

    async def _mark_published(self, session, ids):
        raise RelayCrashed()


async def test_relay_killed_between_publish_and_mark_delivers_once(stack):
    tenant = uuid.uuid4()
    principal = Principal(subject="tester", tenant_id=tenant)
    stack.stop("contacts")  # its own relay would otherwise race ours
    db = Database(stack.database_url("contacts"))
    try:
        async with db.unit_of_work(tenant) as session:
            for i in range(3):
                await companies.create_company(session, principal=principal, data=CompanyCreate(name=f"Crash {i}"))
        nc = await nats.connect(stack.topology.infra.nats_url)
        try:
            with pytest.raises(RelayCrashed):
                await CrashBeforeMark(db, nc.jetstream(), service="contacts").relay_once()
        finally:
            await nc.close()
        assert len(await _published_ids(stack, tenant)) == 3  # published...
        assert await scalar(stack.database_url("contacts"),  # ...but never marked
                            "SELECT count(*) FROM outbox WHERE tenant_id = :t AND published_at IS NULL",
                            t=tenant) == 3
    finally:
        await db.dispose()
        stack.start("contacts")
        stack.wait_ready(["contacts"])

    async def relayed_again():
        return await scalar(stack.database_url("contacts"),
                            "SELECT count(*) FROM outbox WHERE tenant_id = :t AND published_at IS NULL",
                            t=tenant) == 0

    await apoll(relayed_again)

    async def all_arrived():
        return len(await _billing_clients(stack, tenant)) == 3

    await apoll(all_arrived)
    ids = await _published_ids(stack, tenant)
    assert len(ids) == 3 and len(set(ids)) == 3, "JetStream must drop the re-publish as a duplicate"
    assert await _inbox_count(stack, ids) == 3
