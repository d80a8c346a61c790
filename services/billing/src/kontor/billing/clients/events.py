"""Events the clients domain consumes."""

from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.consumer import ConsumerSpec
from kontor.platform.events import CloudEvent
from kontor.platform.pagination import parse_uuid
from kontor.platform.streams import domain_stream
from kontor.protos.events.v1 import contacts_pb2

from kontor.billing.clients import service


async def on_company_created(session: AsyncSession, event: CloudEvent, data: contacts_pb2.CompanyCreated) -> None:
    await service.record_client(
        session, tenant_id=event.tenantid, company_id=parse_uuid(data.company_id, "company_id"), name=data.name
    )


def consumer() -> ConsumerSpec:
    return ConsumerSpec(
        name="billing-clients",
        stream=domain_stream("contacts"),
        handlers={"contacts.company.created": on_company_created},
    )
