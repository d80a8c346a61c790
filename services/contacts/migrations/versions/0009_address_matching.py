"""Address matching: contact persons' e-mail addresses in a table of their own, for look-ups by address.

Revision ID: 0009
Revises: 0008

``contact_persons.email_keys`` has a GIN index, but row-level security keeps operators that are not
LEAKPROOF out of index conditions, and the array operator ``&&`` is not: a look-up by address read
every person of the tenant. ``contact_person_addresses`` holds one row per (person, address);
equality on text is LEAKPROOF, so (tenant_id, address) is answered by its index under RLS.
The service writes the rows with the person (persons.address_index). Companies need nothing new:
their normalised ``website_domain`` / ``email_domain`` columns and indexes exist since 0003.

The backfill runs per tenant (the migration role is subject to row-level security like the service);
it reads the tenants registry, which is not tenant-isolated.
"""

import sqlalchemy as sa
from alembic import op

from kontor.platform import rls
from kontor.platform.migrations import tenant_column, uuid_column

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TABLE = "contact_person_addresses"


def upgrade() -> None:
    op.create_table(
        TABLE,
        tenant_column(),
        uuid_column("person_id", sa.ForeignKey("contact_persons.id", ondelete="CASCADE",
                                               name="fk_contact_person_addresses_person_id_contact_persons"),
                    nullable=False),
        sa.Column("address", sa.String(254), nullable=False),
        sa.PrimaryKeyConstraint("person_id", "address", name="pk_contact_person_addresses"),
    )
    op.create_index("ix_contact_person_addresses_tenant_address", TABLE, ["tenant_id", "address"])
    rls.enable_tenant_isolation(TABLE)
    op.execute(f"""
        DO $$
        DECLARE tenant uuid;
        BEGIN
            FOR tenant IN SELECT id FROM tenants LOOP
                PERFORM set_config('kontor.tenant_id', tenant::text, true);
                INSERT INTO {TABLE} (tenant_id, person_id, address)
                SELECT DISTINCT p.tenant_id, p.id, lower(k.address)
                FROM contact_persons p, unnest(p.email_keys) AS k(address)
                WHERE p.tenant_id = tenant
                ON CONFLICT DO NOTHING;
            END LOOP;
            PERFORM set_config('kontor.tenant_id', '', true);
        END $$
    """)


def downgrade() -> None:
    op.drop_table(TABLE)
