"""Tenant isolation is enforced by PostgreSQL row-level security, not by query discipline."""

from __future__ import annotations

import uuid

import httpx
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy.exc import DBAPIError

from kontor.contacts.companies.models import Company
from kontor.platform.db import Database


@pytest.fixture
async def contacts_db(stack):
    db = Database(stack.database_url("contacts"))
    yield db
    await db.dispose()


async def _add_company(db: Database, tenant: uuid.UUID, name: str) -> uuid.UUID:
    async with db.unit_of_work(tenant) as session:
        company = Company(id=uuid.uuid4(), name=name, kind="lead", city="", version=1)
        session.add(company)  # tenant_id comes from the session's tenant
        await session.flush()
        return company.id


async def test_query_without_tenant_filter_sees_only_own_rows(contacts_db):
    tenant_a, tenant_b = uuid.uuid4(), uuid.uuid4()
    a_id = await _add_company(contacts_db, tenant_a, "A's secret customer")

    async with contacts_db.unit_of_work(tenant_b) as session:
        # Deliberately no WHERE tenant_id: the policy must filter anyway.
        names = (await session.execute(sa.text("SELECT name FROM companies"))).scalars().all()
        assert "A's secret customer" not in names
        assert await session.get(Company, a_id) is None
        assert (await session.execute(sa.text("SELECT count(*) FROM companies WHERE id = :i"),
                                      {"i": a_id})).scalar() == 0
        # Updates and deletes of foreign rows touch nothing.
        assert (await session.execute(sa.text("UPDATE companies SET name = 'x' WHERE id = :i"),
                                      {"i": a_id})).rowcount == 0
        assert (await session.execute(sa.text("DELETE FROM companies WHERE id = :i"), {"i": a_id})).rowcount == 0

    async with contacts_db.unit_of_work(None) as session:  # system scope sees no tenant's rows
        assert (await session.execute(sa.text("SELECT count(*) FROM companies"))).scalar() == 0

    async with contacts_db.unit_of_work(tenant_a) as session:
        assert (await session.get(Company, a_id)).name == "A's secret customer"


async def test_cannot_write_rows_into_another_tenant(contacts_db):
    tenant_a, tenant_b = uuid.uuid4(), uuid.uuid4()
    with pytest.raises(DBAPIError, match="row-level security"):
        async with contacts_db.unit_of_work(tenant_b) as session:
            session.add(Company(id=uuid.uuid4(), tenant_id=tenant_a, name="smuggled", kind="lead", city="",
                                version=1))
            await session.flush()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(layout=st.lists(st.integers(min_value=0, max_value=3), min_size=1, max_size=8))
async def test_each_tenant_sees_exactly_its_own_companies(contacts_db, layout):
    tenants = [uuid.uuid4() for _ in range(4)]
    owned: dict[uuid.UUID, set[uuid.UUID]] = {t: set() for t in tenants}
    for index in layout:
        owned[tenants[index]].add(await _add_company(contacts_db, tenants[index], f"c{index}"))
    for tenant in tenants:
        async with contacts_db.unit_of_work(tenant) as session:
            visible = set((await session.execute(sa.text("SELECT id FROM companies"))).scalars().all())
        assert visible & set().union(*owned.values()) == owned[tenant]


def test_another_tenants_company_answers_404_through_the_api(stack):
    gateway = stack.http("gateway")
    owner = {"Authorization": f"Bearer {stack.token(uuid.uuid4())}"}
    stranger = {"Authorization": f"Bearer {stack.token(uuid.uuid4())}"}
    company_id = httpx.post(f"{gateway}/api/v1/companies", headers=owner, json={"name": "Private"}).json()["id"]
    response = httpx.get(f"{gateway}/api/v1/companies/{company_id}", headers=stranger)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    listed = httpx.get(f"{gateway}/api/v1/companies", headers=stranger).json()["items"]
    assert company_id not in [c["id"] for c in listed]


async def test_services_refuse_a_role_that_bypasses_row_level_security(stack):
    from kontor.platform.db import UnsafeDatabaseRole

    superuser = Database(stack.infra.postgres.admin_dsn("kontor_contacts").replace("postgresql://",
                                                                                 "postgresql+asyncpg://"))
    try:
        with pytest.raises(UnsafeDatabaseRole, match="NOBYPASSRLS"):
            await superuser.assert_role_respects_rls()
    finally:
        await superuser.dispose()
    service_role = Database(stack.database_url("contacts"))
    await service_role.assert_role_respects_rls()  # the dev/test role is safe
    await service_role.dispose()
