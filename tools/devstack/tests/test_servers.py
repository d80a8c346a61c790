"""Real servers from the wheels, each on free ports in a tmp dir."""

import json
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from kontor.devstack.ports import free_port
from kontor.devstack.servers import NatsServer, PostgresServer, RedisServer, ServerStartError

# --------------------------------------------------------------- PostgreSQL


@pytest.fixture(scope="module")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer]:
    server = PostgresServer(tmp_path_factory.mktemp("pg"), free_port())
    with server:
        yield server


async def test_postgres_accepts_connections_and_start_is_idempotent(postgres: PostgresServer) -> None:
    pid = postgres.pid
    postgres.start()
    assert postgres.pid == pid and postgres.is_running
    connection = await asyncpg.connect(postgres.admin_dsn())
    try:
        assert await connection.fetchval("SELECT current_user") == "postgres"
        assert await connection.fetchval("SHOW listen_addresses") == "127.0.0.1"
    finally:
        await connection.close()


async def test_postgres_keeps_data_across_restart_and_crash(postgres: PostgresServer) -> None:
    connection = await asyncpg.connect(postgres.admin_dsn())
    await connection.execute("CREATE TABLE survivor (id int primary key, note text)")
    await connection.execute("INSERT INTO survivor VALUES (1, 'kept')")
    await connection.close()

    postgres.stop()
    assert not postgres.is_running
    postgres.start()
    connection = await asyncpg.connect(postgres.admin_dsn())
    await connection.execute("INSERT INTO survivor VALUES (2, 'committed before crash')")
    await connection.close()

    postgres.kill()  # no shutdown at all: crash recovery on the next start
    postgres.start()
    connection = await asyncpg.connect(postgres.admin_dsn())
    try:
        assert await connection.fetchval("SELECT count(*) FROM survivor") == 2
    finally:
        await connection.close()
    assert "starting PostgreSQL" in postgres.log_path.read_text()


async def test_service_database_is_idempotent_and_role_is_unprivileged(postgres: PostgresServer) -> None:
    url = await postgres.ensure_service_database("calendar-sync")
    assert url == (
        "postgresql+asyncpg://kontor_calendar_sync:kontor_calendar_sync"
        f"@127.0.0.1:{postgres.port}/kontor_calendar_sync"
    )
    assert await postgres.ensure_service_database("calendar-sync") == url

    admin = await asyncpg.connect(postgres.admin_dsn())
    try:
        role = await admin.fetchrow(
            "SELECT rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, rolbypassrls "
            "FROM pg_roles WHERE rolname = 'kontor_calendar_sync'"
        )
        assert dict(role) == {"rolcanlogin": True, "rolsuper": False, "rolcreatedb": False,
                              "rolcreaterole": False, "rolbypassrls": False}
        owner = await admin.fetchval(
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'kontor_calendar_sync'"
        )
        assert owner == "kontor_calendar_sync"
        # Someone granting too much by hand is undone by the next call.
        await admin.execute("ALTER ROLE kontor_calendar_sync SUPERUSER BYPASSRLS")
        await postgres.ensure_service_database("calendar-sync")
        assert not await admin.fetchval(
            "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = 'kontor_calendar_sync'"
        )
    finally:
        await admin.close()

    # The service logs in with its password and may create tables in its database.
    service = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await service.execute("CREATE TABLE IF NOT EXISTS events (id int)")
        assert await service.fetchval("SELECT current_user") == "kontor_calendar_sync"
    finally:
        await service.close()

    with pytest.raises(asyncpg.InvalidPasswordError):
        await asyncpg.connect(f"postgresql://kontor_calendar_sync:wrong@127.0.0.1:{postgres.port}/"
                              "kontor_calendar_sync")


async def test_service_cannot_reach_another_service_database(postgres: PostgresServer) -> None:
    await postgres.ensure_service_database("contacts")
    url = await postgres.ensure_service_database("billing")
    billing_dsn = url.replace("postgresql+asyncpg://", "postgresql://").rsplit("/", 1)[0]
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await asyncpg.connect(f"{billing_dsn}/kontor_contacts")


