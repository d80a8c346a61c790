"""Platform schema: outbox, inbox and the tenant function.

Revision ID: 0001
Revises:
"""

from kontor.platform import migrations

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    migrations.create_platform_schema()


def downgrade() -> None:
    migrations.drop_platform_schema()
