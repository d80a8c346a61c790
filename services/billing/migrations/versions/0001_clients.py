"""Platform schema (outbox, inbox, tenant function) and clients.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from kontor.platform import migrations, rls

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    migrations.create_platform_schema()
    op.create_table(
        "clients",
        sa.Column("company_id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant_id", postgresql.UUID(as_uuid=True), nullable=False,
                  server_default=sa.text("kontor_current_tenant()")),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("company_id", name="pk_clients"),
    )
    op.create_index("ix_clients_tenant_id", "clients", ["tenant_id"])
    rls.enable_tenant_isolation("clients")


def downgrade() -> None:
    op.drop_table("clients")
    migrations.drop_platform_schema()
