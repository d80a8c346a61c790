"""W3C trace context flows HTTP -> gRPC -> outbox -> NATS headers -> consumer."""

from __future__ import annotations

import asyncio
import json
import secrets
import uuid

import httpx
import nats

from kontor.platform import telemetry
from kontor.platform.consumer import ConsumerSpec, EventConsumer
from kontor.platform.db import Database
from kontor.platform.streams import domain_stream
from tests.integration.helpers import apoll
from tests.integration.natsutil import read_stream


async def test_trace_id_of_the_request_reaches_the_consumer(stack):
    tenant = uuid.uuid4()
    trace_id = secrets.token_hex(16)
    async with httpx.AsyncClient() as client:
        created = await client.post(
            f"{stack.http('gateway')}/api/v1/companies", json={"name": "Traced"},
            headers={"Authorization": f"Bearer {stack.token(tenant)}",
                     "traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"},
        )
    assert created.status_code == 201

    async def published():
        return await read_stream(stack.topology.infra.nats_url, "KONTOR_CONTACTS", f"kontor.{tenant}.>")

    [message] = await apoll(published)
    assert message.headers["traceparent"].split("-")[1] == trace_id
    assert json.loads(message.data)["traceparent"].split("-")[1] == trace_id

    # A consumer continues the same trace while it handles the event.
    seen: list[str | None] = []

    async def record(session, event, data):
        seen.append(telemetry.current_trace_id())

    telemetry.configure_tracing("integration-tests")
    db = Database(stack.database_url("billing"))
    nc = await nats.connect(stack.topology.infra.nats_url)
    spec = ConsumerSpec(name=f"trace-probe-{tenant}", stream=domain_stream("contacts"),
                        handlers={"contacts.company.created": record},
                        filter_subjects=[f"kontor.{tenant}.contacts.company.created"])
    task = asyncio.create_task(EventConsumer(db, nc.jetstream(), spec).run())
    try:
        await apoll(lambda: asyncio.sleep(0, result=bool(seen)))
    finally:
        task.cancel()
        await nc.close()
        await db.dispose()
    assert seen == [trace_id]
