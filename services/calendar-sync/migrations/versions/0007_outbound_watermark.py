"""The outbound scan's watermark per mailbox, and the indexes that make an unchanged calendar one cheap query.

Revision ID: 0007
Revises: 0006

``find_changes`` used to read every appointment of the mailbox's owner on every run. Now it remembers when
it last looked (``outbound_watermark``) and for what (``outbound_scope``: the window and the connector's
settings version, since either changes which appointments are eligible; a different scope means a full
scan), and then reads only appointments changed since (a margin before it: a transaction may commit after
a later scan) plus live mappings the engine marked for another pass (``crm_version IS NULL``).
"""

import sqlalchemy as sa
from alembic import op

from kontor.platform.migrations import timestamp_column as _timestamp

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("sync_mailboxes", _timestamp("outbound_watermark", nullable=True))
    op.add_column("sync_mailboxes", sa.Column("outbound_scope", sa.String(200), nullable=False, server_default=""))
    op.create_index("ix_appointments_updated", "appointments", ["tenant_id", "updated_at"])
    op.create_index("ix_sync_mappings_repush", "sync_mappings", ["tenant_id", "connector_id"],
                    postgresql_where=sa.text("state = 'live' AND crm_version IS NULL"))


def downgrade() -> None:
    op.drop_index("ix_sync_mappings_repush", table_name="sync_mappings")
    op.drop_index("ix_appointments_updated", table_name="appointments")
    op.drop_column("sync_mailboxes", "outbound_scope")
    op.drop_column("sync_mailboxes", "outbound_watermark")
