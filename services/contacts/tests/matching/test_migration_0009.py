"""Migration 0009 fills contact_person_addresses from the persons written before it, tenant by tenant."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import text

from kontor.devstack.testing import service_database
from kontor.platform import migrations
from kontor.platform.db import Database

from .conftest import MIGRATIONS


async def _write(url: str, tenants: dict[uuid.UUID, list[list[str]]]) -> dict[uuid.UUID, list[uuid.UUID]]:
    db = Database(url, pool_size=1)
    people: dict[uuid.UUID, list[uuid.UUID]] = {}
    try:
        for tenant, persons in tenants.items():
            async with db.unit_of_work(tenant) as session:
                await session.execute(text("INSERT INTO tenants (id, slug, name) VALUES (:id, :slug, 'T')"),
                                      {"id": tenant, "slug": tenant.hex[:12]})
                company = uuid.uuid4()
                await session.execute(text("INSERT INTO companies (id, name, kind, city, version) "
                                           "VALUES (:id, 'Firma', 'lead', '', 1)"), {"id": company})
                for keys in persons:
                    person = uuid.uuid4()
                    await session.execute(text(
                        "INSERT INTO contact_persons (id, company_id, last_name, email_keys, version) "
                        "VALUES (:id, :company, 'Muster', :keys, 1)"), {"id": person, "company": company, "keys": keys})
                    people.setdefault(tenant, []).append(person)
    finally:
        await db.dispose()
    return people


async def _rows(url: str, tenant: uuid.UUID) -> set[tuple[uuid.UUID, str]]:
    db = Database(url, pool_size=1)
    try:
        async with db.unit_of_work(tenant) as session:
            return {tuple(row) for row in await session.execute(
                text("SELECT person_id, address FROM contact_person_addresses"))}
    finally:
        await db.dispose()


def test_existing_addresses_are_copied_per_tenant(tmp_path):
    first, second = uuid.uuid4(), uuid.uuid4()
    with service_database(tmp_path, "contacts") as url:
        migrations.upgrade(MIGRATIONS, url, "0008")
        people = asyncio.run(_write(url, {first: [["a@x.example", "B@x.example"], []], second: [["a@x.example"]]}))
        migrations.upgrade(MIGRATIONS, url)
        a, without = people[first]
        assert asyncio.run(_rows(url, first)) == {(a, "a@x.example"), (a, "b@x.example")}
        assert without  # a person without addresses has no rows
        assert asyncio.run(_rows(url, second)) == {(people[second][0], "a@x.example")}
