"""Billing's project events keep ``engagements`` current, which "restricted" access follows."""

from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.consumer import ConsumerSpec
from kontor.platform.events import CloudEvent
from kontor.platform.pagination import parse_uuid
from kontor.platform.streams import domain_stream
from kontor.protos.events.v1 import billing_pb2

from kontor.contacts.access import service


async def _record(session: AsyncSession, event: CloudEvent, data, *, active: bool) -> None:
    await service.record_project(
        session, project_id=parse_uuid(data.project_id, "project_id"),
        company_id=parse_uuid(data.company_id, "company_id"),
        member_user_ids=[parse_uuid(u, "member_user_ids") for u in data.member_user_ids],
        active=active, as_of=event.time,
    )


async def on_project_activated(session: AsyncSession, event: CloudEvent, data: billing_pb2.ProjectActivated) -> None:
    await _record(session, event, data, active=True)


async def on_project_closed(session: AsyncSession, event: CloudEvent, data: billing_pb2.ProjectClosed) -> None:
    await _record(session, event, data, active=False)


def consumer() -> ConsumerSpec:
    return ConsumerSpec(
        name="contacts-engagements",
        stream=domain_stream("billing"),
        handlers={"billing.project.activated": on_project_activated, "billing.project.closed": on_project_closed},
    )
