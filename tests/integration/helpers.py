"""Small helpers shared by the integration tests."""

from __future__ import annotations

import asyncio
import time
import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine


def poll(fn, timeout: float = 30.0, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = fn()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")


async def apoll(fn, timeout: float = 30.0, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = await fn()
        if result:
            return result
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")


async def scalar(database_url: str, sql: str, **params):
    """One value from a service database, queried as that service's own role."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            return (await conn.execute(sa.text(sql), params)).scalar()
    finally:
        await engine.dispose()


def new_tenant() -> uuid.UUID:
    return uuid.uuid4()
