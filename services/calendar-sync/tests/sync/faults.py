"""Faults the convergence test injects into a sync run, and the scan for private details afterwards.

* ``FaultTransport`` wraps the provider's HTTP transport and acts at the n-th Graph request of a run: it kills
  the worker (cancels the run's task, the way a dying Celery worker stops mid-batch: no ``except`` in the engine
  sees it) before the request leaves or after the groupware answered it, or it revokes every access token just
  before the request goes out (token expiry mid-run: Graph answers 401 and the provider must get a new one).
* ``LogCapture`` keeps every log record the service's code emits during an example.
* ``scan_database`` reads every row of every table of calendar-sync's database (as the tenant and in the
  system scope), including the outbox that carries the published events.
"""

from __future__ import annotations

import asyncio
import json
import logging
import ssl
import uuid
from collections.abc import Callable, Iterable

import httpx
import sqlalchemy as sa

from kontor.platform.db import Database

KILL_BEFORE, KILL_AFTER, REVOKE = "kill_before", "kill_after", "revoke"


class FaultTransport(httpx.AsyncBaseTransport):
    """The real transport, with at most one fault at request number ``at`` (0-based) of the run."""

    def __init__(self, ca_path: str, *, action: str | None = None, at: int = 0,
                 revoke: Callable[[], None] | None = None) -> None:
        self.inner = httpx.AsyncHTTPTransport(verify=ssl.create_default_context(cafile=ca_path))
        self.action, self.at, self.revoke = action, at, revoke
        self.task: asyncio.Task | None = None  # the run to kill
        self.requests = 0
        self.fired = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        index = self.requests
        self.requests += 1
        hit = self.action is not None and index == self.at and not self.fired
        if hit and self.action == REVOKE:
            self.fired = True
            await asyncio.to_thread(self.revoke)
        if hit and self.action == KILL_BEFORE:
            await self._kill()
        response = await self.inner.handle_async_request(request)
        if hit and self.action == KILL_AFTER:
            await response.aread()  # the groupware did the work; the worker dies before it stores the result
            await self._kill()
        return response

    async def _kill(self) -> None:
        self.fired = True
        assert self.task is not None
        self.task.cancel()
        # The cancellation lands here (in a request of a child task, once the run's task group passes it on).
        await asyncio.sleep(30)
        raise AssertionError("the killed run went on")  # pragma: no cover - cancel() lands above

    async def aclose(self) -> None:
        await self.inner.aclose()


class LogCapture(logging.Handler):
    """Every record of the service's code (and the libraries it calls) while installed; the Graph emulator runs
    in this process too, its own records are not the CRM's logs."""

    FOREIGN = ("kontor.emulators", "uvicorn", "hypothesis")
    LOUD = ("kontor", "httpx", "httpcore", "msal")

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.texts: list[str] = []
        self._levels: dict[str, int] = {}

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(self.FOREIGN):
            return
        extras = {k: v for k, v in record.__dict__.items() if k not in _STANDARD}
        self.texts.append(" ".join([record.name, record.getMessage(), repr(extras), record.exc_text or "",
                                    logging.Formatter().formatException(record.exc_info) if record.exc_info else ""]))

    def __enter__(self) -> LogCapture:
        root = logging.getLogger()
        root.addHandler(self)
        for name in self.LOUD:
            logger = logging.getLogger(name)
            self._levels[name] = logger.level
            logger.setLevel(logging.DEBUG)
        return self

    def __exit__(self, *exc) -> None:
        logging.getLogger().removeHandler(self)
        for name, level in self._levels.items():
            logging.getLogger(name).setLevel(level)


_STANDARD = set(vars(logging.LogRecord("n", logging.INFO, "p", 1, "m", None, None))) | {"message", "asctime"}


def _texts(value) -> Iterable[str]:
    if value is None:
        return ()
    if isinstance(value, bytes | bytearray | memoryview):
        return (bytes(value).decode("utf-8", errors="replace"),)
    if isinstance(value, dict | list):
        return (json.dumps(value, ensure_ascii=False, default=str),)
    return (str(value),)


async def scan_database(db: Database, tenant_id: uuid.UUID, secrets: set[str]) -> list[str]:
    """``table.column: secret`` for every secret found in any row of any table (tenant scope and system scope)."""
    found: set[str] = set()
    if not secrets:
        return []
    async with db.unit_of_work(None) as session:
        tables = (await session.scalars(sa.text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"))).all()
    for scope in (tenant_id, None):
        async with db.unit_of_work(scope) as session:
            for table in tables:
                result = await session.execute(sa.text(f'SELECT * FROM "{table}"'))
                columns = list(result.keys())
                for row in result:
                    for column, value in zip(columns, row, strict=True):
                        for text in _texts(value):
                            found.update(f"{table}.{column}: {s}" for s in secrets if s in text)
    return sorted(found)


def scan_texts(texts: Iterable[str], secrets: set[str]) -> list[str]:
    return sorted({s for text in texts for s in secrets if s in text})
