"""Companies and persons made through the contacts service functions, in a fresh tenant per test."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from kontor.platform.auth import Principal
from kontor.platform.db import Database

from kontor.contacts.companies import service as companies
from kontor.contacts.companies.schemas import CompanyCreate
from kontor.contacts.matching import service as matching
from kontor.contacts.persons import service as persons
from kontor.contacts.persons.schemas import ContactPersonCreate


@dataclass
class World:
    db: Database
    tenant: uuid.UUID = field(default_factory=uuid.uuid4)

    @property
    def manager(self) -> Principal:
        return Principal(subject="manager", tenant_id=self.tenant, roles=("org_manager",))

    def rep(self, user_id: uuid.UUID | None = None) -> Principal:
        return Principal(subject=str(user_id or uuid.uuid4()), tenant_id=self.tenant, roles=("sales_rep",))

    async def company(self, *, website: str = "", email: str = "", access_level: str = "company") -> uuid.UUID:
        async with self.db.unit_of_work(self.tenant) as session:
            company = await companies.create_company(session, principal=self.manager, data=CompanyCreate(
                name=f"Firma {uuid.uuid4().hex[:8]}", website=website, email=email, access_level=access_level,
                confirm_duplicate=True))
            return company.id

    async def person(self, company_id: uuid.UUID, *addresses: str) -> uuid.UUID:
        async with self.db.unit_of_work(self.tenant) as session:
            person = await persons.create_person(session, principal=self.manager, company_id=company_id,
                                                 data=ContactPersonCreate(
                                                     last_name="Muster", emails=[{"address": a} for a in addresses],
                                                     confirm_duplicate=True))
            return person.id

    async def match(self, addresses: list[str], principal: Principal | None = None) -> list[matching.AddressMatch]:
        async with self.db.unit_of_work(self.tenant) as session:
            return await matching.match_addresses(session, principal=principal or self.manager, addresses=addresses)

    async def one(self, address: str, principal: Principal | None = None) -> matching.AddressMatch:
        [found] = await self.match([address], principal)
        return found
