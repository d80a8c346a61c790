"""The refresh-token cleanup job against a real PostgreSQL (the server `make dev` runs), with row-level security."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from kontor.devstack.testing import service_database
from kontor.platform import migrations
from kontor.platform.db import Database

from kontor.gateway.identity.sessions import service as sessions
from kontor.gateway.identity.sessions.tasks import TASK, prune_all_tenants
from kontor.gateway.settings import GatewaySettings
from kontor.gateway.tasks import celery_app

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
RETENTION = timedelta(days=7)
TTL = timedelta(days=14)


@pytest.fixture(scope="module")
def database_url(tmp_path_factory) -> str:
    with service_database(tmp_path_factory.mktemp("postgres"), "gateway") as url:
        yield url


async def _family(db: Database, tenant: uuid.UUID, *, user: str = "u1", tokens: int = 1) -> uuid.UUID:
    """A family of ``tokens`` tokens issued at NOW - TTL (so they would expire at NOW) via the real login path."""
    async with db.unit_of_work(tenant) as session:
        await sessions.start_family(session, tenant_id=tenant, user_id=user, ttl=TTL, now=NOW - TTL)
        family = await session.scalar(sa.text("SELECT family_id FROM refresh_tokens ORDER BY created_at DESC, "
                                              "id LIMIT 1"))
        for _ in range(tokens - 1):
            await sessions.start_family(session, tenant_id=tenant, user_id=user, ttl=TTL, now=NOW - TTL,
                                        family_id=family)
    return family


async def _set(db: Database, tenant: uuid.UUID, family: uuid.UUID, sql: str, **params) -> None:
    async with db.unit_of_work(tenant) as session:
        await session.execute(sa.text(f"UPDATE refresh_tokens SET {sql} WHERE family_id = :family"),
                              {"family": family, **params})


async def _families(db: Database, tenant: uuid.UUID) -> set[uuid.UUID]:
    async with db.unit_of_work(tenant) as session:
        return set((await session.scalars(sa.text("SELECT DISTINCT family_id FROM refresh_tokens"))).all())


async def test_migration_registers_the_tenants_of_tokens_stored_before_it(database_url):
    await asyncio.to_thread(migrations.upgrade, MIGRATIONS, database_url, "0002")
    db = Database(database_url, pool_size=1)
    older = uuid.uuid4()
    try:
        async with db.unit_of_work(older) as session:  # a token from before 0003, written as 0002 would
            await session.execute(sa.text(
                "INSERT INTO refresh_tokens (id, family_id, user_id, token_hash, expires_at) "
                "VALUES (:id, :family, 'u0', :hash, :expires)"),
                {"id": uuid.uuid4(), "family": uuid.uuid4(), "hash": uuid.uuid4().bytes, "expires": NOW})
        await asyncio.to_thread(migrations.upgrade, MIGRATIONS, database_url)
        async with db.unit_of_work(None) as session:
            assert older in await sessions.session_tenants(session)
            # The backfill lifted FORCE only inside its transaction: the system scope sees no tokens again.
            assert await session.scalar(sa.text("SELECT count(*) FROM refresh_tokens")) == 0
            forced = await session.scalar(sa.text(
                "SELECT relforcerowsecurity FROM pg_class WHERE relname = 'refresh_tokens'"))
            assert forced is True
    finally:
        await db.dispose()


async def test_cleanup_deletes_families_dead_for_longer_than_the_retention_in_every_tenant(database_url):
    await asyncio.to_thread(migrations.upgrade, MIGRATIONS, database_url)
    db = Database(database_url, pool_size=2)
    a, b = uuid.uuid4(), uuid.uuid4()
    try:
        expired_long_ago = await _family(db, a)
        await _set(db, a, expired_long_ago, "expires_at = :t", t=NOW - RETENTION - timedelta(days=1))
        expired_recently = await _family(db, a)
        await _set(db, a, expired_recently, "expires_at = :t", t=NOW - RETENTION + timedelta(days=1))
        revoked_long_ago = await _family(db, a)
        await _set(db, a, revoked_long_ago, "expires_at = :e, revoked_at = :r",
                   e=NOW + timedelta(days=3), r=NOW - RETENTION - timedelta(hours=1))
        revoked_recently = await _family(db, a)
        await _set(db, a, revoked_recently, "expires_at = :e, revoked_at = :r",
                   e=NOW + timedelta(days=2), r=NOW - timedelta(days=1))
        # A used token long expired, but its successor lives: presenting the old one must still end the family.
        alive = await _family(db, a, tokens=2)
        async with db.unit_of_work(a) as session:
            await session.execute(sa.text(
                "UPDATE refresh_tokens SET expires_at = CASE WHEN id = (SELECT id FROM refresh_tokens "
                "WHERE family_id = :f ORDER BY id LIMIT 1) THEN CAST(:old AS timestamptz) ELSE CAST(:new AS timestamptz) END, "
                "used_at = CASE WHEN id = (SELECT id FROM refresh_tokens WHERE family_id = :f ORDER BY id LIMIT 1) "
                "THEN CAST(:old AS timestamptz) ELSE NULL END WHERE family_id = :f"),
                {"f": alive, "old": NOW - RETENTION - timedelta(days=30), "new": NOW + timedelta(days=10)})
        other_tenant_dead = await _family(db, b, user="u2")
        await _set(db, b, other_tenant_dead, "expires_at = :t", t=NOW - RETENTION - timedelta(days=1))
        other_tenant_alive = await _family(db, b, user="u2")
        await _set(db, b, other_tenant_alive, "expires_at = :t", t=NOW + timedelta(days=1))

        deleted = await prune_all_tenants(db, retention=RETENTION, now=NOW)

        assert deleted == 3
        assert await _families(db, a) == {expired_recently, revoked_recently, alive}
        assert await _families(db, b) == {other_tenant_alive}
        async with db.unit_of_work(a) as session:
            assert await session.scalar(sa.text("SELECT count(*) FROM refresh_tokens WHERE family_id = :f"),
                                        {"f": alive}) == 2
        assert await prune_all_tenants(db, retention=RETENTION, now=NOW) == 0  # idempotent
    finally:
        await db.dispose()


def test_beat_runs_the_cleanup_hourly():
    settings = GatewaySettings(database_url="postgresql+asyncpg://u:p@localhost/db", nats_url="nats://x",
                               signing_key_file=str(Path("unused.pem")), contacts_addr="c:1", billing_addr="b:1",
                               calendar_sync_addr="s:1", mail_import_addr="m:1")
    assert settings.refresh_token_retention_days == 7
    app = celery_app(settings)
    assert TASK in app.tasks
    assert app.conf.beat_schedule[TASK]["schedule"] == timedelta(hours=1)
