"""Companions of a company record: internal comments, address pools, customer groups, traces.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from kontor.platform import rls

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_TENANT = sa.text("kontor_current_tenant()")
_TABLES = ("comments", "pools", "pool_members", "customer_groups", "customer_group_members", "traces",
           "trace_settings")


def _uuid(name: str, *args, **kwargs) -> sa.Column:
    return sa.Column(name, postgresql.UUID(as_uuid=True), *args, **kwargs)


def _tenant() -> sa.Column:
    return _uuid("tenant_id", nullable=False, server_default=_TENANT)


def _timestamp(name: str, **kwargs) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), **kwargs)


def _now(name: str) -> sa.Column:
    return _timestamp(name, nullable=False, server_default=sa.func.now())


def _version() -> sa.Column:
    return sa.Column("version", sa.BigInteger(), nullable=False, server_default="1")


def _members(table: str, list_column: str, list_table: str) -> None:
    """A member table: (list, company) pairs, gone with their list."""
    op.create_table(
        table,
        _uuid(list_column, sa.ForeignKey(f"{list_table}.id", name=f"fk_{table}_{list_column}_{list_table}",
                                         ondelete="CASCADE"), primary_key=True),
        _uuid("company_id", sa.ForeignKey("companies.id", name=f"fk_{table}_company_id_companies"),
              primary_key=True),
        _tenant(),
        sa.Column("added_by", sa.String(200), nullable=False),
        _now("added_at"),
    )
    op.create_index(f"ix_{table}_tenant_id", table, ["tenant_id"])
    op.create_index(f"ix_{table}_company_id", table, ["company_id"])


def upgrade() -> None:
    op.create_table(
        "comments",
        _uuid("id", primary_key=True), _tenant(),
        sa.Column("record_type", sa.String(32), nullable=False),
        _uuid("record_id", nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        _version(), _now("created_at"), _timestamp("edited_at", nullable=True), _timestamp("deleted_at", nullable=True),
        sa.CheckConstraint("record_type IN ('company', 'contact_person')", name="ck_comments_record_type"),
        sa.CheckConstraint("char_length(body) <= 10000", name="ck_comments_body_length"),
    )
    op.create_index("ix_comments_tenant_id", "comments", ["tenant_id"])
    op.create_index("ix_comments_record", "comments", ["tenant_id", "record_type", "record_id", "created_at", "id"])

    op.create_table(
        "pools",
        _uuid("id", primary_key=True), _tenant(),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("visibility", sa.String(16), nullable=False),
        sa.Column("owner", sa.String(200), nullable=False),
        _version(), _now("created_at"), _now("updated_at"),
        sa.CheckConstraint("visibility IN ('public', 'private')", name="ck_pools_visibility"),
    )
    op.create_index("ix_pools_tenant_id", "pools", ["tenant_id"])
    op.create_index("ix_pools_owner", "pools", ["owner"])
    _members("pool_members", "pool_id", "pools")

    op.create_table(
        "customer_groups",
        _uuid("id", primary_key=True), _tenant(),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("rule", postgresql.JSONB(), nullable=False, server_default="{}"),
        sa.Column("owner", sa.String(200), nullable=False),
        _version(), _now("created_at"), _now("updated_at"),
        sa.CheckConstraint("kind IN ('static', 'dynamic')", name="ck_customer_groups_kind"),
    )
    op.create_index("ix_customer_groups_tenant_id", "customer_groups", ["tenant_id"])
    _members("customer_group_members", "group_id", "customer_groups")

    op.create_table(
        "traces",
        _uuid("id", primary_key=True), _tenant(),
        _uuid("company_id", nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("record_type", sa.String(32), nullable=False),
        sa.Column("record_id", sa.String(64), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False, server_default=""),
        sa.Column("details", postgresql.JSONB(), nullable=False, server_default="{}"),
        _timestamp("occurred_at", nullable=False),
        sa.UniqueConstraint("event_id", "company_id", name="uq_traces_event_company"),
    )
    op.create_index("ix_traces_tenant_id", "traces", ["tenant_id"])
    op.create_index("ix_traces_company", "traces", ["tenant_id", "company_id", "occurred_at", "id"])
    op.create_index("ix_traces_actor", "traces", ["tenant_id", "actor", "occurred_at", "id"])

    op.create_table(
        "trace_settings",
        _uuid("id", primary_key=True), _tenant(),
        sa.Column("enabled_event_types", postgresql.ARRAY(sa.String(100)), nullable=False),
        _version(),
        sa.Column("updated_by", sa.String(200), nullable=False),
        _timestamp("updated_at", nullable=False),
        sa.UniqueConstraint("tenant_id", name="uq_trace_settings_tenant"),
    )

    for table in _TABLES:
        rls.enable_tenant_isolation(table)


def downgrade() -> None:
    for table in reversed(_TABLES):
        op.drop_table(table)
