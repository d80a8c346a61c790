"""What follow-ups publish: ``contacts.followup.created`` (never the note: events travel far)."""

from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.outbox import add_event
from kontor.protos.events.v1 import contacts_pb2

from kontor.contacts.followups.models import FollowUp

PRODUCER = "contacts"


async def follow_up_created(session: AsyncSession, follow_up: FollowUp) -> None:
    await add_event(session, contacts_pb2.FollowUpCreated(
        follow_up_id=str(follow_up.id), record_type=follow_up.record_type, record_id=str(follow_up.record_id),
        assignee_id=str(follow_up.assignee_id), due_at=follow_up.due_at.isoformat(),
        created_by=follow_up.created_by,
    ), tenant_id=follow_up.tenant_id, producer=PRODUCER, subject=str(follow_up.id))
