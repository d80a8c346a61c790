"""Follow-ups (Wiedervorlage): dated reminders on companies and contact persons.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from kontor.platform import rls

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _uuid(name: str, **kwargs) -> sa.Column:
    return sa.Column(name, postgresql.UUID(as_uuid=True), **kwargs)


def _timestamp(name: str, **kwargs) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), **kwargs)


def upgrade() -> None:
    op.create_table(
        "follow_ups",
        _uuid("id", primary_key=True),
        _uuid("tenant_id", nullable=False, server_default=sa.text("kontor_current_tenant()")),
        sa.Column("record_type", sa.String(32), nullable=False),
        _uuid("record_id", nullable=False),
        _uuid("assignee_id", nullable=False),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        _timestamp("due_at", nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False, server_default="UTC"),
        sa.Column("done", sa.Boolean(), nullable=False, server_default=sa.false()),
        _timestamp("done_at", nullable=True),
        sa.Column("done_by", sa.String(200), nullable=False, server_default=""),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False, server_default="1"),
        _timestamp("created_at", nullable=False, server_default=sa.func.now()),
        _timestamp("deleted_at", nullable=True),
        sa.CheckConstraint("record_type IN ('company', 'contact_person')", name="ck_follow_ups_record_type"),
        sa.CheckConstraint("char_length(note) <= 2000", name="ck_follow_ups_note_length"),
        sa.CheckConstraint("done = (done_at IS NOT NULL)", name="ck_follow_ups_done_at"),
    )
    op.create_index("ix_follow_ups_tenant_id", "follow_ups", ["tenant_id"])
    op.create_index("ix_follow_ups_assignee_due", "follow_ups", ["tenant_id", "assignee_id", "due_at", "id"])
    op.create_index("ix_follow_ups_record", "follow_ups", ["tenant_id", "record_type", "record_id", "due_at", "id"])
    rls.enable_tenant_isolation("follow_ups")


def downgrade() -> None:
    op.drop_table("follow_ups")
