"""The trace feed: a durable consumer that turns the tenant's enabled domain events into trace rows.

Traces come from the very events partners receive, so the log shows what
actually happened. The events do not name who caused them, so the feed finds
the employee where the change recorded it (the company history of that
version, the hand-over's actor); where nothing records it the trace has no
actor. Other domains join by adding their stream's consumer with the same
handlers pattern (e.g. mail's "mail.message.filed").
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable

from google.protobuf.message import Message
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.consumer import ConsumerSpec
from kontor.platform.events import CloudEvent
from kontor.platform.pagination import parse_uuid
from kontor.platform.streams import domain_stream

from kontor.contacts.companies.models import CompanyHistory
from kontor.contacts.persons.models import ContactPerson
from kontor.contacts.traces import service

CONSUMER_NAME = "contacts-traces"
# (company id, record type, record id) of one traced record.
Target = tuple[uuid.UUID, str, str]
Resolver = Callable[[AsyncSession, Message], Awaitable[tuple[list[Target], str]]]


async def _history_actor(session: AsyncSession, company_id: uuid.UUID, version: int) -> str:
    return await session.scalar(
        select(CompanyHistory.changed_by).where(CompanyHistory.company_id == company_id,
                                                CompanyHistory.version == version).limit(1)) or ""


async def _company_of(session: AsyncSession, record_type: str, record_id: str) -> uuid.UUID | None:
    """The company a company or contact-person record belongs to (None for anything else)."""
    if record_type == "company":
        return parse_uuid(record_id, "record_id")
    if record_type == "contact_person":
        return await session.scalar(select(ContactPerson.company_id).where(
            ContactPerson.id == parse_uuid(record_id, "record_id")))
    return None


async def _company_event(session: AsyncSession, data) -> tuple[list[Target], str]:
    company_id = parse_uuid(data.company_id, "company_id")
    return [(company_id, "company", str(company_id))], await _history_actor(session, company_id, data.version)


async def _person_event(session: AsyncSession, data) -> tuple[list[Target], str]:
    return [(parse_uuid(data.company_id, "company_id"), "contact_person", data.person_id)], ""


async def _targets(session: AsyncSession, refs: Iterable[tuple[str, str]]) -> list[Target]:
    found = []
    for record_type, record_id in refs:
        company_id = await _company_of(session, record_type, record_id)
        if company_id is not None:
            found.append((company_id, record_type, record_id))
    return found


async def _assignment_changed(session: AsyncSession, data) -> tuple[list[Target], str]:
    return await _targets(session, [(data.record_type, data.record_id)]), ""


async def _handover_done(session: AsyncSession, data) -> tuple[list[Target], str]:
    return await _targets(session, [(r.type, r.id) for r in data.records]), data.actor


RESOLVERS: dict[str, Resolver] = {
    "contacts.company.created": _company_event, "contacts.company.updated": _company_event,
    "contacts.company.converted": _company_event, "contacts.company.deleted": _company_event,
    "contacts.contact_person.created": _person_event, "contacts.contact_person.updated": _person_event,
    "contacts.contact_person.deleted": _person_event,
    "contacts.assignment.changed": _assignment_changed, "contacts.handover.done": _handover_done,
}


async def on_event(session: AsyncSession, event: CloudEvent, data: Message) -> None:
    enabled, _ = await service.enabled_event_types(session)
    if event.short_type not in enabled:
        return  # not traced in this tenant: acknowledged, nothing written
    targets, actor = await RESOLVERS[event.short_type](session, data)
    for company_id, record_type, record_id in dict.fromkeys(targets):
        await service.record(session, event_id=event.id, event_type=event.short_type, company_id=company_id,
                             record_type=record_type, record_id=record_id, actor=actor, details=event.data,
                             occurred_at=event.time)


def consumer() -> ConsumerSpec:
    return ConsumerSpec(name=CONSUMER_NAME, stream=domain_stream("contacts"),
                        handlers=dict.fromkeys(RESOLVERS, on_event))
