"""Benchmark: outbox relay throughput and end-to-end latency on the real local stack.

Starts PostgreSQL and NATS from their wheels on free ports, migrates the
contacts database, writes EVENTS company events into the outbox in batches,
and measures how fast one relay publishes them and how soon an idempotent
consumer (with its inbox) has handled them all.

Prints one JSON object as its last line, e.g.
{"benchmark": "outbox_relay", "events": 2000, "relay_events_per_s": ..., ...}
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import time
import uuid
from pathlib import Path

import nats
from rich.progress import Progress

from kontor.contacts.main import DEFINITION as CONTACTS
from kontor.devstack.ports import free_port
from kontor.devstack.servers import NatsServer, PostgresServer
from kontor.platform import migrations, streams
from kontor.platform.consumer import ConsumerSpec, EventConsumer
from kontor.platform.db import Database
from kontor.platform.outbox import OutboxRelay, add_event
from kontor.protos.events.v1 import contacts_pb2

EVENTS = int(os.environ.get("BENCH_EVENTS", "2000"))
WRITE_BATCH = 100


async def run(pg: PostgresServer, nats_server: NatsServer) -> dict:
    url = await pg.ensure_service_database("contacts")
    await asyncio.to_thread(migrations.upgrade, CONTACTS.migrations_dir, url)
    db = Database(url, pool_size=4)
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    await streams.ensure_streams(js, [streams.domain_stream("contacts"), streams.dlq_stream()])
    tenant = uuid.uuid4()

    write_started = time.perf_counter()
    with Progress(transient=True) as progress:
        task = progress.add_task("writing events", total=EVENTS)
        for start in range(0, EVENTS, WRITE_BATCH):
            async with db.unit_of_work(tenant) as session:
                for i in range(start, min(start + WRITE_BATCH, EVENTS)):
                    await add_event(session, contacts_pb2.CompanyCreated(company_id=str(uuid.uuid4()), name=f"c{i}",
                                                                         kind="lead"),
                                    tenant_id=tenant, producer="contacts", subject=None)
            progress.advance(task, WRITE_BATCH)
    write_s = time.perf_counter() - write_started

    handled = 0
    done = asyncio.Event()

    async def count(session, event, data):
        nonlocal handled
        handled += 1
        if handled == EVENTS:
            done.set()

    consumer = EventConsumer(db, js, ConsumerSpec(name="bench", stream=streams.domain_stream("contacts"),
                                                  handlers={"contacts.company.created": count}), batch=100)
    consumer_task = asyncio.create_task(consumer.run())
    relay = OutboxRelay(db, js, service="bench", batch_size=200)
    relay_started = time.perf_counter()
    published = 0
    while published < EVENTS:
        published += await relay.relay_once()
    relay_s = time.perf_counter() - relay_started
    await asyncio.wait_for(done.wait(), timeout=300)
    end_to_end_s = time.perf_counter() - relay_started
    consumer_task.cancel()
    await nc.close()
    await db.dispose()
    return {
        "benchmark": "outbox_relay",
        "events": EVENTS,
        "outbox_write_events_per_s": round(EVENTS / write_s, 1),
        "relay_events_per_s": round(EVENTS / relay_s, 1),
        "end_to_end_events_per_s": round(EVENTS / end_to_end_s, 1),
        "end_to_end_s": round(end_to_end_s, 3),
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        with PostgresServer(data / "pg", free_port()) as pg, NatsServer(data / "nats", free_port(), free_port()) as n:
            result = asyncio.run(run(pg, n))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
