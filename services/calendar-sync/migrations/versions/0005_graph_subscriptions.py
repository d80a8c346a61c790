"""Graph change-notification subscriptions, one per synced mailbox.

Revision ID: 0005
Revises: 0004

graph_subscriptions is service-wide (no row-level security), like connector_tenants: a notification
reaches the webhook naming only Graph's subscription id, so the row is found before the tenant is known.
It holds ids, the SHA-256 of the subscription's random clientState and times; no mailbox address and
nothing of an event. No foreign key to connector_settings: the row outlives a removed connector until
the subscription is deleted at Graph.
"""

import sqlalchemy as sa
from alembic import op

from kontor.platform.migrations import timestamp_column as _timestamp, uuid_column as _uuid

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "graph_subscriptions",
        sa.Column("id", sa.String(128), primary_key=True),
        _uuid("tenant_id", nullable=False),
        _uuid("connector_id", nullable=False),
        _uuid("server_id", nullable=False),
        sa.Column("azure_tenant_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("client_state_hash", sa.LargeBinary(), nullable=False),
        _timestamp("expires_at", nullable=False),
        _timestamp("created_at", nullable=False, server_default=sa.func.now()),
        _timestamp("renewed_at", nullable=True),
        _timestamp("last_notified_at", nullable=True),
        sa.CheckConstraint("length(client_state_hash) = 32", name="ck_graph_subscriptions_hash_length"),
    )
    op.create_index("ix_graph_subscriptions_connector", "graph_subscriptions", ["tenant_id", "connector_id"])
    op.create_index("ix_graph_subscriptions_expires_at", "graph_subscriptions", ["expires_at"])


def downgrade() -> None:
    op.drop_table("graph_subscriptions")
