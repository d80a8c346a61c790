"""Access: assignments, assignment rules, round-robin cursors, substitutions, engagements, audit log.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from kontor.platform import rls

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

UUID = postgresql.UUID(as_uuid=True)
TABLES = ("assignments", "assignment_rules", "round_robin_cursors", "substitutions", "engagements",
          "access_audit_log")


def _tenant() -> sa.Column:
    return sa.Column("tenant_id", UUID, nullable=False, server_default=sa.text("kontor_current_tenant()"))


def _now(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())


def upgrade() -> None:
    op.create_table(
        "assignments",
        sa.Column("id", UUID, primary_key=True), _tenant(),
        sa.Column("record_type", sa.String(16), nullable=False),
        sa.Column("record_id", UUID, nullable=False),
        sa.Column("user_id", UUID, nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("rule_id", UUID),
        _now("created_at"),
        sa.UniqueConstraint("tenant_id", "record_type", "record_id", "user_id", "role",
                            name="uq_assignments_record_user_role"),
    )
    op.create_index("uq_assignments_one_account_manager", "assignments", ["tenant_id", "record_type", "record_id"],
                    unique=True, postgresql_where=sa.text("role = 'account_manager'"))
    op.create_index("ix_assignments_user", "assignments", ["tenant_id", "user_id"])
    op.create_index("ix_assignments_tenant_id", "assignments", ["tenant_id"])

    op.create_table(
        "assignment_rules",
        sa.Column("id", UUID, primary_key=True), _tenant(),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("postal_code_from", sa.String(20), nullable=False),
        sa.Column("postal_code_to", sa.String(20), nullable=False),
        sa.Column("values", postgresql.ARRAY(sa.String(100)), nullable=False),
        sa.Column("user_id", UUID),
        sa.Column("team_id", UUID),
        sa.Column("version", sa.BigInteger, nullable=False, server_default="1"),
        _now("created_at"), _now("updated_at"),
        sa.UniqueConstraint("tenant_id", "priority", name="uq_assignment_rules_tenant_priority"),
    )
    op.create_index("ix_assignment_rules_tenant_id", "assignment_rules", ["tenant_id"])

    op.create_table(
        "round_robin_cursors",
        sa.Column("rule_id", UUID, primary_key=True), _tenant(),
        sa.Column("position", sa.BigInteger, nullable=False, server_default="0"),
    )
    op.create_index("ix_round_robin_cursors_tenant_id", "round_robin_cursors", ["tenant_id"])

    op.create_table(
        "substitutions",
        sa.Column("id", UUID, primary_key=True), _tenant(),
        sa.Column("absent_user_id", UUID, nullable=False),
        sa.Column("substitute_user_id", UUID, nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True)),
        sa.Column("started_event_at", sa.DateTime(timezone=True)),
        sa.Column("ended_event_at", sa.DateTime(timezone=True)),
        _now("created_at"), _now("updated_at"),
        sa.CheckConstraint("starts_at < ends_at", name="window"),
        sa.CheckConstraint("absent_user_id <> substitute_user_id", name="distinct_users"),
    )
    op.create_index("ix_substitutions_substitute", "substitutions", ["tenant_id", "substitute_user_id", "starts_at"])
    op.create_index("ix_substitutions_absent", "substitutions", ["tenant_id", "absent_user_id", "starts_at"])
    op.create_index("ix_substitutions_tenant_id", "substitutions", ["tenant_id"])

    op.create_table(
        "engagements",
        sa.Column("project_id", UUID, primary_key=True), _tenant(),
        sa.Column("company_id", UUID, nullable=False),
        sa.Column("member_user_ids", postgresql.ARRAY(UUID), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_engagements_company", "engagements", ["tenant_id", "company_id"])
    op.create_index("ix_engagements_tenant_id", "engagements", ["tenant_id"])

    op.create_table(
        "access_audit_log",
        sa.Column("id", UUID, primary_key=True), _tenant(),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("from_user_id", UUID),
        sa.Column("to_user_id", UUID),
        sa.Column("records", postgresql.JSONB, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        _now("created_at"),
    )
    op.create_index("ix_access_audit_log_tenant_created", "access_audit_log", ["tenant_id", "created_at", "id"])
    op.create_index("ix_access_audit_log_tenant_id", "access_audit_log", ["tenant_id"])

    for table in TABLES:
        rls.enable_tenant_isolation(table)


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
