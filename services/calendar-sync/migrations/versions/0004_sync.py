"""The sync engine: per-mailbox state and cursor, mappings with tombstones, pending pushes, conflicts, sync log.

Revision ID: 0004
Revises: 0003

Every table is a tenant table under row-level security and holds ids, change keys, hashes, counts and codes
only: never a subject, body, location or attendee (private appointments must not leak through the engine).
Mappings are never deleted when their appointment or remote event goes: they turn into tombstones (state
deleted / unlinked) that keep the remote id and iCalUId, so a deleted item is not imported again.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from kontor.platform import rls
from kontor.platform.migrations import tenant_column as _tenant, timestamp_column as _timestamp, uuid_column as _uuid

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _connector(**kwargs) -> sa.Column:
    return _uuid("connector_id", sa.ForeignKey("connector_settings.id", ondelete="CASCADE"), nullable=False, **kwargs)


def upgrade() -> None:
    op.create_table(
        "sync_mailboxes",
        _uuid("connector_id", sa.ForeignKey("connector_settings.id", ondelete="CASCADE"), primary_key=True),
        _tenant(),
        sa.Column("state", sa.String(16), nullable=False, server_default="idle"),
        sa.Column("delta_cursor", sa.Text(), nullable=True),
        _timestamp("cursor_window_start", nullable=True),
        _timestamp("cursor_window_end", nullable=True),
        _timestamp("last_attempt_at", nullable=True),
        _timestamp("last_success_at", nullable=True),
        _timestamp("retry_after", nullable=True),
        _timestamp("next_poll_at", nullable=True),
        sa.Column("pause_reason", sa.String(64), nullable=False, server_default=""),
        sa.Column("last_error", sa.String(64), nullable=False, server_default=""),
        sa.Column("resync_requested", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("accept_empty", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_counts", postgresql.JSONB(), nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column("crm_count", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("remote_count", sa.Integer(), nullable=True),
        _timestamp("reconciled_at", nullable=True),
        sa.Column("mismatch", postgresql.JSONB(), nullable=True),
        sa.Column("version", sa.BigInteger(), nullable=False, server_default="1"),
        _timestamp("updated_at", nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("state IN ('idle', 'syncing', 'throttled', 'failed', 'needs_auth', 'paused')",
                           name="ck_sync_mailboxes_state"),
    )
    op.create_index("ix_sync_mailboxes_tenant_id", "sync_mailboxes", ["tenant_id"])

    op.create_table(
        "sync_mappings",
        _uuid("id", primary_key=True),
        _tenant(),
        _connector(),
        _uuid("appointment_id", sa.ForeignKey("appointments.id", ondelete="SET NULL"), nullable=True),
        sa.Column("remote_id", sa.String(512), nullable=True),
        sa.Column("ical_uid", sa.String(1024), nullable=True),
        sa.Column("is_organizer", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("state", sa.String(16), nullable=False, server_default="live"),
        sa.Column("remote_change_key", sa.String(256), nullable=True),
        sa.Column("remote_hash", sa.String(64), nullable=True),
        sa.Column("remote_fields", postgresql.JSONB(), nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column("crm_version", sa.BigInteger(), nullable=True),
        sa.Column("crm_hash", sa.String(64), nullable=True),
        sa.Column("crm_fields", postgresql.JSONB(), nullable=False, server_default=sa.text("'{}'::jsonb")),
        _timestamp("remote_start", nullable=True),
        _timestamp("remote_end", nullable=True),
        _timestamp("synced_at", nullable=False, server_default=sa.func.now()),
        _timestamp("ended_at", nullable=True),
        sa.CheckConstraint("state IN ('live', 'deleted', 'unlinked')", name="ck_sync_mappings_state"),
    )
    op.create_index("ix_sync_mappings_tenant_id", "sync_mappings", ["tenant_id"])
    op.create_index("uq_sync_mappings_remote", "sync_mappings", ["tenant_id", "connector_id", "remote_id"],
                    unique=True, postgresql_where=sa.text("remote_id IS NOT NULL"))
    op.create_index("uq_sync_mappings_live_appointment", "sync_mappings",
                    ["tenant_id", "connector_id", "appointment_id"], unique=True,
                    postgresql_where=sa.text("state = 'live'"))
    op.create_index("ix_sync_mappings_ical_uid", "sync_mappings", ["tenant_id", "ical_uid"])
    op.create_index("ix_sync_mappings_appointment", "sync_mappings", ["tenant_id", "appointment_id"])
    rls.enable_tenant_isolation("sync_mappings")
    rls.enable_tenant_isolation("sync_mailboxes")

    op.create_table(
        "sync_pending_pushes",
        _uuid("id", primary_key=True),
        _tenant(),
        _connector(),
        _uuid("appointment_id", nullable=False),
        sa.Column("operation", sa.String(8), nullable=False),
        sa.Column("manual", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        _timestamp("next_attempt_at", nullable=False, server_default=sa.func.now()),
        sa.Column("last_error", sa.String(64), nullable=False, server_default=""),
        _timestamp("created_at", nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("operation IN ('upsert', 'delete')", name="ck_sync_pending_pushes_operation"),
    )
    op.create_index("ix_sync_pending_pushes_tenant_id", "sync_pending_pushes", ["tenant_id"])
    op.create_index("uq_sync_pending_pushes_appointment", "sync_pending_pushes",
                    ["tenant_id", "connector_id", "appointment_id"], unique=True)
    rls.enable_tenant_isolation("sync_pending_pushes")

    op.create_table(
        "sync_conflicts",
        _uuid("id", primary_key=True),
        _tenant(),
        _connector(),
        _uuid("appointment_id", nullable=True),
        sa.Column("fields", postgresql.ARRAY(sa.String(32)), nullable=False),
        sa.Column("policy", sa.String(24), nullable=False),
        sa.Column("winner", sa.String(16), nullable=False),
        _timestamp("detected_at", nullable=False, server_default=sa.func.now()),
    )
    op.create_index("ix_sync_conflicts_tenant_id", "sync_conflicts", ["tenant_id"])
    op.create_index("ix_sync_conflicts_connector", "sync_conflicts", ["tenant_id", "connector_id", "detected_at"])
    rls.enable_tenant_isolation("sync_conflicts")

    op.create_table(
        "sync_log",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        _tenant(),
        _connector(),
        _timestamp("at", nullable=False, server_default=sa.func.now()),
        sa.Column("level", sa.String(8), nullable=False),
        sa.Column("code", sa.String(48), nullable=False),
        sa.Column("message", sa.String(500), nullable=False),
        _uuid("appointment_id", nullable=True),
    )
    op.create_index("ix_sync_log_tenant_id", "sync_log", ["tenant_id"])
    op.create_index("ix_sync_log_connector", "sync_log", ["tenant_id", "connector_id", "at"])
    rls.enable_tenant_isolation("sync_log")


def downgrade() -> None:
    for table in ("sync_log", "sync_conflicts", "sync_pending_pushes", "sync_mappings", "sync_mailboxes"):
        op.drop_table(table)
