"""Benchmark: first sync of a 10,000-event mailbox from Microsoft Graph into PostgreSQL, then a delta of 10.

Starts PostgreSQL from its wheel on a free port and migrates the calendar-sync database; starts the Graph
emulator (emulators/graph) as its own process, seeded with one tenant, one app registration and one mailbox
holding EVENTS single events spread over the connector's default window (−7 … +90 days): subjects,
locations, bodies, categories, Windows time-zone names, some private. A connector (direction both, the
defaults) links the mailbox to a CRM user.

Then, through the real engine (``engine.sync_mailbox`` with the ``GraphProvider``, a fresh provider per run
as the scheduler makes one per round):

1. the first full sync: every event becomes a CRM appointment (checked);
2. CHANGES events are changed in Outlook (the emulator's control API: subjects, locations, two moved inside
   the window), then a delta sync: exactly those are updated (checked); DELTA_ROUNDS times, with other
   events each time, and the median round is the one reported (the machine is shared: one round can meet
   a checkpoint or a neighbour's burst);
3. one more run with nothing changed on either side (the cost of an idle poll).

Requests. "Used" is what the emulator served for the mailbox (its own count, so nothing the client does goes
unseen) plus the token requests msal sent to the token endpoint. "Minimum" is what no client can do without:
the delta pages, ``ceil(events / page size)`` (a delta round lists the window in pages of at most ``Prefer:
odata.maxpagesize``; PAGE_SIZE events, within Outlook's 1..1000 page sizes), plus one token request. For the
delta sync the minimum is one page (its token is still valid: the process keeps msal's token cache, as
msal advises, so later runs ask the token endpoint only when the token runs out).

Prints one JSON object as its last line, e.g.
{"benchmark": "calendar_sync", "events": 10000, "full_sync_events_per_s": ..., "requests_ratio": ...,
 "delta_fraction": ..., "targets_met": {...}, "met": true, ...}
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import random
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import func, select

from kontor.calendar_sync.appointments.models import Appointment
from kontor.calendar_sync.connectors.models import ConnectorSettings, GroupwareServer
from kontor.calendar_sync.main import DEFINITION as CALENDAR_SYNC
from kontor.calendar_sync.providers.graph import GraphCredentials, GraphProvider
from kontor.calendar_sync.sync import engine
from kontor.devstack.ports import free_port
from kontor.devstack.servers import PostgresServer
from kontor.emulators.graph.testing import start_emulator_process, stop_process
from kontor.platform import migrations
from kontor.platform.db import Database

EVENTS = int(os.environ.get("BENCH_EVENTS", "10000"))
CHANGES = int(os.environ.get("BENCH_CHANGES", "10"))
DELTA_ROUNDS = int(os.environ.get("BENCH_DELTA_ROUNDS", "3"))
PAGE_SIZE = int(os.environ.get("BENCH_PAGE_SIZE", "1000"))
TARGET_EVENTS_PER_S = 1000.0
TARGET_REQUESTS_RATIO = 1.1
TARGET_DELTA_FRACTION = 0.02
READY_TIMEOUT_S = 60

_SUBJECTS = ("Kundentermin", "Projektbesprechung", "Angebot durchgehen", "Wartung vor Ort", "Jour fixe",
             "Telefonat", "Messevorbereitung", "Schulung", "Vertragsverlängerung", "Besuch Werk")
_PLACES = ("Berlin", "Hamburg", "München", "Köln", "Teams", "Büro 2.14", "")
_ZONES = ("W. Europe Standard Time", "W. Europe Standard Time", "GMT Standard Time", "UTC")


def _local(instant: datetime, zone: str) -> str:
    from zoneinfo import ZoneInfo

    iana = {"W. Europe Standard Time": "Europe/Berlin", "GMT Standard Time": "Europe/London"}.get(zone, "UTC")
    return instant.astimezone(ZoneInfo(iana)).strftime("%Y-%m-%dT%H:%M:%S")


def _events(rng: random.Random, today: datetime) -> list[dict]:
    """EVENTS single events inside the default window (−7 … +90 days), 07:00–19:00 UTC."""
    out = []
    days = 96  # today − 6 … today + 89: inside the window on every day the benchmark may run
    for i in range(EVENTS):
        start = today + timedelta(days=-6 + i % days, minutes=7 * 60 + 15 * rng.randrange(44))
        end = start + timedelta(minutes=rng.choice((30, 45, 60, 90)))
        zone = rng.choice(_ZONES)
        event = {"subject": f"{rng.choice(_SUBJECTS)} {i}",
                 "start": {"dateTime": _local(start, zone), "timeZone": zone},
                 "end": {"dateTime": _local(end, zone), "timeZone": zone},
                 "body": {"contentType": "text", "content": f"Notiz zum Termin {i}"},
                 "location": {"displayName": rng.choice(_PLACES)},
                 "showAs": rng.choice(("busy", "busy", "tentative", "oof"))}
        if rng.random() < 0.3:
            event["categories"] = [rng.choice(("Kunde", "Intern", "Service"))]
        if rng.random() < 0.05:
            event["sensitivity"] = "private"
        out.append(event)
    return out


class Bench:
    def __init__(self, db: Database, emulator: dict, graph_tenant: dict, tenant_id: uuid.UUID) -> None:
        self.db = db
        self.base_url = emulator["base_url"]
        self.ca_path = emulator["ca_path"]
        self.graph_tenant = graph_tenant
        self.upn = graph_tenant["mailboxes"][0]["userPrincipalName"]
        self.tenant_id = tenant_id
        self.connector_id = uuid.uuid4()
        self.changed: set[str] = set()
        self.control = httpx.Client(base_url=f"{self.base_url}/_control", verify=self.ca_path, timeout=60,
                                    trust_env=False)

    async def setup(self, app: dict) -> None:
        server_id = uuid.uuid4()
        async with self.db.unit_of_work(self.tenant_id) as session:
            session.add(GroupwareServer(id=server_id, tenant_id=self.tenant_id, provider="graph", name="HQ",
                                        name_key="hq", azure_tenant_id=self.graph_tenant["id"],
                                        client_id=app["clientId"], base_url=f"{self.base_url}/v1.0",
                                        ca_bundle_path=self.ca_path, created_by="bench", version=1))
            await session.flush()
            session.add(ConnectorSettings(id=self.connector_id, tenant_id=self.tenant_id, user_id=uuid.uuid4(),
                                          server_id=server_id, kind="personal", mailbox=self.upn,
                                          mailbox_key=self.upn, enabled=True, skip_statuses=["completed"],
                                          category_mappings=[], created_by="bench", version=1))
        self.credentials = GraphCredentials(tenant_id=self.graph_tenant["id"], client_id=app["clientId"],
                                            client_secret=app["secret"])

    def served(self) -> int:
        return self.control.get(f"/mailboxes/{self.upn}/stats").json()["served"]

    async def sync(self) -> dict:
        """One scheduler-like run: a fresh provider (as the scheduler makes one per round), the engine, timed."""
        served_before = self.served()
        provider = GraphProvider(self.credentials, origin=str(self.tenant_id), base_url=f"{self.base_url}/v1.0",
                                 authority=f"{self.base_url}/{self.graph_tenant['id']}", ca_path=self.ca_path,
                                 page_size=PAGE_SIZE)
        try:
            started, cpu_started = time.perf_counter(), time.process_time()
            report = await engine.sync_mailbox(self.db, provider, tenant_id=self.tenant_id,
                                               connector_id=self.connector_id)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        finally:
            await provider.aclose()
        if report.outcome != "ok":
            raise RuntimeError(f"sync ended {report.outcome} ({report.state}): {dict(report.counts)}")
        return {"s": seconds, "cpu_s": cpu, "counts": dict(report.counts), "full": report.full,
                "graph_requests": self.served() - served_before, "token_requests": provider.tokens.fetched,
                "delta_round_requests": report.requests}

    def change_in_outlook(self, rng: random.Random, today: datetime) -> list[str]:
        events = self.control.get(f"/mailboxes/{self.upn}/events").json()["value"]
        # Not private ones: the CRM keeps no subject or location of those, so such an edit is no change to it.
        chosen = rng.sample([e for e in events if e.get("sensitivity") == "normal" and e["id"] not in self.changed],
                            CHANGES)
        self.changed.update(e["id"] for e in chosen)  # each round changes other events
        for n, event in enumerate(chosen):
            if n < 2:  # moved to another day inside the window
                start = today + timedelta(days=30 + n, hours=9)
                body = {"start": {"dateTime": start.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"},
                        "end": {"dateTime": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S"),
                                "timeZone": "UTC"}}
            else:
                body = {"subject": f"{event['subject']} (geändert)", "location": {"displayName": "Leipzig"}}
            r = self.control.patch(f"/mailboxes/{self.upn}/events/{event['id']}", json=body)
            r.raise_for_status()
        return [e["id"] for e in chosen]

    async def appointments(self) -> int:
        async with self.db.unit_of_work(self.tenant_id) as session:
            return await session.scalar(select(func.count()).select_from(Appointment).where(
                Appointment.deleted_at.is_(None))) or 0


async def run(pg: PostgresServer, tmp: Path) -> dict:
    url = await pg.ensure_service_database("calendar-sync")
    await asyncio.to_thread(migrations.upgrade, CALENDAR_SYNC.migrations_dir, url)
    rng = random.Random(42)
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    domain = f"bench{uuid.uuid4().hex[:6]}.onmicrosoft.com"
    app = {"displayName": "Kontor CRM", "clientId": str(uuid.uuid4()), "secret": uuid.uuid4().hex}
    seed = {"tenants": [{"domain": domain, "apps": [app],
                         "mailboxes": [{"userPrincipalName": f"anna@{domain}", "displayName": "Anna",
                                        "events": _events(rng, today)}]}]}
    seed_started = time.perf_counter()
    process, emulator = start_emulator_process(tmp, seed, ready_timeout_s=READY_TIMEOUT_S)
    seed_s = time.perf_counter() - seed_started
    db = Database(url, pool_size=2)
    try:
        bench = Bench(db, emulator, emulator["seeded"]["tenants"][0], uuid.uuid4())
        await bench.setup(app)
        full = await bench.sync()
        synced = await bench.appointments()
        if not full["full"] or full["counts"].get("created") != EVENTS or synced != EVENTS:
            raise RuntimeError(f"the first sync did not import every event: {full}, {synced} appointments")
        deltas = []
        for _ in range(DELTA_ROUNDS):
            bench.change_in_outlook(rng, today)
            delta = await bench.sync()
            if delta["full"] or delta["counts"].get("updated") != CHANGES:
                raise RuntimeError(f"the delta sync did not take exactly the {CHANGES} changes: {delta}")
            deltas.append(delta)
        delta = sorted(deltas, key=lambda d: d["s"])[len(deltas) // 2]  # the median round
        idle = await bench.sync()
        if any(v for k, v in idle["counts"].items() if k != "unchanged"):
            raise RuntimeError(f"an idle run changed something: {idle}")
        bench.control.close()
    finally:
        await db.dispose()
        stop_process(process)

    full_used = full["graph_requests"] + full["token_requests"]
    full_min = math.ceil(EVENTS / PAGE_SIZE) + 1
    delta_used = delta["graph_requests"] + delta["token_requests"]
    delta_min = 1
    events_per_s = EVENTS / full["s"]
    ratio = full_used / full_min
    fraction = delta["s"] / full["s"]
    targets = {"full_sync_events_per_s": events_per_s >= TARGET_EVENTS_PER_S,
               "requests_ratio": ratio <= TARGET_REQUESTS_RATIO,
               "delta_fraction": fraction <= TARGET_DELTA_FRACTION}
    return {
        "benchmark": "calendar_sync",
        "events": EVENTS,
        "changes": CHANGES,
        "page_size": PAGE_SIZE,
        "seed_s": round(seed_s, 1),
        "full_sync_s": round(full["s"], 3),
        "full_sync_events_per_s": round(events_per_s, 1),
        "full_sync_engine_cpu_s": round(full["cpu_s"], 3),
        "full_sync_requests_used": full_used,
        "full_sync_requests_min": full_min,
        "full_sync_graph_requests": full["graph_requests"],
        "full_sync_token_requests": full["token_requests"],
        "requests_ratio": round(ratio, 3),
        "delta_sync_s": round(delta["s"], 4),
        "delta_sync_rounds_s": [round(d["s"], 4) for d in deltas],
        "delta_fraction": round(fraction, 4),
        "delta_sync_engine_cpu_s": round(delta["cpu_s"], 4),
        "delta_sync_requests_used": delta_used,
        "delta_sync_requests_min": delta_min,
        "delta_counts": delta["counts"],
        "idle_sync_s": round(idle["s"], 4),
        "idle_sync_requests_used": idle["graph_requests"] + idle["token_requests"],
        "targets": {"full_sync_events_per_s": TARGET_EVENTS_PER_S, "requests_ratio": TARGET_REQUESTS_RATIO,
                    "delta_fraction": TARGET_DELTA_FRACTION},
        "targets_met": targets,
        "met": all(targets.values()),
        "load_avg_1m": round(os.getloadavg()[0], 2),  # the machine is shared: read the figures with it
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        with PostgresServer(Path(tmp) / "pg", free_port()) as pg:
            result = asyncio.run(run(pg, Path(tmp)))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
