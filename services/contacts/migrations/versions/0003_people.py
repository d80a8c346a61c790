"""Addresses and people: full company records, company history, contact persons.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from kontor.platform import rls

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_TENANT = sa.text("kontor_current_tenant()")

# (column, type) added to companies; every one non-null with an empty default.
_COMPANY_TEXT_COLUMNS = (
    ("street", sa.String(200)), ("postal_code", sa.String(20)), ("region", sa.String(100)),
    ("country", sa.String(2)), ("industry", sa.String(100)), ("revenue_tier", sa.String(16)),
    ("website", sa.String(300)), ("email", sa.String(254)), ("notes", sa.Text()),
    ("name_key", sa.String(200)), ("city_key", sa.String(100)), ("website_domain", sa.String(253)),
    ("email_domain", sa.String(253)),
)


def _uuid(name: str, *args, **kwargs) -> sa.Column:
    return sa.Column(name, postgresql.UUID(as_uuid=True), *args, **kwargs)


def _timestamp(name: str, **kwargs) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), **kwargs)


def upgrade() -> None:
    for name, type_ in _COMPANY_TEXT_COLUMNS:
        op.add_column("companies", sa.Column(name, type_, nullable=False, server_default=""))
    op.add_column("companies", sa.Column("access_level", sa.String(16), nullable=False, server_default="company"))
    op.add_column("companies", _timestamp("deleted_at", nullable=True))
    op.create_check_constraint("access_level", "companies",
                               "access_level IN ('private', 'team', 'company', 'restricted')")
    op.create_check_constraint("revenue_tier", "companies",
                               "revenue_tier IN ('', '<10k', '10k-100k', '100k-1m', '>1m')")
    # Keys of the rows created before this revision: duplicates.text_key, except that SQL lower() keeps "ß"
    # where casefold() writes "ss"; rows saved again get the exact key.
    op.execute(r"UPDATE companies SET name_key = lower(regexp_replace(btrim(name), '\s+', ' ', 'g')), "
               r"city_key = lower(regexp_replace(btrim(city), '\s+', ' ', 'g'))")
    op.create_index("ix_companies_tenant_name_city", "companies", ["tenant_id", "name_key", "city_key"])
    op.create_index("ix_companies_tenant_website_domain", "companies", ["tenant_id", "website_domain"],
                    postgresql_where=sa.text("website_domain <> ''"))
    op.create_index("ix_companies_tenant_email_domain", "companies", ["tenant_id", "email_domain"],
                    postgresql_where=sa.text("email_domain <> ''"))
    op.create_index("ix_companies_tenant_updated", "companies", ["tenant_id", "updated_at", "id"])

    op.create_table(
        "company_history",
        _uuid("id", primary_key=True),
        _uuid("tenant_id", nullable=False, server_default=_TENANT),
        _uuid("company_id", sa.ForeignKey("companies.id", name="fk_company_history_company_id_companies"),
              nullable=False),
        sa.Column("field", sa.String(32), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=False),
        sa.Column("new_value", sa.Text(), nullable=False),
        sa.Column("changed_by", sa.String(200), nullable=False),
        _timestamp("changed_at", nullable=False, server_default=sa.func.now()),
        sa.Column("version", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_company_history_tenant_id", "company_history", ["tenant_id"])
    op.create_index("ix_company_history_company", "company_history", ["company_id", "changed_at", "id"])
    rls.enable_tenant_isolation("company_history")

    op.create_table(
        "contact_persons",
        _uuid("id", primary_key=True),
        _uuid("tenant_id", nullable=False, server_default=_TENANT),
        _uuid("company_id", sa.ForeignKey("companies.id", name="fk_contact_persons_company_id_companies"),
              nullable=False),
        sa.Column("salutation", sa.String(40), nullable=False, server_default=""),
        sa.Column("title", sa.String(40), nullable=False, server_default=""),
        sa.Column("first_name", sa.String(100), nullable=False, server_default=""),
        sa.Column("last_name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(100), nullable=False, server_default=""),
        sa.Column("emails", postgresql.JSONB(), nullable=False, server_default="[]"),
        sa.Column("phones", postgresql.JSONB(), nullable=False, server_default="[]"),
        sa.Column("email_keys", postgresql.ARRAY(sa.String(254)), nullable=False, server_default="{}"),
        sa.Column("birthday", sa.Date(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False, server_default=""),
        sa.Column("version", sa.BigInteger(), nullable=False, server_default="1"),
        _timestamp("created_at", nullable=False, server_default=sa.func.now()),
        _timestamp("updated_at", nullable=False, server_default=sa.func.now()),
        _timestamp("deleted_at", nullable=True),
    )
    op.create_index("ix_contact_persons_tenant_id", "contact_persons", ["tenant_id"])
    op.create_index("ix_contact_persons_company_id", "contact_persons", ["company_id"])
    op.create_index("ix_contact_persons_email_keys", "contact_persons", ["email_keys"], postgresql_using="gin")
    op.create_index("ix_contact_persons_tenant_last_name", "contact_persons",
                    ["tenant_id", sa.text("lower(last_name)"), "id"])
    rls.enable_tenant_isolation("contact_persons")


def downgrade() -> None:
    op.drop_table("contact_persons")
    op.drop_table("company_history")
    for index in ("ix_companies_tenant_updated", "ix_companies_tenant_email_domain",
                  "ix_companies_tenant_website_domain", "ix_companies_tenant_name_city"):
        op.drop_index(index, table_name="companies")
    op.drop_constraint("ck_companies_revenue_tier", "companies", type_="check")
    op.drop_constraint("ck_companies_access_level", "companies", type_="check")
    for name in ("deleted_at", "access_level", *(name for name, _ in _COMPANY_TEXT_COLUMNS)):
        op.drop_column("companies", name)
