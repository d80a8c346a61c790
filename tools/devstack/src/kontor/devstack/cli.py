"""``kontor-dev``: run the whole Kontor stack locally.

    kontor-dev up             infrastructure, migrations, every service, demo data
    kontor-dev infra          only PostgreSQL, NATS and Redis (run a service yourself)
    kontor-dev env SERVICE    the environment of one service, as `export` lines
    kontor-dev reset [--yes]  delete the local data

This module is the only place besides ``topology`` that reads the process
environment (``KONTOR_DEV_HOME`` and the inherited environment of services).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shlex
import shutil
import signal
import sys
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape
from rich.prompt import Confirm
from rich.table import Table

from kontor.devstack.datadir import DataDirInUseError, DataDirLock, find_repo_root
from kontor.devstack.groupware_seed import (
    DEMO_AZURE_TENANT_ID,
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_MAILBOX,
    GroupwareSeed,
    describe_health,
    follow_first_sync,
    seed_groupware,
    wait_for_emulator,
    write_emulator_seed,
)
from kontor.devstack.infra import InfraStack
from kontor.devstack.launch import ServiceCommandError, ServiceLauncher
from kontor.devstack.ports import LOOPBACK, PortBusyError, ensure_port_free
from kontor.devstack.readiness import Readiness, wait_until_ready, watch_readiness
from kontor.devstack.seed import (
    DEMO_ADMIN_EMAIL,
    DEMO_PASSWORD,
    DEMO_SLUG,
    DemoTenant,
    SeedError,
    ensure_demo_tenant,
    seed_demo_data,
)
from kontor.devstack.servers import ServerStartError
from kontor.devstack.signing_key import ensure_signing_key
from kontor.devstack.supervisor import Supervisor
from kontor.devstack.topology import (
    GATEWAY,
    GRAPH_EMULATOR,
    PortClaim,
    ServiceSpec,
    Topology,
    beat_schedule_path,
    load_topology,
    service_env,
    signing_key_path,
)

HOME_ENV_VAR = "KONTOR_DEV_HOME"
READY_TIMEOUT_S = 60.0
EMULATOR_READY_TIMEOUT_S = 20.0
WATCH_INTERVAL_S = 5.0

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2  # configuration problems: busy ports, data dir in use, bad overrides


class UsageError(RuntimeError):
    """A problem the user fixes in their setup; exits with code 2."""


# ------------------------------------------------------------------ context


@dataclass(frozen=True)
class DevContext:
    topology: Topology
    data_dir: Path
    repo_root: Path | None
    environ: Mapping[str, str]

    def launcher(self) -> ServiceLauncher:
        return ServiceLauncher(
            topology=self.topology,
            infra=self.topology.infra,
            data_dir=self.data_dir,
            base_env=self.environ,
            cwd=self.repo_root,
        )


def resolve_context(environ: Mapping[str, str] | None = None, cwd: Path | None = None) -> DevContext:
    environ = dict(os.environ if environ is None else environ)
    try:
        topology = load_topology(environ)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    repo_root = find_repo_root(cwd or Path.cwd()) or find_repo_root(Path(__file__).parent)
    home = environ.get(HOME_ENV_VAR, "").strip()
    if home:
        data_dir = Path(home).expanduser().absolute()
    elif repo_root is not None:
        data_dir = repo_root / ".kontor"
    else:
        raise UsageError(f"Cannot find the repository root (no uv.lock above {cwd or Path.cwd()}); "
                         f"set {HOME_ENV_VAR} to the directory for the local data.")
    return DevContext(topology=topology, data_dir=data_dir, repo_root=repo_root, environ=environ)


# ------------------------------------------------------------------ output


def _ok(console: Console, message: str) -> None:
    console.print(f"[green]✓[/green] {escape(message)}", highlight=False, soft_wrap=True)


def _warn(console: Console, message: str) -> None:
    console.print(f"[yellow]![/yellow] [yellow]{escape(message)}[/yellow]", highlight=False, soft_wrap=True)


def _fail(console: Console, message: str) -> None:
    console.print(f"[bold red]✗ {escape(message)}[/bold red]", highlight=False, soft_wrap=True)


def _export_lines(env: Mapping[str, str]) -> str:
    return "\n".join(f"export {key}={shlex.quote(value)}" for key, value in sorted(env.items()))


# ------------------------------------------------------ shared start steps


def _check_ports(claims: list[PortClaim]) -> None:
    """Raise UsageError listing every busy port (not just the first one)."""
    problems: list[str] = []
    for claim in claims:
        try:
            ensure_port_free(claim.port, claim.what, claim.env_var)
        except PortBusyError as exc:
            problems.append(str(exc))
    if problems:
        raise UsageError("\n".join(problems))


def _claim_data_dir(ctx: DevContext, console: Console, infra: InfraStack) -> DataDirLock:
    lock = DataDirLock(ctx.data_dir)
    try:
        lock.acquire()
    except DataDirInUseError as exc:
        raise UsageError(str(exc)) from None
    # We own the data dir now, so servers still running on it were left by a
    # kontor-dev that died without cleaning up.
    for name in infra.stop_leftovers():
        _warn(console, f"Stopped {name} left running by an earlier kontor-dev")
    return lock


async def _start_infrastructure(ctx: DevContext, console: Console, infra: InfraStack) -> None:
    for server in infra.servers:
        with console.status(f"Starting {server.display_name}…"):
            # Blocking on purpose: a server half-started in a thread could not
            # be stopped reliably on Ctrl-C.
            server.start()
        _ok(console, f"{server.display_name} ready on {LOOPBACK}:{server.port} (data in {server.data_dir})")
    with console.status("Preparing service databases…"):
        for service in ctx.topology.services:
            await infra.postgres.ensure_service_database(service.name)
    _ok(console, "Databases ready: " + ", ".join(s.database for s in ctx.topology.services))
    key_path = signing_key_path(ctx.data_dir)
    if ensure_signing_key(key_path):
        _ok(console, f"Generated the gateway signing key {key_path}")
    for service in ctx.topology.services:
        if service.has_celery:
            beat_schedule_path(ctx.data_dir, service.name).parent.mkdir(parents=True, exist_ok=True)


async def _run_until_signal(
    console: Console,
    work: Coroutine[Any, Any, int],
    cleanup: Callable[[], Awaitable[None]],
) -> int:
    """Run ``work`` until it ends or SIGINT/SIGTERM/SIGHUP arrives; always run ``cleanup``.

    A signal cancels ``work`` and counts as a normal stop (exit 0); an error
    in ``work`` is reported and exits 1.
    """
    loop = asyncio.get_running_loop()
    stop_requested = asyncio.Event()
    handled = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

    def on_signal(sig: signal.Signals) -> None:
        if stop_requested.is_set():
            console.print("[yellow]Still stopping; waiting for processes to exit…[/yellow]")
            return
        console.print(f"\n[bold]{sig.name} received, stopping…[/bold]")
        stop_requested.set()

    for sig in handled:
        loop.add_signal_handler(sig, on_signal, sig)
    work_task = asyncio.create_task(work)
    stop_task = asyncio.create_task(stop_requested.wait())
    exit_code = EXIT_OK
    try:
        await asyncio.wait({work_task, stop_task}, return_when=asyncio.FIRST_COMPLETED)
        if not work_task.done():
            work_task.cancel()
            await asyncio.gather(work_task, return_exceptions=True)
        else:
            exit_code = _report_outcome(console, work_task)
    finally:
        stop_task.cancel()
        await cleanup()
        for sig in handled:
            loop.remove_signal_handler(sig)
    return exit_code


def _report_outcome(console: Console, task: asyncio.Task[int]) -> int:
    if task.cancelled():
        return EXIT_OK
    error = task.exception()
    if error is None:
        return task.result()
    return _report_error(console, error)


def _report_error(console: Console, error: BaseException) -> int:
    """Print ``error`` for a person and return the exit code it deserves."""
    if isinstance(error, ServiceCommandError):
        if error.output.strip():
            console.print(error.output.rstrip(), markup=False, highlight=False)
        _fail(console, str(error))
    elif isinstance(error, UsageError):
        _fail(console, str(error))
        return EXIT_USAGE
    elif isinstance(error, (ServerStartError, OSError)):
        _fail(console, str(error))
    else:
        console.print_exception()
        _fail(console, f"kontor-dev failed: {error!r}")
    return EXIT_FAILED


# --------------------------------------------------------------------- up


class UpSession:
    """One run of ``kontor-dev up``: start everything, watch, stop everything."""

    def __init__(self, ctx: DevContext, console: Console) -> None:
        self.ctx = ctx
        self.console = console
        self.infra = InfraStack(ctx.data_dir, ctx.topology.infra)
        self.launcher = ctx.launcher()
        self.supervisor: Supervisor | None = None
        self.lock: DataDirLock | None = None

    def claim(self) -> None:
        """Take the data dir and check every port before anything starts."""
        self.lock = _claim_data_dir(self.ctx, self.console, self.infra)
        _check_ports(self.ctx.topology.port_claims())

    async def run(self) -> int:
        console = self.console
        services = self.ctx.topology.services
        await _start_infrastructure(self.ctx, console, self.infra)
        for emulator in self.ctx.topology.emulators:
            # Every start loads it (the emulator keeps nothing), so the dates follow today.
            write_emulator_seed(emulator, self.ctx.data_dir)

        await self._migrate_all()

        processes = self.launcher.supervised_processes()
        self.supervisor = Supervisor(processes, console=console)
        await self.supervisor.start()
        _ok(console, f"Started {len(processes)} processes: " + ", ".join(p.name for p in processes))

        with console.status("Waiting for the services to become ready…") as status:
            def show_waiting(waiting: list[str]) -> None:
                status.update("Waiting for " + ", ".join(waiting) + " to become ready…")

            readiness = await wait_until_ready(services, READY_TIMEOUT_S, on_progress=show_waiting)
        not_ready = {name: result for name, result in readiness.items() if not result.ready}
        if not_ready:
            _warn(console, f"Not ready after {READY_TIMEOUT_S:.0f} s: "
                  + ", ".join(f"{name} ({result.detail})" for name, result in not_ready.items())
                  + ". The stack keeps running; readiness changes will be reported.")
        emulators = {emulator.name: Readiness(*await wait_for_emulator(emulator, self.ctx.data_dir,
                                                                       EMULATOR_READY_TIMEOUT_S))
                     for emulator in self.ctx.topology.emulators}
        console.print(self._services_table(readiness, emulators))

        demo = await self._seed_demo_tenant()
        groupware = await self._seed_groupware() if demo is not None else None
        self._print_urls(demo, groupware)
        await asyncio.gather(
            watch_readiness(services, readiness, self._report_readiness_change, interval=WATCH_INTERVAL_S),
            self._report_first_sync(groupware),
        )
        return EXIT_OK

    async def shutdown(self) -> None:
        console = self.console
        if self.supervisor is not None:
            with console.status("Stopping the services…"):
                await self.supervisor.stop()
            _ok(console, "Services stopped")
        for server in reversed(self.infra.servers):
            if server.is_running:
                with console.status(f"Stopping {server.display_name}…"):
                    server.stop()
                _ok(console, f"{server.display_name} stopped")
        if self.lock is not None:
            self.lock.release()

    # ---------------------------------------------------------------- steps

    async def _migrate_all(self) -> None:
        """Run every service's migrations, a few at a time, and report every failure.

        Each service has its own database, so they do not depend on each other;
        running them side by side saves most of the interpreter start-up time.
        """
        services = self.ctx.topology.services
        slots = asyncio.Semaphore(max(1, os.cpu_count() or 1))
        waiting = [service.name for service in services]
        with self.console.status("Migrating " + ", ".join(waiting) + "…") as status:
            async def migrate(service: ServiceSpec) -> None:
                async with slots:
                    await self.launcher.migrate(service)
                waiting.remove(service.name)
                _ok(self.console, f"Migrated {service.database}")
                status.update("Migrating " + ", ".join(waiting) + "…")

            results = await asyncio.gather(*(migrate(service) for service in services),
                                           return_exceptions=True)
        failures = [result for result in results if isinstance(result, BaseException)]
        for failure in failures[:-1]:
            _report_error(self.console, failure)
        if failures:
            raise failures[-1]

    async def _seed_demo_tenant(self) -> DemoTenant | None:
        """Create the demo tenant and its org manager, log in, create demo companies.

        Failures are warnings only: the stack keeps running.
        """
        contacts = self.ctx.topology.service("contacts")
        gateway = self.ctx.topology.service(GATEWAY)
        demo: DemoTenant | None = None
        try:
            with self.console.status("Seeding the demo tenant…"):
                demo = await ensure_demo_tenant(self.launcher.executable(contacts), self.launcher.env(contacts))
                created = await seed_demo_data(gateway.http_url)
        except (SeedError, ServiceCommandError, OSError) as exc:
            _warn(self.console, f"Demo tenant not seeded: {exc}")
            return demo
        what = "created with its org manager" if demo.created else "exists"
        data = f"created {created} companies" if created else "already has data"
        _ok(self.console, f"Demo tenant {DEMO_SLUG!r} ({demo.tenant_id}) {what}; {data}")
        return demo

    async def _seed_groupware(self) -> GroupwareSeed | None:
        """Register the Graph emulator as the demo branch server, import its rooms, connect the demo mailbox.

        Each step only when missing; failures are warnings: the stack keeps running.
        """
        emulator = self.ctx.topology.emulator(GRAPH_EMULATOR)
        gateway = self.ctx.topology.service(GATEWAY)
        try:
            with self.console.status("Connecting the demo mailbox on the Graph emulator…"):
                seeded = await seed_groupware(gateway.http_url, emulator, self.ctx.data_dir)
        except (SeedError, OSError, KeyError, TypeError, ValueError) as exc:  # an answer of an unexpected shape
            _warn(self.console, f"Demo mailbox not connected: {exc!r}")
            return None
        rooms = seeded.rooms
        room_text = (f"rooms imported ({rooms.get('created', 0)} new, {rooms.get('updated', 0)} updated, "
                     f"{rooms.get('unchanged', 0)} unchanged)")
        connector = "connected" if seeded.connector_created else "already connected"
        _ok(self.console, f"Branch server {seeded.server} ({seeded.server_id}); {room_text}; "
                          f"demo mailbox {DEMO_MAILBOX} {connector} ({seeded.connector_id})")
        if seeded.sync is not None:
            _ok(self.console, "Full sync of the demo mailbox requested; its result is reported when it ran "
                              "(calendar-sync's beat, within a minute)")
        else:
            _warn(self.console, f"No sync requested: {seeded.sync_note}")
        return seeded

    async def _report_first_sync(self, seeded: GroupwareSeed | None) -> None:
        """Print the demo mailbox's sync health once the requested run happened (in the background)."""
        if seeded is None or seeded.sync is None or seeded.resync_requested_at is None:
            return
        gateway = self.ctx.topology.service(GATEWAY)
        try:
            health, finished = await follow_first_sync(gateway.http_url, seeded.connector_id,
                                                       seeded.resync_requested_at)
        except Exception as exc:  # noqa: BLE001 - a report, never a reason to stop the stack
            _warn(self.console, f"Could not read the demo mailbox's sync health: {exc!r}")
            return
        if health is None:
            _warn(self.console, "Could not read the demo mailbox's sync health")
        elif finished:
            report = _ok if health.get("healthy") else _warn
            report(self.console, f"Demo mailbox sync: {describe_health(health)}")
        else:
            _warn(self.console, f"The demo mailbox has not synced yet: {describe_health(health)} "
                                f"(GET /api/v1/connectors/{seeded.connector_id}/sync)")

    def _services_table(self, readiness: Mapping[str, Readiness],
                        emulators: Mapping[str, Readiness] | None = None) -> Table:
        table = Table(title="Kontor services", title_justify="left")
        table.add_column("Service")
        table.add_column("gRPC", justify="right")
        table.add_column("HTTP", justify="right")
        table.add_column("State")
        for service in self.ctx.topology.services:
            result = readiness.get(service.name)
            state = (
                "[green]ready[/green]" if result and result.ready
                else f"[red]{escape(result.detail if result else 'unknown')}[/red]"
            )
            table.add_row(service.name, f"{LOOPBACK}:{service.grpc_port}",
                          service.http_url, state)
        for emulator in self.ctx.topology.emulators:
            result = (emulators or {}).get(emulator.name)
            state = (
                "[green]ready[/green]" if result and result.ready
                else f"[red]{escape(result.detail if result else 'unknown')}[/red]"
            )
            table.add_row(emulator.name, "-", emulator.base_url, state)
        return table

    def _print_urls(self, demo: DemoTenant | None, groupware: GroupwareSeed | None = None) -> None:
        topology = self.ctx.topology
        gateway = topology.service(GATEWAY)
        portal = topology.service("portal")
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold")
        table.add_column()
        table.add_row("Gateway API docs", f"{gateway.http_url}/docs")
        table.add_row("Login", f"POST {gateway.http_url}/api/v1/auth/login")
        table.add_row("Portal", f"{portal.http_url}/")
        table.add_row("NATS monitor", f"{topology.infra.nats_monitor_url}/")
        for emulator in topology.emulators:
            table.add_row(emulator.display_name, emulator.base_url)
            table.add_row("  its CA (trust it)", str(emulator.ca_path(self.ctx.data_dir)))
        table.add_row("Data dir", str(self.ctx.data_dir))
        if demo is not None:
            table.add_row("Demo tenant", f"{DEMO_SLUG} ({demo.tenant_id})")
            table.add_row("Demo org manager", DEMO_ADMIN_EMAIL)
            table.add_row("Demo password", f"{DEMO_PASSWORD}  (dev only)")
        if groupware is not None:
            table.add_row("Demo mailbox", f"{DEMO_MAILBOX}  (on the Graph emulator, synced both ways)")
            table.add_row("Graph demo tenant", DEMO_AZURE_TENANT_ID)
            table.add_row("Graph demo app", f"client id {DEMO_CLIENT_ID}")
            table.add_row("Graph demo secret", f"{DEMO_CLIENT_SECRET}  (dev only)")
        self.console.print()
        self.console.print(table)
        if demo is not None:
            login = (f'{{"tenant": "{DEMO_SLUG}", "email": "{DEMO_ADMIN_EMAIL}", '
                     f'"password": "{DEMO_PASSWORD}"}}')
            self.console.print("[bold]Log in[/bold] (the answer's access_token goes into \"Authorize\" "
                               "on the API docs):", soft_wrap=True)
            # On a line of its own and never wrapped or cut, so it can be copied.
            self.console.print(f"curl -s -X POST {gateway.http_url}/api/v1/auth/login "
                               f"-H 'content-type: application/json' -d '{login}'",
                               markup=False, highlight=False, soft_wrap=True)
            self.console.print("[yellow]The demo password is in the source code: it is for this local "
                               "stack only.[/yellow]", soft_wrap=True)
        else:
            self.console.print("[bold]Demo tenant[/bold] [yellow]not available (see above)[/yellow]")
        self.console.print("\n[bold]Kontor is running. Press Ctrl-C to stop.[/bold]\n", soft_wrap=True)

    def _report_readiness_change(self, name: str, result: Readiness) -> None:
        if result.ready:
            _ok(self.console, f"{name} is ready again")
        else:
            _warn(self.console, f"{name} is not ready: {result.detail}")


