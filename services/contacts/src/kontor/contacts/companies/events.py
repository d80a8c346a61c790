"""What the companies domain publishes (CloudEvents through the outbox, same transaction as the change)."""

from google.protobuf.message import Message
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.outbox import add_event
from kontor.protos.events.v1 import contacts_pb2

from kontor.contacts.companies.models import Company

PRODUCER = "contacts"


async def _publish(session: AsyncSession, company: Company, message: Message) -> None:
    await add_event(session, message, tenant_id=company.tenant_id, producer=PRODUCER, subject=str(company.id))


async def company_created(session: AsyncSession, company: Company) -> None:
    await _publish(session, company, contacts_pb2.CompanyCreated(
        company_id=str(company.id), name=company.name, kind=company.kind, city=company.city,
        version=company.version,
    ))


async def company_updated(session: AsyncSession, company: Company, changed_fields: list[str]) -> None:
    await _publish(session, company, contacts_pb2.CompanyUpdated(
        company_id=str(company.id), name=company.name, kind=company.kind, city=company.city,
        version=company.version, changed_fields=changed_fields, access_level=company.access_level,
    ))


async def company_converted(session: AsyncSession, company: Company, from_kind: str) -> None:
    await _publish(session, company, contacts_pb2.CompanyConverted(
        company_id=str(company.id), name=company.name, from_kind=from_kind, to_kind=company.kind,
        version=company.version,
    ))


async def company_deleted(session: AsyncSession, company: Company) -> None:
    await _publish(session, company, contacts_pb2.CompanyDeleted(company_id=str(company.id),
                                                                 version=company.version))
