"""What the companies domain publishes."""

from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.outbox import add_event
from kontor.protos.events.v1 import contacts_pb2

from kontor.contacts.companies.models import Company

PRODUCER = "contacts"


async def company_created(session: AsyncSession, company: Company) -> None:
    await add_event(
        session,
        contacts_pb2.CompanyCreated(
            company_id=str(company.id), name=company.name, kind=company.kind, city=company.city,
            version=company.version,
        ),
        tenant_id=company.tenant_id,
        producer=PRODUCER,
        subject=str(company.id),
    )
