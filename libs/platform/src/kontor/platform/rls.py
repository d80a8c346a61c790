"""Row-level security for tenant tables, for use inside Alembic migrations.

    from kontor.platform import rls
    rls.enable_tenant_isolation("companies")   # the one line a new table needs

FORCE makes the policy apply to the table owner too, which is the role the
service connects as. Superusers and BYPASSRLS roles are refused at start-up
(``Database.assert_role_respects_rls``).
"""

from __future__ import annotations

from alembic import op

CURRENT_TENANT_FUNCTION = """
CREATE OR REPLACE FUNCTION kontor_current_tenant() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT NULLIF(current_setting('kontor.tenant_id', true), '')::uuid $$
"""


def create_current_tenant_function() -> None:
    op.execute(CURRENT_TENANT_FUNCTION)


def enable_tenant_isolation(table: str) -> None:
    op.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
    op.execute(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY')
    op.execute(
        f'CREATE POLICY tenant_isolation ON "{table}" '
        "USING (tenant_id = kontor_current_tenant()) "
        "WITH CHECK (tenant_id = kontor_current_tenant())"
    )


def disable_tenant_isolation(table: str) -> None:
    op.execute(f'DROP POLICY IF EXISTS tenant_isolation ON "{table}"')
    op.execute(f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY')
    op.execute(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY')
