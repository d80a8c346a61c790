"""Search speed: short per-field search texts for one-word queries, and the trigram functions' true cost.

Revision ID: 0008
Revises: 0007

A one-word query ("Apen") is answered by the GIN trigram index with every record
that shares half of the word's trigrams (all the "Alpen" companies, 5,000+ of
100,000), and each candidate is rechecked with ``word_similarity`` over its whole
search text (name, city, postal code, email: ~60 characters). Most of them fail
the recheck. ``search_name`` (the name alone) and ``search_other`` (the rest) have
their own trigram indexes, so search.service rechecks such candidates against the
~25 characters of the field that produced them (2-3x cheaper). Queries of several
words keep using ``search_text``: there the index intersects the words first and
few candidates are left to recheck.

The planner prices pg_trgm's functions at the default cost of 1 (like ``=`` on
integers); one call costs microseconds. With ``LIMIT`` it then prefers walking the
tenant index and calling ``<%`` on thousands of rows over the trigram index
(140 ms instead of 8 ms for "Schwarzwaald"). COST 100 states their real price.
Like LEAKPROOF (migration 0006), only a superuser may set it on the extension's
functions: docs/operations.md, tools/devstack SUPERUSER_SETUP; this migration does
it when it runs as superuser.

Production with large tables: adding STORED generated columns rewrites the table
under an ACCESS EXCLUSIVE lock, and CREATE INDEX inside Alembic's transaction
blocks writes while it builds (CONCURRENTLY cannot run in a transaction). For big
tenants run this migration in a maintenance window, or have the DBA create the
indexes beforehand with ``CREATE INDEX CONCURRENTLY`` under the names below
(after adding the columns): this migration creates them only IF NOT EXISTS.
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# table -> (column, generated expression); the fields together are what search_text (0006) covers.
FIELD_TEXTS = {
    "companies": (("search_name", "kontor_search_text(name)"),
                  ("search_other", "kontor_search_text(city, postal_code, email)")),
    "contact_persons": (("search_name", "kontor_search_text(first_name, last_name)"),
                        ("search_other", "kontor_search_text(VARIADIC email_keys::text[])")),
}
# Functions whose planner cost this migration (as superuser) and the DBA set (docs/operations.md).
PLANNER_COST = 100
COSTED_FUNCTIONS = ("word_similarity_op(text, text)", "word_similarity_commutator_op(text, text)",
                    "word_similarity(text, text)")


def _index_name(table: str, column: str) -> str:
    return f"ix_{table}_{column}"


def _cost_functions_if_superuser() -> None:
    statements = " ".join(f"ALTER FUNCTION {signature} COST {PLANNER_COST};" for signature in COSTED_FUNCTIONS)
    op.execute(f"DO $$ BEGIN IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN {statements} "
               "END IF; END $$")


def upgrade() -> None:
    _cost_functions_if_superuser()
    for table, fields in FIELD_TEXTS.items():
        for column, expression in fields:
            op.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} text "
                       f"GENERATED ALWAYS AS ({expression}) STORED")
            op.execute(f"CREATE INDEX IF NOT EXISTS {_index_name(table, column)} ON {table} "
                       f"USING gin ({column} gin_trgm_ops)")


def downgrade() -> None:
    for table, fields in FIELD_TEXTS.items():
        for column, _ in fields:
            op.execute(f"DROP INDEX IF EXISTS {_index_name(table, column)}")
            op.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS {column}")
