"""Which tenants have refresh tokens, so the cleanup job can visit each under row-level security.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Gateway-wide like signing_keys: only tenant ids, no row-level security. Without it the job, which
    # starts in the system scope, could not see which tenants to enter.
    op.create_table(
        "session_tenants",
        sa.Column("tenant_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("tenant_id", name="pk_session_tenants"),
    )
    # Backfill from the tokens stored so far. The migration runs as the table owner, whom row-level
    # security binds only while FORCEd; lift it for this one statement, inside this transaction.
    op.execute('ALTER TABLE "refresh_tokens" NO FORCE ROW LEVEL SECURITY')
    op.execute("INSERT INTO session_tenants (tenant_id) SELECT DISTINCT tenant_id FROM refresh_tokens "
               "ON CONFLICT DO NOTHING")
    op.execute('ALTER TABLE "refresh_tokens" FORCE ROW LEVEL SECURITY')


def downgrade() -> None:
    op.drop_table("session_tenants")
