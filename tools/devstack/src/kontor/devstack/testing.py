"""Throwaway real servers for test fixtures: one PostgreSQL with a service's database, one Redis.

Tests that need only one server (not the whole stack) start it through these, so every fixture starts,
names and stops them the same way and none leaves a server running when its test session fails.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
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
