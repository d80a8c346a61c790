"""Alembic glue shared by every service.

Each service keeps its own ``migrations/`` folder (env.py + versions/). Its
env.py is two lines: import the service's models and call ``run_env(Base.metadata)``.
``upgrade`` runs them programmatically (``kontor-<service> migrate``) under a
PostgreSQL advisory lock, so several replicas starting at once migrate once.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import sqlalchemy as sa
from alembic import command, context, op
from alembic.config import Config
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import create_async_engine

from kontor.platform import rls

# Any fixed 64-bit number works; it only has to be the same for every replica.
_MIGRATION_LOCK_ID = 0x4B4F4E544F52  # "KONTOR"


def _alembic_config(migrations_dir: Path, database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir))
    cfg.set_main_option("path_separator", "os")
    cfg.attributes["database_url"] = database_url
    return cfg


def upgrade(migrations_dir: Path, database_url: str, revision: str = "heads") -> None:
    """Blocking; call from a thread when an event loop is running.

    "heads" rather than "head": while domains are developed on parallel
    branches, every branch is applied; a merge revision joins them again.
    """
    command.upgrade(_alembic_config(migrations_dir, database_url), revision)


def current_heads(migrations_dir: Path) -> set[str]:
    from alembic.script import ScriptDirectory  # noqa: PLC0415

    return set(ScriptDirectory.from_config(_alembic_config(migrations_dir, "")).get_heads())


def run_env(target_metadata: sa.MetaData) -> None:
    """Body of every service's migrations/env.py."""
    url = context.config.attributes.get("database_url")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    asyncio.run(_run_online(url, target_metadata))


async def _run_online(url: str, target_metadata: sa.MetaData) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            await conn.execute(sa.text(f"SELECT pg_advisory_lock({_MIGRATION_LOCK_ID})"))
            await conn.commit()
            try:
                await conn.run_sync(_run_sync, target_metadata)
            finally:
                await conn.execute(sa.text(f"SELECT pg_advisory_unlock({_MIGRATION_LOCK_ID})"))
                await conn.commit()
    finally:
        await engine.dispose()


def _run_sync(connection: sa.Connection, target_metadata: sa.MetaData) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


# Column helpers for service migrations (the same shapes the models' mixins declare).


def uuid_column(name: str, *args, **kwargs) -> sa.Column:
    return sa.Column(name, postgresql.UUID(as_uuid=True), *args, **kwargs)


def tenant_column() -> sa.Column:
    """``tenant_id``, defaulting to the session's tenant (``TenantScoped``); pair with rls.enable_tenant_isolation."""
    return uuid_column("tenant_id", nullable=False, server_default=sa.text("kontor_current_tenant()"))


def timestamp_column(name: str, **kwargs) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), **kwargs)


def create_platform_schema() -> None:
    """First migration of every service: the tenant function, the outbox and the inbox."""
    rls.create_current_tenant_function()
    op.create_table(
        "outbox",
        sa.Column("id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("event_type", sa.Text(), nullable=False),
        sa.Column("payload", postgresql.JSONB(), nullable=False),
        sa.Column("headers", postgresql.JSONB(), nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
    )
    # The relay only ever scans unpublished rows in creation order.
    op.create_index(
        "ix_outbox_unpublished", "outbox", ["created_at", "id"], postgresql_where=sa.text("published_at IS NULL")
    )
    op.create_table(
        "inbox",
        sa.Column("consumer", sa.Text(), nullable=False),
        sa.Column("event_id", sa.Text(), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("consumer", "event_id", name="pk_inbox"),
    )
    op.create_index("ix_inbox_handled_at", "inbox", ["handled_at"])


def drop_platform_schema() -> None:
    op.drop_table("inbox")
    op.drop_table("outbox")
    op.execute("DROP FUNCTION IF EXISTS kontor_current_tenant()")
