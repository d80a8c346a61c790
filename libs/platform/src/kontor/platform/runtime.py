"""Runs one service: settings, database, migrations, gRPC + HTTP servers, outbox relay,
consumers, Celery, and the ``kontor-<service>`` command line.

A service describes itself once with a ``ServiceDefinition``; ``main()`` does
the rest, the same way for all six services.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import gc
import logging
import signal
import socket
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import uvicorn
from fastapi import APIRouter, FastAPI
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext

from kontor.platform import auth, grpc_server, migrations, nats_client, settings as settings_mod, streams
from kontor.platform.consumer import ConsumerSpec, EventConsumer
from kontor.platform.db import Database, DatabaseUnreachable
from kontor.platform.http import create_app
from kontor.platform.logs import configure_logging
from kontor.platform.outbox import OutboxRelay
from kontor.platform.settings import ServiceSettings
from kontor.platform.telemetry import configure_tracing

log = logging.getLogger(__name__)


class PortInUse(SystemExit):
    pass


@dataclass
class Runtime:
    """What a running service's edges and hooks may use."""

    name: str
    settings: Any
    db: Database
    verifier: auth.TokenVerifier
    nats: NatsClient | None = None
    js: JetStreamContext | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    # Set when the service begins to stop: long-lived responses (the gateway's SSE) end on it, since the
    # HTTP server waits for every open response before it can finish.
    stopping: asyncio.Event = field(default_factory=asyncio.Event)

    async def nats_ready(self) -> None:
        if self.nats is None or not self.nats.is_connected:
            raise ConnectionError("NATS not connected")

    def extra(self, name: str, make: Callable[[], Any]) -> Any:
        """The process's one ``name`` (a client, a store), made by ``make`` on first use and kept in ``extras``."""
        if name not in self.extras:
            self.extras[name] = make()
        return self.extras[name]

    async def close_extras(self, *names: str) -> None:
        """Takes the ``names`` out of ``extras`` and awaits ``close()`` of those that were made, in that order."""
        for name in names:
            made = self.extras.pop(name, None)
            if made is not None:
                await made.close()


GrpcRegistration = Callable[[grpc.aio.Server, Runtime], list[str]]


@dataclass
class Command:
    """An extra ``kontor-<service> <name>`` sub-command."""

    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace, Any], int]


@dataclass
class ServiceDefinition:
    name: str
    settings_cls: type[ServiceSettings]
    migrations_dir: Path
    title: str
    description: str = ""
    register_grpc: GrpcRegistration | None = None
    # Methods whose handlers authenticate the caller themselves; the edge asks them for no bearer token.
    self_authenticated_grpc: tuple[str, ...] = ()
    http_routers: Callable[[Runtime], list[APIRouter]] = lambda rt: []
    consumers: Callable[[Runtime], list[ConsumerSpec]] = lambda rt: []
    publishes: tuple[str, ...] = ()  # event domains, one JetStream stream each
    celery: Callable[[Any], Any] | None = None  # settings -> Celery app
    on_start: Callable[[Runtime], Awaitable[None]] | None = None
    on_stop: Callable[[Runtime], Awaitable[None]] | None = None
    commands: dict[str, Command] = field(default_factory=dict)
    openapi_docs: bool = True
    # Adds middleware to the HTTP app (the gateway's request ids and rate limits); runs after the routers.
    configure_http: Callable[[FastAPI, Runtime], None] | None = None


def _bind_http_socket(host: str, port: int, env_var: str) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortInUse(f"HTTP port {port} is already in use. Stop what listens there or set {env_var}.") from None
        raise
    sock.listen(2048)
    sock.setblocking(False)
    return sock


class _EmbeddedUvicorn(uvicorn.Server):
    """uvicorn inside our own event loop: signals are ours, not uvicorn's."""

    @contextlib.contextmanager
    def capture_signals(self):
        yield


