"""The migrations create exactly the tables, columns and types the models declare, isolated per tenant."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import create_async_engine

from kontor.platform.consumer import InboxEntry
from kontor.platform.db import Base
from kontor.platform.outbox import OutboxEvent

from kontor.mail_import.models import metadata

TENANT_TABLES = ("mail_accounts", "mail_account_credentials", "mail_import_states", "mail_import_log",
                 "mail_quarantine", "mails", "mailbox_references", "mail_links", "mail_filter_rules")


async def _run(url: str, fn):
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(fn)
    finally:
        await engine.dispose()


def _service_tables() -> set[str]:
    """mail-import's tables: the shared declarative Base also holds other services' models when their tests ran
    in the same session."""
    own = {m.class_.__tablename__ for m in Base.registry.mappers if m.class_.__module__.startswith("kontor.mail_import")}
    return own | {InboxEntry.__tablename__, OutboxEvent.__tablename__}


def _differences(connection) -> list:
    tables = _service_tables()

    def include(obj, name, type_, reflected, compare_to) -> bool:
        table = obj if type_ == "table" else getattr(obj, "table", None)
        return (name if type_ == "table" else getattr(table, "name", None)) in tables if table is not None else True

    context = MigrationContext.configure(connection, opts={"compare_type": True, "include_object": include})
    # Indexes the models do not declare (the migration's unique and lookup indexes) are the migration's job;
    # anything else (a table, a column, its type or nullability) differing is a defect.
    return [d for d in compare_metadata(context, metadata) if not (isinstance(d, tuple) and d[0] == "remove_index")]


async def test_migrated_schema_matches_the_models(database_url):
    assert await _run(database_url, _differences) == []


def _isolation_and_indexes(connection):
    rows = dict(connection.execute(text(
        "SELECT relname, relrowsecurity AND relforcerowsecurity FROM pg_class WHERE relname = ANY(:names) "
        "AND relkind = 'r'"), {"names": [*TENANT_TABLES, "mail_tenants"]}).all())
    indexes = {ix["name"]: (ix["column_names"], bool(ix["unique"])) for table in TENANT_TABLES
               for ix in inspect(connection).get_indexes(table)}
    return rows, indexes


async def test_tenant_tables_have_row_level_security_and_the_design_indexes(database_url):
    rows, indexes = await _run(database_url, _isolation_and_indexes)
    assert rows == {**{table: True for table in TENANT_TABLES}, "mail_tenants": False}
    assert indexes["uq_mail_accounts_address"] == (["tenant_id", "provider", "address_key"], True)
    assert indexes["uq_mails_dedup_key"] == (["tenant_id", "dedup_key"], True)
    assert indexes["ix_mails_message_id"] == (["tenant_id", "message_id"], False)
    assert indexes["uq_mailbox_references_ref"] == (["account_id", "folder_id", "ref"], True)
    assert indexes["uq_mail_quarantine_ref"] == (["account_id", "folder_id", "ref"], True)
    assert indexes["uq_mail_links_record"] == (["mail_id", "record_type", "record_id"], True)
    assert indexes["ix_mail_links_record"] == (["tenant_id", "record_type", "record_id"], False)
    assert indexes["ix_mail_import_log_account_at"] == (["account_id", "at"], False)
