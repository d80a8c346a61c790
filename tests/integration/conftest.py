"""The real local stack for integration tests.

Starts PostgreSQL, NATS JetStream and Redis from their pip wheels on free ports
(the same classes `make dev` uses), migrates every service, and runs each
service's real `kontor-<name> serve` process. Tests drive it over HTTP, gRPC
and NATS.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from kontor.devstack.groupware_seed import wait_for_emulator
from kontor.devstack.infra import InfraStack
from kontor.devstack.launch import ServiceLauncher
from kontor.devstack.signing_key import ensure_signing_key
from kontor.devstack.topology import (
    GRAPH_EMULATOR,
    EmulatorSpec,
    Topology,
    free_port_env,
    load_topology,
    signing_key_path,
)
from kontor.platform.auth import TokenIssuer

READY_TIMEOUT_S = 90


@dataclass
class Stack:
    data_dir: Path
    topology: Topology
    infra: InfraStack
    launcher: ServiceLauncher
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    issuer: TokenIssuer | None = None

    def http(self, service: str) -> str:
        return self.topology.service(service).http_url

    def grpc(self, service: str) -> str:
        return self.topology.service(service).grpc_addr

    def log(self, service: str) -> str:
        return (self.data_dir / "logs" / f"{service}.log").read_text(errors="replace")

    def token(self, tenant_id: uuid.UUID, subject: str = "tester", roles: tuple[str, ...] = ("org_manager",)) -> str:
        return self.issuer.issue(subject=subject, tenant_id=tenant_id, roles=list(roles))

    def database_url(self, service: str) -> str:
        return self.topology.infra.database_url(service)

    def start(self, service: str) -> None:
        spec = self.topology.service(service)
        log_file = (self.data_dir / "logs" / f"{service}.log").open("ab")
        self.processes[service] = subprocess.Popen(
            [self.launcher.executable(spec), "serve"], env=self.launcher.env(spec),
            stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )

    def start_worker(self, service: str, env: dict[str, str] | None = None) -> str:
        """Run the service's Celery worker (``kontor-<name> worker``); its process and log are ``<name>-worker``."""
        spec = self.topology.service(service)
        name = f"{service}-worker"
        log_file = (self.data_dir / "logs" / f"{name}.log").open("ab")
        self.processes[name] = subprocess.Popen(
            [self.launcher.executable(spec), "worker"], env={**self.launcher.env(spec), **(env or {})},
            stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
        return name

    def start_emulator(self, name: str = GRAPH_EMULATOR) -> EmulatorSpec:
        """Run a groupware emulator with an empty directory; tests set it up through its ``/_control`` API."""
        emulator = self.topology.emulator(name)
        seed = emulator.seed_path(self.data_dir)
        seed.parent.mkdir(parents=True, exist_ok=True)
        seed.write_text('{"tenants": []}\n', encoding="utf-8")
        log_file = (self.data_dir / "logs" / f"{name}.log").open("ab")
        self.processes[name] = subprocess.Popen(
            list(emulator.command(self.launcher.emulator_executable(emulator), self.data_dir)),
            env={**self.launcher.base_env, "PYTHONUNBUFFERED": "1"},
            stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
        ready, detail = asyncio.run(wait_for_emulator(emulator, self.data_dir, READY_TIMEOUT_S))
        if not ready:
            raise RuntimeError(f"{name} not ready ({detail}):\n{self.log(name)[-3000:]}")
        return emulator

    def stop(self, service: str) -> None:
        process = self.processes.pop(service)
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def wait_ready(self, services: list[str], timeout: float = READY_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout
        pending = set(services)
        while pending and time.monotonic() < deadline:
            for name in list(pending):
                process = self.processes[name]
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited with {process.returncode}:\n{self.log(name)[-4000:]}")
                try:
                    if httpx.get(f"{self.http(name)}/readyz", timeout=1).status_code == 200:
                        pending.discard(name)
                except httpx.HTTPError:
                    pass
            time.sleep(0.2)
        if pending:
            logs = "\n".join(f"--- {n}\n{self.log(n)[-3000:]}" for n in pending)
            raise RuntimeError(f"not ready within {timeout}s: {sorted(pending)}\n{logs}")


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Stack:
    data_dir = tmp_path_factory.mktemp("kontor-stack")
    (data_dir / "logs").mkdir()
    topology = load_topology(free_port_env())
    infra = InfraStack(data_dir, topology.infra)
    for server in infra.servers:
        server.start()
    # A short relay poll keeps the tests quick; production keeps the 0.5 s default.
    base_env = {**os.environ, **{f"{spec.env_prefix}OUTBOX_POLL_INTERVAL_S": "0.1" for spec in topology.services}}
    launcher = ServiceLauncher(topology=topology, infra=topology.infra, data_dir=data_dir, base_env=base_env)
    ensure_signing_key(signing_key_path(data_dir))
    stack = Stack(data_dir=data_dir, topology=topology, infra=infra, launcher=launcher)
    try:
        async def prepare() -> None:
            for spec in topology.services:
                await infra.postgres.ensure_service_database(spec.name)
            await asyncio.gather(*(launcher.migrate(spec) for spec in topology.services))

        asyncio.run(prepare())
        stack.issuer = TokenIssuer.from_pem_file(signing_key_path(data_dir), issuer="kontor-gateway",
                                                 audience="kontor")
        for spec in topology.services:
            stack.start(spec.name)
        stack.wait_ready(list(topology.service_names))
        yield stack
    finally:
        for name in list(stack.processes):
            stack.stop(name)
        infra.stop()


@pytest.fixture(scope="session")
def graph_emulator(stack) -> EmulatorSpec:
    """The Graph emulator (emulators/graph) beside the stack, started on first use; empty until a test adds
    tenants, apps and mailboxes through ``/_control``. Its CA file is ``ca_path(stack.data_dir)``."""
    return stack.start_emulator(GRAPH_EMULATOR)


@pytest.fixture(scope="session")
def calendar_sync_worker(stack) -> str:
    """calendar-sync's Celery worker (it runs "sync now"), started on first use; beat stays off, so only
    what a test triggers runs. Returns its process (and log) name."""
    # The gateway's webhook (plain http: the emulator allows it to loopback hosts); only the subscription upkeep
    # task reads it, and beat is off, so subscriptions exist only where a test asks for them.
    webhook = f"{stack.http('gateway')}/api/v1/webhooks/graph"
    name = stack.start_worker("calendar-sync", env={"KONTOR_CALENDAR_SYNC_SYNC_POLL_INTERVAL_S": "30",
                                                    "KONTOR_CALENDAR_SYNC_SYNC_TICK_S": "5",
                                                    "KONTOR_CALENDAR_SYNC_GRAPH_NOTIFICATION_URL": webhook})
    deadline = time.monotonic() + READY_TIMEOUT_S
    while "ready." not in stack.log(name):  # Celery prints "celery@host ready." once it consumes
        if stack.processes[name].poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{name} did not start:\n{stack.log(name)[-3000:]}")
        time.sleep(0.2)
    return name


@pytest.fixture(scope="session")
def mail_import_worker(stack) -> str:
    """mail-import's Celery worker (import rounds, "import now"), started on first use; beat stays off, so only
    what a test triggers runs. Returns its process (and log) name."""
    from tests.integration.mail_world import start_worker  # noqa: PLC0415

    return start_worker(stack)


@pytest.fixture(scope="module", params=["graph", "imap"])
def mail_world(request, stack, mail_import_worker, tmp_path_factory):
    """One tenant with mailboxes on the Graph emulator or on pymap servers (tests/integration/mail_world.py),
    shared by a module's tests; the module's tests run once per provider."""
    from tests.integration.mail_world import MailWorld  # noqa: PLC0415

    emulator = request.getfixturevalue("graph_emulator") if request.param == "graph" else None
    world = MailWorld.create(stack, request.param, emulator=emulator,
                             data_dir=tmp_path_factory.mktemp(f"mail-{request.param}"))
    try:
        yield world
    finally:
        world.close()
