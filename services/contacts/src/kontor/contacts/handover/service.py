"""Hand-over: responsibility moves from A to B with a note; links stay, B is told, the audit log keeps it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.auth import Principal
from kontor.platform.errors import InvalidArgument
from kontor.platform.outbox import add_event
from kontor.protos.events.v1 import access_pb2

from kontor.contacts.access.guard import require_record
from kontor.contacts.assignment.events import notified_users
from kontor.contacts.assignment.service import reassign_all
from kontor.contacts.audit import service as audit
from kontor.contacts.handover.schemas import HandoverCreate


@dataclass(frozen=True)
class HandoverResult:
    handover_id: uuid.UUID
    moved: int


async def hand_over(session: AsyncSession, *, principal: Principal, data: HandoverCreate) -> HandoverResult:
    if data.from_user_id == data.to_user_id:
        raise InvalidArgument("to_user_id", "choose someone else than the employee handing over")
    for ref in data.records:
        # Named records must be visible to the caller (invisible ones answer 404).
        await require_record(session, principal, ref.type, ref.id, "read")
    record_ids = [ref.id for ref in data.records] if data.records else None
    moved = await reassign_all(session, from_user=data.from_user_id, to_user=data.to_user_id, record_ids=record_ids)
    touched = sorted({(a.record_type, str(a.record_id)) for a in moved})
    refs = [{"type": kind, "id": rid} for kind, rid in touched]
    entry = audit.record(session, actor=principal.subject, action="handover", from_user_id=data.from_user_id,
                         to_user_id=data.to_user_id, records=refs, note=data.note)
    message = access_pb2.HandoverDone(
        handover_id=str(entry.id), from_user_id=str(data.from_user_id), to_user_id=str(data.to_user_id),
        records=[access_pb2.RecordRef(**ref) for ref in refs], note=data.note, actor=principal.subject,
        notify_user_ids=await notified_users(session, data.to_user_id),
    )
    await add_event(session, message, tenant_id=principal.tenant_id, producer="contacts", subject=str(entry.id))
    return HandoverResult(entry.id, len(moved))
