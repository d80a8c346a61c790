"""What the contact persons domain publishes. No addresses, numbers or birthdays: events travel far."""

from google.protobuf.message import Message
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.outbox import add_event
from kontor.protos.events.v1 import contacts_pb2

from kontor.contacts.persons.models import ContactPerson

PRODUCER = "contacts"


async def _publish(session: AsyncSession, person: ContactPerson, message: Message) -> None:
    await add_event(session, message, tenant_id=person.tenant_id, producer=PRODUCER, subject=str(person.id))


async def person_created(session: AsyncSession, person: ContactPerson) -> None:
    await _publish(session, person, contacts_pb2.ContactPersonCreated(
        person_id=str(person.id), company_id=str(person.company_id), first_name=person.first_name,
        last_name=person.last_name, role=person.role, version=person.version,
    ))


async def person_updated(session: AsyncSession, person: ContactPerson, changed_fields: list[str]) -> None:
    await _publish(session, person, contacts_pb2.ContactPersonUpdated(
        person_id=str(person.id), company_id=str(person.company_id), first_name=person.first_name,
        last_name=person.last_name, role=person.role, version=person.version, changed_fields=changed_fields,
    ))


async def person_deleted(session: AsyncSession, person: ContactPerson) -> None:
    await _publish(session, person, contacts_pb2.ContactPersonDeleted(
        person_id=str(person.id), company_id=str(person.company_id), version=person.version,
    ))
