"""Database access: SQLAlchemy 2 async, one unit of work per request or message.

Tenant isolation is enforced by PostgreSQL row-level security, not by query
discipline: ``Database.unit_of_work(tenant_id)`` opens a transaction and sets
``kontor.tenant_id`` for exactly that transaction (``set_config(..., true)``),
and every tenant table carries a policy comparing ``tenant_id`` with it (see
``kontor.platform.rls``). A query that forgets its ``WHERE tenant_id = ...``
still sees only the caller's rows.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from sqlalchemy import DateTime, MetaData, event, func, select, text
from sqlalchemy.exc import DisconnectionError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Stable constraint names make Alembic migrations reproducible across databases.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

TENANT_SETTING = "kontor.tenant_id"
CURRENT_TENANT_SQL = "kontor_current_tenant()"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class TenantScoped:
    """Mixin for tables isolated per tenant. Pair it with ``rls.enable_tenant_isolation`` in the migration.

    The column defaults to the session's tenant, so an insert inside a unit of
    work lands in the caller's tenant without the service passing it around.
    """

    tenant_id: Mapped[uuid.UUID] = mapped_column(
        nullable=False, index=True, server_default=text(CURRENT_TENANT_SQL)
    )


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now(), onupdate=func.now()
    )


class UnsafeDatabaseRole(SystemExit):
    """The configured role would bypass row-level security."""


class DatabaseUnreachable(SystemExit):
    """The database cannot be reached at start-up; the message says where we looked."""


def _ping_when_idle(engine: AsyncEngine, idle_s: float) -> None:
    """SQLAlchemy's pre-ping, for connections idle longer than ``idle_s`` only."""
    pool = engine.sync_engine.pool

    @event.listens_for(pool, "connect")
    @event.listens_for(pool, "checkin")
    def _stamp(dbapi_connection, record) -> None:
        record.info["kontor_idle_since"] = time.monotonic()

    @event.listens_for(pool, "checkout")
    def _ping(dbapi_connection, record, proxy) -> None:
        if time.monotonic() - record.info.get("kontor_idle_since", float("-inf")) <= idle_s:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise DisconnectionError(f"pooled connection is dead: {exc}") from exc
        if not alive:  # the pool retries the checkout with a new connection
            raise DisconnectionError("pooled connection is dead")


class Database:
    """``pre_ping_after_idle_s``: 0 (the default) pings every pooled connection at checkout, one round trip
    per unit of work. A positive value pings only connections that sat idle in the pool longer than that:
    a busy service skips the round trip, and a database restart still costs at most the one call that
    meets a dead connection (SQLAlchemy then invalidates the whole pool)."""

    def __init__(self, url: str, *, pool_size: int = 10, echo: bool = False, pre_ping_after_idle_s: float = 0.0):
        self.engine: AsyncEngine = create_async_engine(
            url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=pre_ping_after_idle_s <= 0, echo=echo
        )
        if pre_ping_after_idle_s > 0:
            _ping_when_idle(self.engine, pre_ping_after_idle_s)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @asynccontextmanager
    async def unit_of_work(self, tenant_id: uuid.UUID | None) -> AsyncIterator[AsyncSession]:
        """One transaction: commits when the block ends, rolls back on any exception.

        ``tenant_id=None`` is the system scope (outbox relay, housekeeping): it
        sees no row of any tenant table.
        """
        async with self._sessions() as session, session.begin():
            await session.execute(
                select(func.set_config(TENANT_SETTING, str(tenant_id) if tenant_id else "", True))
            )
            yield session

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def assert_role_respects_rls(self) -> None:
        """Refuse to run as a role that row-level security does not apply to."""
        try:
            async with self.engine.connect() as conn:
                row = (
                    await conn.execute(
                        text("SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
                    )
                ).one()
        except (OSError, SQLAlchemyError) as exc:
            url = self.engine.url  # rendered without the password
            raise DatabaseUnreachable(
                f"Cannot reach the database {url.database!r} at {url.host}:{url.port} as {url.username!r} "
                f"({type(exc).__name__}). Check that PostgreSQL runs and that DATABASE_URL is right."
            ) from None
        if row.rolsuper or row.rolbypassrls:
            raise UnsafeDatabaseRole(
                f"Database role {row.current_user!r} is a superuser or has BYPASSRLS, so tenant isolation "
                "would not apply. Connect as a role created with NOSUPERUSER NOBYPASSRLS (docs/deployment.md)."
            )

    async def dispose(self) -> None:
        await self.engine.dispose()