def test_postgres_start_failure_shows_log_tail(tmp_path: Path) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        server = PostgresServer(tmp_path / "pg", port, ready_timeout=15)
        with pytest.raises(ServerStartError) as caught:
            server.start()
    message = str(caught.value)
    assert "PostgreSQL exited with code 1 while starting" in message
    assert "could not" in message  # PostgreSQL's own words from its log
    assert not server.is_running


# --------------------------------------------------------------------- NATS


def _nats_request(port: int, subject: str, payload: dict[str, object]) -> dict[str, object]:
    """One request/reply over the plain NATS protocol (JetStream API calls)."""
    body = json.dumps(payload).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        stream = sock.makefile("rb")
        assert stream.readline().startswith(b"INFO ")
        sock.sendall(b'CONNECT {"verbose":false,"pedantic":false}\r\n'
                     b"SUB _INBOX.devstack 1\r\n"
                     + f"PUB {subject} _INBOX.devstack {len(body)}\r\n".encode() + body + b"\r\n")
        while True:
            line = stream.readline()
            if line.startswith(b"MSG "):
                size = int(line.split()[-1])
                return json.loads(stream.read(size + 2)[:size])
            if line.startswith(b"PING"):
                sock.sendall(b"PONG\r\n")
            assert not line.startswith(b"-ERR"), line


def test_nats_jetstream_stream_survives_restart(tmp_path: Path) -> None:
    server = NatsServer(tmp_path / "nats", free_port(), free_port())
    with server:
        health = httpx.get(f"{server.monitor_url}/healthz?js-enabled-only=true", trust_env=False)
        assert health.json() == {"status": "ok"}
        assert server.url == f"nats://127.0.0.1:{server.port}"
        created = _nats_request(server.port, "$JS.API.STREAM.CREATE.DEVSTACK",
                                {"name": "DEVSTACK", "subjects": ["devstack.>"], "storage": "file"})
        assert "error" not in created, created
        pid = server.pid
        server.start()  # idempotent
        assert server.pid == pid

    server.start()
    try:
        names = _nats_request(server.port, "$JS.API.STREAM.NAMES", {})
        assert names["streams"] == ["DEVSTACK"]
    finally:
        server.stop()
    assert (tmp_path / "nats" / "jetstream").is_dir()


# -------------------------------------------------------------------- Redis


def _redis(port: int, *args: str) -> bytes:
    command = f"*{len(args)}\r\n".encode() + b"".join(
        f"${len(arg.encode())}\r\n{arg}\r\n".encode() for arg in args)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(command)
        reply = sock.makefile("rb")
        first = reply.readline()
        if first.startswith(b"$") and first != b"$-1\r\n":
            return reply.readline().rstrip(b"\r\n")
        return first.rstrip(b"\r\n")


def test_redis_key_survives_restart(tmp_path: Path) -> None:
    server = RedisServer(tmp_path / "redis", free_port())
    with server:
        assert server.url == f"redis://127.0.0.1:{server.port}/0"
        assert _redis(server.port, "PING") == b"+PONG"
        assert _redis(server.port, "SET", "survivor", "kept") == b"+OK"
    assert not server.is_running
    with server:
        assert _redis(server.port, "GET", "survivor") == b"kept"
    assert (tmp_path / "redis" / "appendonly.aof").exists()


def test_leftover_server_from_a_dead_owner_is_stopped(tmp_path: Path) -> None:
    port = free_port()
    first = RedisServer(tmp_path / "redis", port)
    first.start()
    orphan_pid = first.pid
    first._process = None  # forget it, as a kontor-dev that was SIGKILLed would

    second = RedisServer(tmp_path / "redis", port)
    try:
        second.start()
        assert second.pid != orphan_pid
        assert _redis(port, "PING") == b"+PONG"
    finally:
        second.stop()
    assert _exits(orphan_pid), f"the leftover redis-server {orphan_pid} is still running"


def _exits(pid: int, timeout_s: float = 10.0) -> bool:
    """Whether ``pid`` is gone within the timeout.

    The orphan is this test's own child, so once killed it lingers as a zombie
    (and answers kill(pid, 0)) until someone reaps it: reap it here.
    """
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass  # already reaped (by subprocess' own bookkeeping)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False
