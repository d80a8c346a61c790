"""Per-connector opt-in: delete the CRM's past private appointments after N days.

Revision ID: 0006
Revises: 0005

0 (the default) keeps them; see docs/calendar-sync.md, "Deleting past private appointments".
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("connector_settings", sa.Column("delete_private_after_days", sa.Integer(), nullable=False,
                                                  server_default="0"))
    op.create_check_constraint(op.f("ck_connector_settings_delete_private_after_days"), "connector_settings",
                               "delete_private_after_days BETWEEN 0 AND 3650")


def downgrade() -> None:
    op.drop_constraint(op.f("ck_connector_settings_delete_private_after_days"), "connector_settings", type_="check")
    op.drop_column("connector_settings", "delete_private_after_days")
