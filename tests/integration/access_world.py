"""A small world for the access tests: employees, teams and companies written straight into contacts' database
(as the service's own role, under row-level security), and the service functions run against it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from kontor.platform.auth import Principal
from kontor.platform.db import Database

from kontor.contacts.companies.models import Company
from kontor.contacts.identity.models import Team, User, UserTeam


def principal(tenant: uuid.UUID, user: uuid.UUID | str, role: str = "sales_rep") -> Principal:
    return Principal(subject=str(user), tenant_id=tenant, roles=(role,))


def manager(tenant: uuid.UUID) -> Principal:
    return Principal(subject="manager", tenant_id=tenant, roles=("org_manager",))


@dataclass
class World:
    db: Database
    tenant: uuid.UUID = field(default_factory=uuid.uuid4)
    team_ids: dict[str, uuid.UUID] = field(default_factory=dict)

    async def users(self, count: int, *, teams: dict[str, list[int]] | None = None) -> list[uuid.UUID]:
        """``count`` active sales reps; ``teams`` names teams by the indexes of their members."""
        ids = [uuid.uuid4() for _ in range(count)]
        async with self.db.unit_of_work(self.tenant) as session:
            for user_id in ids:
                session.add(User(id=user_id, email=f"{user_id.hex[:12]}@example.test", display_name="Test",
                                 role="sales_rep", active=True, time_zone="Europe/Berlin", locale="de",
                                 password_hash="-", version=1))
            await session.flush()
            for name, members in (teams or {}).items():
                team = Team(id=uuid.uuid4(), name=name, name_key=name.lower(), version=1)
                session.add(team)
                await session.flush()
                for index in members:
                    session.add(UserTeam(user_id=ids[index], team_id=team.id))
                self.team_ids[name] = team.id
        return ids

    async def companies(self, *levels: str) -> list[uuid.UUID]:
        ids = [uuid.uuid4() for _ in levels]
        async with self.db.unit_of_work(self.tenant) as session:
            for company_id, level in zip(ids, levels, strict=True):
                session.add(Company(id=company_id, name=f"Firma {company_id.hex[:6]}", kind="lead", city="",
                                    access_level=level, version=1))
        return ids
