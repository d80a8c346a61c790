"""What substitutions publish: started and ended, emitted once each by the beat task."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.outbox import add_event
from kontor.protos.events.v1 import access_pb2

from kontor.contacts.substitution.models import Substitution


def _fields(substitution: Substitution) -> dict:
    return {"substitution_id": str(substitution.id), "absent_user_id": str(substitution.absent_user_id),
            "substitute_user_id": str(substitution.substitute_user_id),
            "starts_at": substitution.starts_at.isoformat(), "ends_at": substitution.ends_at.isoformat()}


async def substitution_started(session: AsyncSession, substitution: Substitution) -> None:
    await add_event(session, access_pb2.SubstitutionStarted(**_fields(substitution)),
                    tenant_id=substitution.tenant_id, producer="contacts", subject=str(substitution.id))


async def substitution_ended(session: AsyncSession, substitution: Substitution) -> None:
    message = access_pb2.SubstitutionEnded(**_fields(substitution), cancelled=substitution.cancelled_at is not None)
    await add_event(session, message, tenant_id=substitution.tenant_id, producer="contacts",
                    subject=str(substitution.id))
