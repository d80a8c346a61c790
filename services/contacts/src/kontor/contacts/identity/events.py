"""What the identity domain publishes. Events describe the profile only: never a password or its hash."""

from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.outbox import add_event
from kontor.protos.events.v1 import identity_pb2

from kontor.contacts.identity.models import User

PRODUCER = "contacts"


def _team_ids(user: User) -> list[str]:
    return [str(team_id) for team_id in user.team_ids]


async def user_created(session: AsyncSession, user: User) -> None:
    await add_event(session, identity_pb2.UserCreated(
        user_id=str(user.id), email=user.email, display_name=user.display_name, role=user.role,
        team_ids=_team_ids(user), version=user.version,
    ), tenant_id=user.tenant_id, producer=PRODUCER, subject=str(user.id))


async def user_updated(session: AsyncSession, user: User, changed_fields: list[str]) -> None:
    await add_event(session, identity_pb2.UserUpdated(
        user_id=str(user.id), email=user.email, display_name=user.display_name, role=user.role,
        team_ids=_team_ids(user), active=user.active, version=user.version, changed_fields=changed_fields,
    ), tenant_id=user.tenant_id, producer=PRODUCER, subject=str(user.id))