async def _up(ctx: DevContext, console: Console) -> int:
    session = UpSession(ctx, console)
    try:
        session.claim()
    except UsageError:
        await session.shutdown()
        raise
    return await _run_until_signal(console, session.run(), session.shutdown)


# ------------------------------------------------------------------ infra


async def _infra(ctx: DevContext, console: Console) -> int:
    infra = InfraStack(ctx.data_dir, ctx.topology.infra)
    lock = _claim_data_dir(ctx, console, infra)
    try:
        _check_ports(ctx.topology.infra_port_claims())
    except UsageError:
        lock.release()
        raise

    async def run() -> int:
        await _start_infrastructure(ctx, console, infra)
        for service in ctx.topology.services:
            console.print(f"\n# {service.name}", markup=False, highlight=False)
            console.print(_export_lines(service_env(service, ctx.topology.infra, ctx.data_dir,
                                                    topology=ctx.topology)),
                          markup=False, highlight=False, soft_wrap=True)
        console.print("\n[bold]Infrastructure running. `kontor-dev env <service>` prints one "
                      "service's environment. Press Ctrl-C to stop.[/bold]", soft_wrap=True)
        await asyncio.Event().wait()  # until a signal cancels us
        return EXIT_OK

    async def shutdown() -> None:
        for server in reversed(infra.servers):
            if server.is_running:
                with console.status(f"Stopping {server.display_name}…"):
                    server.stop()
                _ok(console, f"{server.display_name} stopped")
        lock.release()

    return await _run_until_signal(console, run(), shutdown)


