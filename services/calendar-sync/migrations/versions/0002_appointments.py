"""The CRM calendar: appointments (series, overridden occurrences), resources and their bookings.

Revision ID: 0002
Revises: 0001

Privacy lives in the schema: a private appointment row cannot hold a detail (check constraint), and an
overridden occurrence follows its series into privacy through the (appointment_id, private) foreign key
(ON UPDATE CASCADE), where its own check refuses leftover details.

Double booking is refused by an exclusion constraint over (tenant, resource, period) on the exclusive
bookings (btree_gist for the uuid equality; a trusted extension, so the service's own role, which owns its
database, may create it). resources.server_id has no foreign key yet: 0003_connectors adds the servers.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from kontor.platform import rls
from kontor.platform.migrations import tenant_column as _tenant, timestamp_column as _timestamp
from kontor.platform.migrations import uuid_column as _uuid

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

PRIVATE_HOLDS_NO_DETAILS = (
    "NOT private OR (type IS NULL AND activity IS NULL AND subject IS NULL AND location IS NULL "
    "AND notes IS NULL AND category IS NULL AND participants = '[]'::jsonb AND links = '[]'::jsonb "
    "AND attachments = '[]'::jsonb AND cardinality(resource_ids) = 0)"
)


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    op.create_table(
        "resources",
        _uuid("id", primary_key=True),
        _tenant(),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("email", sa.String(320), nullable=False, server_default=""),
        sa.Column("external_id", sa.String(500), nullable=False, server_default=""),
        sa.Column("capacity", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("allow_double_booking", sa.Boolean(), nullable=False, server_default=sa.false()),
        _uuid("server_id", nullable=True),
        sa.Column("version", sa.BigInteger(), nullable=False, server_default="1"),
        _timestamp("created_at", nullable=False, server_default=sa.func.now()),
        _timestamp("updated_at", nullable=False, server_default=sa.func.now()),
        _timestamp("deleted_at", nullable=True),
        sa.CheckConstraint("kind IN ('room', 'equipment')", name="ck_resources_kind"),
    )
    op.create_index("ix_resources_tenant_id", "resources", ["tenant_id"])
    op.create_index("ix_resources_created", "resources", ["tenant_id", "created_at", "id"])

    op.create_table(
        "appointments",
        _uuid("id", primary_key=True),
        _tenant(),
        _uuid("owner_id", nullable=False),
        sa.Column("type", sa.String(32), nullable=True),
        sa.Column("activity", sa.String(16), nullable=True),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("location", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("category", sa.String(100), nullable=True),
        sa.Column("participants", postgresql.JSONB(), nullable=False, server_default=sa.text("'[]'::jsonb")),
        sa.Column("links", postgresql.JSONB(), nullable=False, server_default=sa.text("'[]'::jsonb")),
        sa.Column("attachments", postgresql.JSONB(), nullable=False, server_default=sa.text("'[]'::jsonb")),
        sa.Column("resource_ids", postgresql.ARRAY(postgresql.UUID(as_uuid=True)), nullable=False,
                  server_default=sa.text("'{}'")),
        _timestamp("starts_at", nullable=False),
        _timestamp("ends_at", nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("all_day", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("rrule", sa.String(500), nullable=True),
        sa.Column("exdates", postgresql.ARRAY(sa.DateTime(timezone=True)), nullable=False,
                  server_default=sa.text("'{}'")),
        _timestamp("series_ends_at", nullable=True),
        sa.Column("status", sa.String(16), nullable=False, server_default="open"),
        sa.Column("show_as", sa.String(24), nullable=False, server_default="busy"),
        sa.Column("private", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("sync_disabled", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("version", sa.BigInteger(), nullable=False, server_default="1"),
        sa.Column("created_by", sa.String(200), nullable=False),
        _timestamp("created_at", nullable=False, server_default=sa.func.now()),
        _timestamp("updated_at", nullable=False, server_default=sa.func.now()),
        _timestamp("deleted_at", nullable=True),
        sa.CheckConstraint(PRIVATE_HOLDS_NO_DETAILS, name="ck_appointments_private_holds_no_details"),
        sa.CheckConstraint("ends_at >= starts_at", name="ck_appointments_ends_after_start"),
        sa.CheckConstraint("status IN ('open', 'completed', 'cancelled')", name="ck_appointments_status"),
        sa.UniqueConstraint("id", "private", name="uq_appointments_id_private"),
    )
    op.create_index("ix_appointments_tenant_id", "appointments", ["tenant_id"])
    op.create_index("ix_appointments_owner_start", "appointments", ["tenant_id", "owner_id", "starts_at"])
    op.create_index("ix_appointments_participants", "appointments", ["participants"], postgresql_using="gin",
                    postgresql_ops={"participants": "jsonb_path_ops"})
    op.create_index("ix_appointments_links", "appointments", ["links"], postgresql_using="gin",
                    postgresql_ops={"links": "jsonb_path_ops"})
    op.create_index("ix_appointments_resource_ids", "appointments", ["resource_ids"], postgresql_using="gin")

    op.create_table(
        "appointment_overrides",
        _uuid("id", primary_key=True),
        _tenant(),
        _uuid("appointment_id", nullable=False),
        sa.Column("private", sa.Boolean(), nullable=False, server_default=sa.false()),
        _timestamp("recurrence_id", nullable=False),
        _timestamp("starts_at", nullable=False),
        _timestamp("ends_at", nullable=False),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("location", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("status", sa.String(16), nullable=True),
        sa.Column("show_as", sa.String(24), nullable=True),
        sa.UniqueConstraint("appointment_id", "recurrence_id", name="uq_appointment_overrides_occurrence"),
        sa.CheckConstraint("NOT private OR (subject IS NULL AND location IS NULL AND notes IS NULL)",
                           name="ck_appointment_overrides_private_holds_no_details"),
        sa.ForeignKeyConstraint(["appointment_id", "private"], ["appointments.id", "appointments.private"],
                                onupdate="CASCADE", ondelete="CASCADE", name="fk_appointment_overrides_series"),
    )
    op.create_index("ix_appointment_overrides_tenant_id", "appointment_overrides", ["tenant_id"])

    op.create_table(
        "resource_bookings",
        _uuid("id", primary_key=True),
        _tenant(),
        _uuid("resource_id", sa.ForeignKey("resources.id", name="fk_resource_bookings_resource_id_resources"),
              nullable=False),
        _uuid("appointment_id", sa.ForeignKey("appointments.id", ondelete="CASCADE",
                                              name="fk_resource_bookings_appointment_id_appointments"),
              nullable=False),
        sa.Column("period", postgresql.TSTZRANGE(), nullable=False),
        sa.Column("exclusive", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_resource_bookings_tenant_id", "resource_bookings", ["tenant_id"])
    op.create_index("ix_resource_bookings_appointment", "resource_bookings", ["appointment_id"])
    # The race-free double-booking guard: two overlapping exclusive slots of one resource cannot both commit.
    op.execute(
        "ALTER TABLE resource_bookings ADD CONSTRAINT resource_bookings_no_overlap "
        "EXCLUDE USING gist (tenant_id WITH =, resource_id WITH =, period WITH &&) WHERE (exclusive)"
    )
    for table in ("resources", "appointments", "appointment_overrides", "resource_bookings"):
        rls.enable_tenant_isolation(table)


def downgrade() -> None:
    op.drop_table("resource_bookings")
    op.drop_table("appointment_overrides")
    op.drop_table("appointments")
    op.drop_table("resources")