class ServiceProcess:
    def __init__(self, definition: ServiceDefinition, settings: ServiceSettings):
        self.definition = definition
        self.settings = settings
        self.runtime = Runtime(
            name=definition.name,
            settings=settings,
            db=Database(settings.database_url.get_secret_value(), pool_size=settings.db_pool_size,
                        pre_ping_after_idle_s=settings.db_pre_ping_after_idle_s),
            verifier=auth.TokenVerifier(settings.jwks_url, issuer=settings.token_issuer,
                                        audience=settings.token_audience),
        )
        self._tasks: list[asyncio.Task] = []
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        d, s, rt = self.definition, self.settings, self.runtime
        env = settings_mod.env_name
        try:
            await rt.db.assert_role_respects_rls()
        except DatabaseUnreachable as exc:
            raise DatabaseUnreachable(f"{exc.code} (set by {env(d.settings_cls, 'database_url')})") from None
        if s.migrate_on_start:
            await asyncio.to_thread(migrations.upgrade, d.migrations_dir, s.database_url.get_secret_value())
        if d.on_start:
            await d.on_start(rt)

        http_sock = _bind_http_socket(s.bind_host, s.http_port, env(d.settings_cls, "http_port"))
        service_names: list[str] = []

        def register(server: grpc.aio.Server) -> list[str]:
            service_names.extend(d.register_grpc(server, rt) if d.register_grpc else [])
            return service_names

        server, health = grpc_server.create_server(
            service=d.name, verifier=rt.verifier, default_deadline_s=s.grpc_default_deadline_s, register=register,
            self_authenticated=d.self_authenticated_grpc,
        )
        try:
            server.add_insecure_port(f"{s.bind_host}:{s.grpc_port}")
        except RuntimeError:
            raise PortInUse(
                f"gRPC port {s.grpc_port} is already in use. Stop what listens there or set "
                f"{env(d.settings_cls, 'grpc_port')}."
            ) from None
        await server.start()

        app = create_app(
            service=d.name, title=d.title, description=d.description, docs=d.openapi_docs,
            readiness_checks={"database": rt.db.ping, "nats": rt.nats_ready},
        )
        for router in d.http_routers(rt):
            app.include_router(router)
        if d.configure_http:
            d.configure_http(app, rt)
        http = _EmbeddedUvicorn(uvicorn.Config(app, log_config=None, access_log=False, lifespan="off",
                                               proxy_headers=True, forwarded_allow_ips=s.forwarded_allow_ips))
        self._tasks.append(asyncio.create_task(http.serve(sockets=[http_sock]), name="http"))
        self._tasks.append(asyncio.create_task(self._messaging(), name="messaging"))
        await grpc_server.set_serving(health, service_names, True)
        # Everything allocated during start-up (modules, stubs, pools) lives as long as the process; moving it
        # out of the collector's reach keeps full collections of it (~130 ms on contacts) out of request latency.
        gc.collect()
        gc.freeze()
        log.info("serving", extra={"grpc_port": s.grpc_port, "http_port": s.http_port})

        await self._stopping.wait()
        log.info("stopping")
        rt.stopping.set()
        await grpc_server.set_serving(health, service_names, False)
        http.should_exit = True
        await server.stop(grace=5)
        for task in self._tasks:
            if task.get_name() != "http":
                task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if d.on_stop:
            await d.on_stop(rt)
        if rt.nats is not None:
            # close, not drain: consumers are already stopped and their unacked
            # messages are redelivered; drain would wait on the pull subscriptions.
            with contextlib.suppress(Exception):
                await rt.nats.close()
        await rt.db.dispose()

    async def _messaging(self) -> None:
        """Connect to NATS (retrying), ensure streams, then run the relay and consumers."""
        d, rt = self.definition, self.runtime
        rt.nats = await nats_client.connect(self.settings.nats_url, name=d.name)
        rt.js = rt.nats.jetstream()
        consumer_specs = d.consumers(rt)
        specs = {spec.name: spec for spec in [
            *(streams.domain_stream(domain) for domain in d.publishes),
            *(consumer.stream for consumer in consumer_specs),
            streams.dlq_stream(),
        ]}
        while True:
            try:
                await streams.ensure_streams(rt.js, list(specs.values()))
                break
            except Exception as exc:  # noqa: BLE001 - JetStream may still be starting
                log.warning("cannot ensure streams yet", extra={"error": str(exc)})
                await asyncio.sleep(1)
        workers = [EventConsumer(rt.db, rt.js, spec).run() for spec in consumer_specs]
        if d.publishes:
            workers.append(OutboxRelay(rt.db, rt.js, service=d.name,
                                       poll_interval_s=self.settings.outbox_poll_interval_s).run())
        await asyncio.gather(*workers)

    def stop(self) -> None:
        self._stopping.set()


async def _serve(definition: ServiceDefinition, settings: ServiceSettings) -> None:
    process = ServiceProcess(definition, settings)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, process.stop)
    await process.run()


def main(definition: ServiceDefinition, argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"kontor-{definition.name}", description=definition.title)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="run the gRPC and HTTP servers, the outbox relay and the consumers")
    sub.add_parser("migrate", help="upgrade the database to the newest schema (safe to run concurrently)")
    if definition.celery:
        worker = sub.add_parser("worker", help="run a Celery worker for this service's tasks")
        worker.add_argument("--concurrency", type=int, default=2)
        sub.add_parser("beat", help="run the Celery beat scheduler (exactly one per service)")
    for name, command in definition.commands.items():
        command.configure(sub.add_parser(name, help=command.help))
    args = parser.parse_args(argv)

    try:
        settings = settings_mod.load_settings(definition.settings_cls)
    except settings_mod.SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    configure_logging(definition.name, settings.log_level)
    configure_tracing(definition.name, settings.otlp_endpoint)

    try:
        if args.command == "serve":
            asyncio.run(_serve(definition, settings))
        elif args.command == "migrate":
            migrations.upgrade(definition.migrations_dir, settings.database_url.get_secret_value())
            log.info("database at newest schema")
        elif args.command == "worker":
            definition.celery(settings).worker_main(
                ["worker", "--loglevel", settings.log_level, "-Q", definition.name,
                 "--concurrency", str(args.concurrency), "--hostname", f"{definition.name}@%h"]
            )
        elif args.command == "beat":
            definition.celery(settings).start(["beat", "--loglevel", settings.log_level])
        else:
            return definition.commands[args.command].run(args, settings)
    except (PortInUse, SystemExit) as exc:
        if isinstance(exc, PortInUse) or isinstance(exc.code, str):
            print(exc, file=sys.stderr)
            return 2
        raise
    return 0
