"""A stand-in for contacts in-process (no gRPC), for tests of mail-import's own rules (own / team / manager).

contacts decides rights, teams and "sees everything"; ``FakeContacts`` answers what each test sets, through the
same calls mail-import's edge makes on a ``ContactsClient``. tests/mails and tests/mailbox use stand-ins over real
gRPC instead, where the wire matters.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from kontor.platform.auth import current_principal
from kontor.platform.errors import PermissionDenied


@dataclass
class FakeSight:
    everything: bool

    async def sees_everything(self) -> bool:
        return self.everything


@dataclass
class FakeContacts:
    """What contacts would answer: per user their teams, who is a manager, which rights are withheld."""

    teams: dict[uuid.UUID, set[uuid.UUID]] = field(default_factory=dict)
    managers: set[uuid.UUID] = field(default_factory=set)
    denied: set[tuple[str, str]] = field(default_factory=set)
    users: set[uuid.UUID] = field(default_factory=set)  # the tenant's CRM users
    team_lookups: int = 0

    def _user(self) -> uuid.UUID | None:
        try:
            return uuid.UUID(current_principal().subject)
        except ValueError:
            return None

    async def require_right(self, entity_type: str, action: str) -> None:
        if (entity_type, action) in self.denied:
            raise PermissionDenied(f"your role may not {action} {entity_type}")

    def sight(self) -> FakeSight:
        return FakeSight(self._user() in self.managers)

    async def my_team_ids(self, user_id: str) -> set[uuid.UUID]:
        self.team_lookups += 1
        return set(self.teams.get(uuid.UUID(user_id), set()))

    async def tenant_team_ids(self) -> set[uuid.UUID]:
        return set().union(*self.teams.values()) if self.teams else set()

    @property
    def access(self) -> FakeContacts:
        return self  # ContactsClient.access (kontor.platform.contacts_access.Contacts): user_email

    async def user_email(self, user_id: uuid.UUID) -> str | None:
        return f"{user_id}@example.com" if user_id in self.users else None
