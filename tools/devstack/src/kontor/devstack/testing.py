"""Throwaway real servers for test fixtures: one PostgreSQL with a service's database, one Redis.

Tests that need only one server (not the whole stack) start it through these, so every fixture starts,
names and stops them the same way and none leaves a server running when its test session fails.
A service's tests/conftest.py gets its migrated database and a ``Database`` on it with
``database_url, db = database_fixtures("<service>", MIGRATIONS)``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from kontor.devstack.ports import free_port
from kontor.devstack.servers import PostgresServer, RedisServer


@contextmanager
def service_database(data_dir: Path, service: str) -> Iterator[str]:
    """A PostgreSQL in ``data_dir`` holding ``service``'s empty database and role; yields its URL."""
    with PostgresServer(Path(data_dir), free_port()) as server:
        yield asyncio.run(server.ensure_service_database(service))


@contextmanager
def redis_server(data_dir: Path) -> Iterator[str]:
    """A redis-server in ``data_dir``; yields its URL."""
    with RedisServer(Path(data_dir), free_port()) as server:
        yield server.url


@contextmanager
def migrated_database(data_dir: Path, service: str, migrations_dir: Path) -> Iterator[str]:
    """``service_database`` with ``migrations_dir``'s Alembic migrations applied up to head; yields its URL."""
    # Imported here: the dev stack itself (kontor-dev) runs without the platform library.
    from kontor.platform import migrations  # noqa: PLC0415

    with service_database(data_dir, service) as url:
        migrations.upgrade(Path(migrations_dir), url)
        yield url


def database_fixtures(service: str, migrations_dir: Path) -> tuple[Callable, Callable]:
    """The pytest fixtures ``database_url`` (one real PostgreSQL per test session holding ``service``'s
    migrated database) and ``db`` (a ``kontor.platform.db.Database`` on it per test), for a conftest to bind:

        database_url, db = database_fixtures("mail-import", MIGRATIONS)
    """
    import pytest  # noqa: PLC0415 - only tests call this

    from kontor.platform.db import Database  # noqa: PLC0415

    @pytest.fixture(scope="session", name="database_url")
    def database_url_fixture(tmp_path_factory) -> Iterator[str]:
        with migrated_database(tmp_path_factory.mktemp("postgres"), service, migrations_dir) as url:
            yield url

    @pytest.fixture(name="db")
    async def db_fixture(database_url):
        database = Database(database_url, pool_size=2)
        yield database
        await database.dispose()

    return database_url_fixture, db_fixture
