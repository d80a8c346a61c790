"""Identity: tenants (global registry), teams, users, team memberships, rights overrides.

``tenants`` has no row-level security on purpose: login resolves a slug before
any tenant is known. Every other table is isolated per tenant.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from kontor.platform import rls

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_TENANT_TABLES = ("teams", "users", "user_teams", "right_overrides")


def _uuid(name: str, **kwargs) -> sa.Column:
    return sa.Column(name, postgresql.UUID(as_uuid=True), **kwargs)


def _tenant_id() -> sa.Column:
    return _uuid("tenant_id", nullable=False, server_default=sa.text("kontor_current_tenant()"))


def _timestamps() -> list[sa.Column]:
    return [sa.Column(name, sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())
            for name in ("created_at", "updated_at")]


def upgrade() -> None:
    op.create_table(
        "tenants",
        _uuid("id", primary_key=True),
        sa.Column("slug", sa.String(40), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("id", name="pk_tenants"),
        sa.UniqueConstraint("slug", name="uq_tenants_slug"),
    )
    op.create_table(
        "teams",
        _uuid("id", primary_key=True),
        _tenant_id(),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("name_key", sa.String(100), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False, server_default="1"),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_teams"),
        sa.UniqueConstraint("tenant_id", "name_key", name="uq_teams_tenant_name_key"),
    )
    op.create_table(
        "users",
        _uuid("id", primary_key=True),
        _tenant_id(),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("locale", sa.String(2), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        _uuid("contact_person_id", nullable=True),  # contact_persons lives on another branch: no FK
        sa.Column("version", sa.BigInteger(), nullable=False, server_default="1"),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("tenant_id", "email", name="uq_users_tenant_email"),
        sa.CheckConstraint("email = lower(email)", name="email_lower_case"),
        sa.CheckConstraint("locale IN ('de', 'en')", name="locale"),
    )
    op.create_table(
        "user_teams",
        _uuid("user_id", nullable=False),
        _uuid("team_id", nullable=False),
        _tenant_id(),
        sa.PrimaryKeyConstraint("user_id", "team_id", name="pk_user_teams"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_user_teams_user_id_users", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name="fk_user_teams_team_id_teams", ondelete="CASCADE"),
    )
    op.create_index("ix_user_teams_team_id", "user_teams", ["team_id"])
    op.create_table(
        "right_overrides",
        _uuid("id", primary_key=True),
        _tenant_id(),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("entity_type", sa.String(32), nullable=False),
        *(sa.Column(f"can_{action}", sa.Boolean(), nullable=False)
          for action in ("create", "read", "update", "delete")),
        sa.PrimaryKeyConstraint("id", name="pk_right_overrides"),
        sa.UniqueConstraint("tenant_id", "role", "entity_type", name="uq_right_overrides_tenant_role_entity"),
    )
    for table in _TENANT_TABLES:
        op.create_index(f"ix_{table}_tenant_id", table, ["tenant_id"])
        rls.enable_tenant_isolation(table)


def downgrade() -> None:
    for table in reversed(_TENANT_TABLES):
        op.drop_table(table)
    op.drop_table("tenants")
