"""Benchmark: CheckAccess latency over gRPC against the real contacts service.

Starts PostgreSQL, NATS and Redis from their wheels on free ports (the dev
stack's classes), migrates the contacts database and runs the real
`kontor-contacts serve` process. A small HTTP server in this process plays the
gateway's JWKS endpoint, so the service verifies real Ed25519 tokens exactly as
in production (fetching the keys once, then from its cache).

Seeds one realistic tenant straight into contacts' database as the service's
own role (under row-level security): USERS employees in teams of ten,
COMPANIES companies with mixed access levels (company / private / team /
restricted), their assignments and contact persons, a few running and past
substitutions and billing engagements. Then one sales rep (who substitutes a
colleague) asks CheckAccess for a mix of records: visible, invisible,
private, team, restricted, persons, unknown ids, and actions the role lacks.
After a warm-up, CALLS sequential calls are timed one by one.

Prints one JSON object as its last line, e.g.
{"benchmark": "check_access", "calls": 5000, "p50_ms": ..., "p99_ms": ..., "target_p99_ms": 5, "met": true, ...}
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import subprocess
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import grpc
import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from rich.progress import Progress
from sqlalchemy import insert, text

from kontor.contacts.access.models import Engagement
from kontor.contacts.assignment.models import Assignment
from kontor.contacts.companies.duplicates import text_key
from kontor.contacts.companies.models import Company
from kontor.contacts.identity.models import Team, User, UserTeam
from kontor.contacts.persons.models import ContactPerson
from kontor.contacts.substitution.models import Substitution
from kontor.devstack.infra import InfraStack
from kontor.devstack.launch import ServiceLauncher
from kontor.devstack.ports import LOOPBACK, free_port
from kontor.devstack.topology import infra_port_env_var, load_topology, service_port_env_var
from kontor.platform.auth import TokenIssuer
from kontor.platform.db import Database
from kontor.protos.contacts.v1 import access_pb2, access_pb2_grpc

USERS = int(os.environ.get("BENCH_USERS", "200"))
COMPANIES = int(os.environ.get("BENCH_COMPANIES", "20000"))
CALLS = int(os.environ.get("BENCH_CALLS", "5000"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "500"))
TARGET_P99_MS = 5.0
TEAM_SIZE = 10
WRITE_BATCH = 2000
READY_TIMEOUT_S = 90
# Share of each access level among the companies.
LEVELS = (("company", 0.55), ("private", 0.2), ("team", 0.15), ("restricted", 0.1))


def _percentile(sorted_ms: list[float], q: float) -> float:
    return sorted_ms[min(len(sorted_ms) - 1, round(q * (len(sorted_ms) - 1)))]


class _Jwks(BaseHTTPRequestHandler):
    body = b"{}"

    def do_GET(self):  # noqa: N802 - http.server's name
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):  # quiet
        pass


def _serve_jwks(issuer: TokenIssuer) -> tuple[ThreadingHTTPServer, str]:
    handler = type("Jwks", (_Jwks,), {"body": json.dumps(issuer.jwks()).encode()})
    server = ThreadingHTTPServer((LOOPBACK, free_port()), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://{LOOPBACK}:{server.server_address[1]}/.well-known/jwks.json"


async def _insert(db: Database, tenant: uuid.UUID, model, rows: list[dict]) -> None:
    for start in range(0, len(rows), WRITE_BATCH):
        async with db.unit_of_work(tenant) as session:
            await session.execute(insert(model), rows[start:start + WRITE_BATCH])


async def _seed(db: Database, tenant: uuid.UUID, rng: random.Random) -> tuple[uuid.UUID, list[tuple[str, str, str]]]:
    """Write the tenant; return the caller's user id and the (action, type, id) requests to ask about."""
    users = [uuid.uuid4() for _ in range(USERS)]
    await _insert(db, tenant, User, [
        {"id": u, "email": f"user{i}@example.test", "display_name": f"User {i}", "role": "sales_rep", "active": True,
         "time_zone": "Europe/Berlin", "locale": "de", "password_hash": "-", "version": 1}
        for i, u in enumerate(users)])
    teams = [{"id": uuid.uuid4(), "name": f"Team {i}", "name_key": f"team {i}", "version": 1}
             for i in range(USERS // TEAM_SIZE)]
    await _insert(db, tenant, Team, teams)
    memberships = [{"user_id": u, "team_id": teams[i // TEAM_SIZE]["id"]} for i, u in enumerate(users)
                   if i // TEAM_SIZE < len(teams)]
    # A few people work in two teams.
    memberships += [{"user_id": users[i], "team_id": teams[(i // TEAM_SIZE + 1) % len(teams)]["id"]}
                    for i in range(0, USERS, 17)]
    await _insert(db, tenant, UserTeam, memberships)

    me, absent = users[0], users[TEAM_SIZE * 3]  # the caller substitutes someone from another team
    now = datetime.now(UTC)
    substitutions = [{"absent_user_id": absent, "substitute_user_id": me, "starts_at": now - timedelta(days=1),
                      "ends_at": now + timedelta(days=6), "note": "", "created_by": "bench"},
                     {"absent_user_id": users[50], "substitute_user_id": me, "starts_at": now - timedelta(days=30),
                      "ends_at": now - timedelta(days=20), "note": "", "created_by": "bench"}]
    for _ in range(20):
        a, b = rng.sample(users[1:], 2)
        start = now + timedelta(days=rng.randint(-10, 10))
        substitutions.append({"absent_user_id": a, "substitute_user_id": b, "starts_at": start,
                              "ends_at": start + timedelta(days=rng.randint(1, 14)), "note": "",
                              "created_by": "bench"})
    await _insert(db, tenant, Substitution, [{"id": uuid.uuid4(), **s} for s in substitutions])

    companies, assignments, engagements, persons = [], [], [], []
    levels, weights = zip(*LEVELS, strict=True)
    with Progress(transient=True) as progress:
        task = progress.add_task("seeding companies", total=COMPANIES)
        for i in range(COMPANIES):
            company_id = uuid.uuid4()
            level = rng.choices(levels, weights)[0]
            name = f"Firma {i} GmbH"
            companies.append({"id": company_id, "name": name, "kind": rng.choice(("lead", "customer")),
                              "city": "Berlin", "name_key": text_key(name), "city_key": "berlin",
                              "access_level": level, "version": 1})
            owners = rng.sample(users, rng.choice((0, 1, 1, 2, 3)))
            for n, owner in enumerate(owners):
                assignments.append({"id": uuid.uuid4(), "record_type": "company", "record_id": company_id,
                                    "user_id": owner, "role": "account_manager" if n == 0 else "sales_rep"})
            if level == "restricted" and owners and rng.random() < 0.6:
                engagements.append({"project_id": uuid.uuid4(), "company_id": company_id,
                                    "member_user_ids": owners[:1] + rng.sample(users, 2),
                                    "active": rng.random() < 0.8, "as_of": now})
            for _ in range(rng.choice((0, 1, 2, 3))):
                persons.append({"id": uuid.uuid4(), "company_id": company_id, "last_name": f"Person {i}",
                                "version": 1})
            progress.advance(task)
    # The caller's own book: some of every level, so "allowed" answers are not only public companies.
    mine = rng.sample(range(COMPANIES), 400)
    for index in mine:
        company = companies[index]
        assignments.append({"id": uuid.uuid4(), "record_type": "company", "record_id": company["id"],
                            "user_id": me, "role": "technician"})  # no other seeded assignment has this role
        if company["access_level"] == "restricted" and rng.random() < 0.7:
            engagements.append({"project_id": uuid.uuid4(), "company_id": company["id"], "member_user_ids": [me],
                                "active": True, "as_of": now})
    await _insert(db, tenant, Company, companies)
    await _insert(db, tenant, Assignment, assignments)
    await _insert(db, tenant, Engagement, engagements)
    await _insert(db, tenant, ContactPerson, persons)

    requests: list[tuple[str, str, str]] = []
    by_level: dict[str, list[dict]] = {level: [c for c in companies if c["access_level"] == level] for level in levels}
    mine_ids = {companies[i]["id"] for i in mine}
    for level, pool in by_level.items():
        requests += [("read", "company", str(c["id"])) for c in rng.sample(pool, 60)]
        own = [c for c in pool if c["id"] in mine_ids]
        requests += [("update", "company", str(c["id"])) for c in rng.sample(own, min(40, len(own)))]
    requests += [("delete", "company", str(c["id"])) for c in rng.sample(companies, 40)]  # sales reps may not
    requests += [("read", "contact_person", str(p["id"])) for p in rng.sample(persons, 120)]
    requests += [("update", "contact_person", str(p["id"])) for p in rng.sample(persons, 40)]
    requests += [("read", rng.choice(("company", "contact_person")), str(uuid.uuid4())) for _ in range(40)]
    rng.shuffle(requests)
    return me, requests


def _wait_ready(process: subprocess.Popen, http_url: str, log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"contacts exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            if httpx.get(f"{http_url}/readyz", timeout=1, trust_env=False).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"contacts not ready within {READY_TIMEOUT_S}s:\n{log.read_text()[-4000:]}")


async def _measure(address: str, token: str, requests: list[tuple[str, str, str]]) -> tuple[list[float], Counter]:
    metadata = (("authorization", f"Bearer {token}"),)
    async with grpc.aio.insecure_channel(address) as channel:
        stub = access_pb2_grpc.AccessServiceStub(channel)

        async def ask(action: str, kind: str, record_id: str) -> str:
            response = await stub.CheckAccess(
                access_pb2.CheckAccessRequest(action=action, resource=access_pb2.RecordRef(type=kind, id=record_id)),
                metadata=metadata, timeout=10)
            return response.reason

        for i in range(WARMUP):
            await ask(*requests[i % len(requests)])
        timings: list[float] = []
        reasons: Counter = Counter()
        for i in range(CALLS):
            started = time.perf_counter()
            reason = await ask(*requests[i % len(requests)])
            timings.append((time.perf_counter() - started) * 1000)
            reasons[reason] += 1
    timings.sort()
    return timings, reasons


def run(data_dir: Path) -> dict:
    (data_dir / "logs").mkdir(parents=True)
    env = {infra_port_env_var(c): str(free_port()) for c in ("pg", "nats", "nats_monitor", "redis")}
    for service in load_topology({}).service_names:
        for kind in ("grpc", "http"):
            env[service_port_env_var(service, kind)] = str(free_port())
    topology = load_topology(env)
    spec = topology.service("contacts")
    issuer = TokenIssuer(Ed25519PrivateKey.generate(), issuer="kontor-gateway", audience="kontor")
    jwks_server, jwks_url = _serve_jwks(issuer)
    infra = InfraStack(data_dir, topology.infra)
    launcher = ServiceLauncher(topology=topology, infra=topology.infra, data_dir=data_dir, base_env=dict(os.environ))
    process = None
    try:
        for server in infra.servers:
            server.start()

        async def prepare() -> tuple[uuid.UUID, uuid.UUID, list, float]:
            await infra.postgres.ensure_service_database("contacts")
            await launcher.migrate(spec)
            db = Database(topology.infra.database_url("contacts"), pool_size=2)
            tenant = uuid.uuid4()
            started = time.perf_counter()
            me, requests = await _seed(db, tenant, random.Random(7))
            async with db.engine.connect() as conn:  # as autovacuum would soon; production has statistics
                for table in ("users", "teams", "user_teams", "substitutions", "companies", "assignments",
                              "engagements", "contact_persons"):
                    await conn.execute(text(f"ANALYZE {table}"))
                await conn.commit()
            await db.dispose()
            return tenant, me, requests, time.perf_counter() - started

        tenant, me, requests, seed_s = asyncio.run(prepare())
        log_path = data_dir / "logs" / "contacts.log"
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                [launcher.executable(spec), "serve"],
                env={**launcher.env(spec), f"{spec.env_prefix}JWKS_URL": jwks_url, f"{spec.env_prefix}LOG_LEVEL": "WARNING"},
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        _wait_ready(process, spec.http_url, log_path)
        token = issuer.issue(subject=str(me), tenant_id=tenant, roles=["sales_rep"], ttl_s=3600)
        timings, reasons = asyncio.run(_measure(spec.grpc_addr, token, requests))
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        infra.stop()
        jwks_server.shutdown()
    p99 = _percentile(timings, 0.99)
    return {
        "benchmark": "check_access",
        "users": USERS,
        "companies": COMPANIES,
        "calls": len(timings),
        "distinct_requests": len(requests),
        "reasons": dict(sorted(reasons.items())),
        "seed_s": round(seed_s, 1),
        "p50_ms": round(_percentile(timings, 0.50), 2),
        "p95_ms": round(_percentile(timings, 0.95), 2),
        "p99_ms": round(p99, 2),
        "max_ms": round(timings[-1], 2),
        "target_p99_ms": TARGET_P99_MS,
        "met": p99 < TARGET_P99_MS,
        "load_avg_1m": round(os.getloadavg()[0], 2),
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        result = run(Path(tmp))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
