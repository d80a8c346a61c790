"""The three infrastructure servers of the local stack, as one unit."""

from __future__ import annotations

import logging
from pathlib import Path

from kontor.devstack.servers import ManagedServer, NatsServer, PostgresServer, RedisServer
from kontor.devstack.topology import InfraPorts

_log = logging.getLogger(__name__)


class InfraStack:
    """PostgreSQL, NATS and Redis with their data under one ``data_dir``.

    Layout: ``<data_dir>/postgres``, ``<data_dir>/nats``, ``<data_dir>/redis``.
    """

    def __init__(self, data_dir: Path, ports: InfraPorts) -> None:
        self.data_dir = Path(data_dir)
        self.ports = ports
        self.postgres = PostgresServer(self.data_dir / "postgres", ports.postgres)
        self.nats = NatsServer(self.data_dir / "nats", ports.nats, ports.nats_monitor)
        self.redis = RedisServer(self.data_dir / "redis", ports.redis)

    @property
    def servers(self) -> tuple[ManagedServer, ...]:
        """In start order; they stop in reverse."""
        return (self.postgres, self.nats, self.redis)

    def stop_leftovers(self) -> list[str]:
        """Stop servers that a dead earlier run left on this data dir; return their names."""
        return [server.display_name for server in self.servers if server.stop_leftover()]

    def stop(self) -> None:
        """Stop every server, in reverse start order, even if one of them fails to stop."""
        for server in reversed(self.servers):
            try:
                server.stop()
            except Exception:  # keep stopping the others
                _log.exception("Could not stop %s", server.display_name)