# -------------------------------------------------------------- env, reset


def _env(ctx: DevContext, service_name: str) -> int:
    try:
        service = ctx.topology.service(service_name)
    except KeyError as exc:
        raise UsageError(exc.args[0]) from None
    sys.stdout.write(_export_lines(service_env(service, ctx.topology.infra, ctx.data_dir,
                                               topology=ctx.topology)) + "\n")
    return EXIT_OK


def _looks_like_data_dir(path: Path) -> bool:
    markers = ("kontor-dev.lock", "postgres", "nats", "redis", "secrets")
    return any((path / marker).exists() for marker in markers)


def _reset(ctx: DevContext, console: Console, assume_yes: bool) -> int:
    data_dir = ctx.data_dir
    if not data_dir.exists():
        _ok(console, f"Nothing to delete: {data_dir} does not exist")
        return EXIT_OK
    protected = {Path("/"), Path.home().absolute()} | ({ctx.repo_root} if ctx.repo_root else set())
    if data_dir in protected or not _looks_like_data_dir(data_dir):
        raise UsageError(f"{data_dir} does not look like a kontor-dev data dir; refusing to delete it.")
    lock = DataDirLock(data_dir)
    try:
        lock.acquire()  # refuses while a stack runs on it
    except DataDirInUseError as exc:
        raise UsageError(str(exc)) from None
    try:
        if not assume_yes:
            if not sys.stdin.isatty():
                raise UsageError("Not a terminal: pass --yes to delete the local data.")
            if not Confirm.ask(f"Delete {data_dir} with all local databases, streams and keys?",
                               console=console, default=False):
                console.print("Nothing deleted.")
                return EXIT_FAILED
        # A server still running on the data dir would keep writing into it.
        InfraStack(data_dir, ctx.topology.infra).stop_leftovers()
        shutil.rmtree(data_dir)
    finally:
        lock.release()
    _ok(console, f"Deleted {data_dir}")
    return EXIT_OK


