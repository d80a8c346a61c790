"""Connector configuration: branch groupware servers, their sealed credentials, personal connector settings.

Revision ID: 0003
Revises: 0002

resources.server_id gets its foreign key to groupware_servers, ON DELETE RESTRICT: servers are
soft-deleted (deleted_at; their credential row is deleted, their resources deactivated), so the row a
resource (and every past booking of it) points at stays; a hard delete of a server that still has
resources is refused instead of silently orphaning them (SET NULL would turn imported rooms into
hand-kept ones that no refresh ever touches again). Imported resources are unique per
(tenant, server, external id); hand-kept ones (server_id NULL) are not constrained.

connector_tenants is service-wide (only tenant ids, no row-level security) so the beat's resource
refresh, which starts in the system scope, knows which tenants to visit.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from kontor.platform import rls
from kontor.platform.migrations import tenant_column as _tenant, timestamp_column as _timestamp, uuid_column as _uuid

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "groupware_servers",
        _uuid("id", primary_key=True),
        _tenant(),
        sa.Column("provider", sa.String(16), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("name_key", sa.Text(), nullable=False),  # casefolded: may be longer than the name
        sa.Column("branch", sa.String(200), nullable=False, server_default=""),
        sa.Column("azure_tenant_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("client_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("authority_url", sa.String(500), nullable=False, server_default=""),
        sa.Column("base_url", sa.String(500), nullable=False, server_default=""),
        sa.Column("ca_bundle_path", sa.String(500), nullable=False, server_default=""),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        _timestamp("resources_refreshed_at", nullable=True),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False, server_default="1"),
        _timestamp("created_at", nullable=False, server_default=sa.func.now()),
        _timestamp("updated_at", nullable=False, server_default=sa.func.now()),
        _timestamp("deleted_at", nullable=True),
        sa.CheckConstraint("provider IN ('graph', 'google', 'domino')", name="ck_groupware_servers_provider"),
    )
    op.create_index("ix_groupware_servers_tenant_id", "groupware_servers", ["tenant_id"])
    op.create_index("uq_groupware_servers_name", "groupware_servers", ["tenant_id", "name_key"], unique=True,
                    postgresql_where=sa.text("deleted_at IS NULL"))
    rls.enable_tenant_isolation("groupware_servers")

    op.create_table(
        "groupware_server_credentials",
        _uuid("server_id", sa.ForeignKey("groupware_servers.id", ondelete="CASCADE",
                                         name="fk_groupware_server_credentials_server_id_groupware_servers"),
              primary_key=True),
        _tenant(),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("certificate_thumbprint", sa.String(64), nullable=False, server_default=""),
        _timestamp("set_at", nullable=False, server_default=sa.func.now()),
        _timestamp("rotated_at", nullable=True),
        sa.CheckConstraint("kind IN ('client_secret', 'certificate')", name="ck_groupware_server_credentials_kind"),
    )
    op.create_index("ix_groupware_server_credentials_tenant_id", "groupware_server_credentials", ["tenant_id"])
    rls.enable_tenant_isolation("groupware_server_credentials")

    op.create_table(
        "connector_settings",
        _uuid("id", primary_key=True),
        _tenant(),
        _uuid("user_id", nullable=False),
        _uuid("server_id", sa.ForeignKey("groupware_servers.id", ondelete="RESTRICT",
                                         name="fk_connector_settings_server_id_groupware_servers"),
              nullable=False),
        sa.Column("kind", sa.String(16), nullable=False, server_default="personal"),
        sa.Column("mailbox", sa.String(320), nullable=False),
        sa.Column("mailbox_key", sa.Text(), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False, server_default=""),
        sa.Column("enabled", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("direction", sa.String(24), nullable=False, server_default="both"),
        sa.Column("window_past_days", sa.Integer(), nullable=False, server_default="7"),
        sa.Column("window_future_days", sa.Integer(), nullable=False, server_default="90"),
        sa.Column("working_hours", postgresql.JSONB(), nullable=True),
        sa.Column("skip_statuses", postgresql.ARRAY(sa.String(16)), nullable=False,
                  server_default=sa.text("ARRAY['completed']::varchar[]")),
        sa.Column("category_mappings", postgresql.JSONB(), nullable=False, server_default=sa.text("'[]'::jsonb")),
        sa.Column("conflict_policy", sa.String(24), nullable=False, server_default="newest_wins"),
        sa.Column("deletion_policy", sa.String(24), nullable=False, server_default="delete_other_side"),
        sa.Column("needs_reauthorisation", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False, server_default="1"),
        _timestamp("created_at", nullable=False, server_default=sa.func.now()),
        _timestamp("updated_at", nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("kind IN ('personal', 'other_calendar')", name="ck_connector_settings_kind"),
        sa.CheckConstraint("direction IN ('both', 'crm_to_groupware', 'groupware_to_crm')",
                           name="ck_connector_settings_direction"),
        sa.CheckConstraint("window_past_days BETWEEN 0 AND 365 AND window_future_days BETWEEN 1 AND 730",
                           name="ck_connector_settings_window"),
        sa.CheckConstraint("conflict_policy IN ('newest_wins', 'crm_wins', 'groupware_wins')",
                           name="ck_connector_settings_conflict_policy"),
        sa.CheckConstraint("deletion_policy IN ('delete_other_side', 'unlink')",
                           name="ck_connector_settings_deletion_policy"),
    )
    op.create_index("ix_connector_settings_tenant_id", "connector_settings", ["tenant_id"])
    op.create_index("ix_connector_settings_user", "connector_settings", ["tenant_id", "user_id"])
    # One mailbox syncs once per server (two connectors on it would bring every appointment twice).
    op.create_index("uq_connector_settings_mailbox", "connector_settings", ["tenant_id", "server_id", "mailbox_key"],
                    unique=True)
    op.create_index("uq_connector_settings_personal", "connector_settings", ["tenant_id", "user_id", "server_id"],
                    unique=True, postgresql_where=sa.text("kind = 'personal'"))
    rls.enable_tenant_isolation("connector_settings")

    op.create_table(
        "connector_tenants",
        _uuid("tenant_id", primary_key=True),
        _timestamp("created_at", nullable=False, server_default=sa.func.now()),
    )

    op.create_foreign_key("fk_resources_server_id_groupware_servers", "resources", "groupware_servers",
                          ["server_id"], ["id"], ondelete="RESTRICT")
    op.create_index("uq_resources_server_external", "resources", ["tenant_id", "server_id", "external_id"],
                    unique=True, postgresql_where=sa.text("server_id IS NOT NULL"))


def downgrade() -> None:
    op.drop_index("uq_resources_server_external", table_name="resources")
    op.drop_constraint("fk_resources_server_id_groupware_servers", "resources", type_="foreignkey")
    op.drop_table("connector_tenants")
    op.drop_table("connector_settings")
    op.drop_table("groupware_server_credentials")
    op.drop_table("groupware_servers")
