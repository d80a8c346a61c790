"""Search (pg_trgm over generated search texts), import jobs with their row reports, GDPR audit.

Revision ID: 0006
Revises: 0005

The search texts are STORED generated columns: PostgreSQL keeps them current
on every insert and update (the API, imports, COPY), so no write path has to
remember them. ``kontor_search_text`` is the one normal form: accents folded
(translate table below, the same as search.normalise), ß/æ/œ spelled out,
lower-case, single spaces.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from kontor.platform import rls

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_TENANT = sa.text("kontor_current_tenant()")

# Letters with diacritics (U+00C0..U+024F that decompose to one ASCII letter) and what they fold to.
FOLD_FROM = ('ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöùúû'
             'üýÿĀāĂăĄąĆćĈĉĊċČčĎďĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĨĩĪīĬĭĮįİĴĵ'
             'ĶķĹĺĻļĽľŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŨũŪūŬŭŮůŰűŲų'
             'ŴŵŶŷŸŹźŻżŽžſƠơƯưǍǎǏǐǑǒǓǔǕǖǗǘǙǚǛǜǞǟǠǡǦǧǨǩǪǫǬǭǰǴǵǸǹǺ'
             'ǻȀȁȂȃȄȅȆȇȈȉȊȋȌȍȎȏȐȑȒȓȔȕȖȗȘșȚțȞȟȦȧȨȩȪȫȬȭȮȯȰȱȲȳØøŁłĐ'
             'đ')
FOLD_TO = ('AAAAAACEEEEIIIINOOOOOUUUUYaaaaaaceeeeiiiinooooouuu'
           'uyyAaAaAaCcCcCcCcDdEeEeEeEeEeGgGgGgGgHhIiIiIiIiIJj'
           'KkLlLlLlNnNnNnOoOoOoRrRrRrSsSsSsSsTtTtUuUuUuUuUuUu'
           'WwYyYZzZzZzsOoUuAaIiOoUuUuUuUuUuAaAaGgKkOoOojGgNnA'
           'aAaAaEeEeIiIiOoOoRrRrUuUuSsTtHhAaEeOoOoOoOoYyOoLlD'
           'd')
# Spelled out before folding (one letter becomes two).
LIGATURES = (("ß", "ss"), ("ẞ", "ss"), ("æ", "ae"), ("Æ", "ae"), ("œ", "oe"), ("Œ", "oe"))


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _search_text_function() -> str:
    spelled = "array_to_string(parts, ' ')"
    for letter, spelling in LIGATURES:
        spelled = f"replace({spelled}, {_literal(letter)}, {_literal(spelling)})"
    # translate before lower: lower() of non-ASCII letters depends on the database's locale.
    folded = f"lower(translate({spelled}, {_literal(FOLD_FROM)}, {_literal(FOLD_TO)}))"
    return ("CREATE OR REPLACE FUNCTION kontor_search_text(VARIADIC parts text[]) RETURNS text "
            "LANGUAGE sql IMMUTABLE PARALLEL SAFE AS "
            f"$$ SELECT btrim(regexp_replace({folded}, '\\s+', ' ', 'g')) $$")


# Row-level security keeps non-LEAKPROOF operators out of index conditions, and pg_trgm's are not marked
# LEAKPROOF: without this the trigram indexes are never used on these (RLS) tables and search scans every row.
# Only a superuser may mark functions LEAKPROOF; the service role cannot, so a database administrator runs
# these statements once per database (or runs this migration as superuser). The functions raise no
# data-dependent errors, which is what LEAKPROOF promises. bench/search_latency.py shows both plans.
LEAKPROOF_FUNCTIONS = ("word_similarity_op(text, text)", "word_similarity_commutator_op(text, text)",
                       "word_similarity(text, text)", "kontor_search_text(VARIADIC text[])")


def _mark_leakproof_if_superuser() -> None:
    statements = " ".join(f"ALTER FUNCTION {signature} LEAKPROOF;" for signature in LEAKPROOF_FUNCTIONS)
    op.execute(f"DO $$ BEGIN IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN {statements} "
               "END IF; END $$")


def _uuid(name: str, *args, **kwargs) -> sa.Column:
    return sa.Column(name, postgresql.UUID(as_uuid=True), *args, **kwargs)


def _timestamp(name: str, **kwargs) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), **kwargs)


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(_search_text_function())
    _mark_leakproof_if_superuser()
    op.execute("ALTER TABLE companies ADD COLUMN search_text text GENERATED ALWAYS AS "
               "(kontor_search_text(name, city, postal_code, email)) STORED")
    op.execute("ALTER TABLE contact_persons ADD COLUMN search_text text GENERATED ALWAYS AS "
               "(kontor_search_text(VARIADIC ARRAY[first_name, last_name]::text[] || email_keys::text[])) STORED")
    op.execute("CREATE INDEX ix_companies_search_text ON companies USING gin (search_text gin_trgm_ops)")
    op.execute("CREATE INDEX ix_contact_persons_search_text ON contact_persons USING gin (search_text gin_trgm_ops)")

    op.create_table(
        "import_jobs",
        _uuid("id", primary_key=True),
        _uuid("tenant_id", nullable=False, server_default=_TENANT),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False, server_default=""),
        sa.Column("format", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("confirm_duplicates", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("total_rows", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("processed_rows", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("imported", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("skipped", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("errors", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("error", sa.Text(), nullable=False, server_default=""),
        sa.Column("ignored_columns", postgresql.ARRAY(sa.String(100)), nullable=False, server_default="{}"),
        sa.Column("created_by", sa.String(200), nullable=False),
        _timestamp("created_at", nullable=False, server_default=sa.func.now()),
        _timestamp("updated_at", nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("status IN ('running', 'completed', 'failed')", name="status"),
        sa.UniqueConstraint("tenant_id", "sha256", name="uq_import_jobs_tenant_sha256"),
    )
    rls.enable_tenant_isolation("import_jobs")

    op.create_table(
        "import_rows",
        _uuid("id", primary_key=True),
        _uuid("tenant_id", nullable=False, server_default=_TENANT),
        _uuid("job_id", sa.ForeignKey("import_jobs.id", name="fk_import_rows_job_id_import_jobs"), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("field", sa.String(100), nullable=False, server_default=""),
        sa.Column("reason", sa.Text(), nullable=False, server_default=""),
        _uuid("company_id", nullable=True),
        _uuid("person_id", nullable=True),
        sa.CheckConstraint("status IN ('imported', 'skipped', 'error')", name="status"),
        sa.UniqueConstraint("job_id", "row_number", name="uq_import_rows_job_row"),
    )
    op.create_index("ix_import_rows_tenant_id", "import_rows", ["tenant_id"])
    rls.enable_tenant_isolation("import_rows")

    op.create_table(
        "gdpr_audit",
        _uuid("id", primary_key=True),
        _uuid("tenant_id", nullable=False, server_default=_TENANT),
        sa.Column("action", sa.String(16), nullable=False),
        _uuid("person_id", nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("details", postgresql.JSONB(), nullable=False, server_default="{}"),
        _timestamp("created_at", nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("action IN ('export', 'erase')", name="action"),
    )
    op.create_index("ix_gdpr_audit_tenant_created", "gdpr_audit", ["tenant_id", "created_at", "id"])
    rls.enable_tenant_isolation("gdpr_audit")


def downgrade() -> None:
    op.drop_table("gdpr_audit")
    op.drop_table("import_rows")
    op.drop_table("import_jobs")
    op.execute("DROP INDEX IF EXISTS ix_contact_persons_search_text")
    op.execute("DROP INDEX IF EXISTS ix_companies_search_text")
    op.execute("ALTER TABLE contact_persons DROP COLUMN search_text")
    op.execute("ALTER TABLE companies DROP COLUMN search_text")
    op.execute("DROP FUNCTION IF EXISTS kontor_search_text(text[])")