# --------------------------------------------------------------------- main


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kontor-dev",
        description="Run the Kontor stack locally: PostgreSQL, NATS JetStream, Redis and all services.",
        epilog=f"Data lives in ${HOME_ENV_VAR} or <repo root>/.kontor. "
               "Ports can be moved with KONTOR_DEV_<...>_PORT variables (e.g. KONTOR_DEV_PG_PORT, "
               "KONTOR_DEV_GATEWAY_HTTP_PORT).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("up", help="start everything, seed demo data, watch until Ctrl-C")
    commands.add_parser("infra", help="start only PostgreSQL, NATS and Redis and print every service's env")
    env = commands.add_parser("env", help="print one service's environment as export lines")
    env.add_argument("service", help="service name, e.g. contacts")
    reset = commands.add_parser("reset", help="delete the local data (asks first)")
    reset.add_argument("--yes", "-y", action="store_true", help="do not ask")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    console = Console()
    logging.basicConfig(
        level=logging.WARNING,
        format="%(message)s",
        handlers=[RichHandler(console=console, show_time=False, show_path=False)],
    )
    try:
        ctx = resolve_context()
        if args.command == "up":
            return asyncio.run(_up(ctx, console))
        if args.command == "infra":
            return asyncio.run(_infra(ctx, console))
        if args.command == "env":
            return _env(ctx, args.service)
        if args.command == "reset":
            return _reset(ctx, console, args.yes)
    except UsageError as exc:
        _fail(Console(stderr=True), str(exc))
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_FAILED
    raise AssertionError(f"unhandled command {args.command}")


if __name__ == "__main__":
    sys.exit(main())
