import uuid

import pytest

from kontor.billing.clients import events
from kontor.billing.main import DEFINITION
from kontor.platform.errors import InvalidArgument
from kontor.platform.migrations import current_heads
from kontor.protos.events.v1 import contacts_pb2


def test_consumer_listens_to_company_created_on_the_contacts_stream():
    spec = events.consumer()
    assert spec.stream.name == "KONTOR_CONTACTS"
    assert spec.subjects() == ["kontor.*.contacts.company.created"]
    assert spec.name == "billing-clients"


async def test_handler_rejects_an_event_without_a_valid_company_id():
    # Permanent errors must be InvalidArgument so the consumer dead-letters at once.
    with pytest.raises(InvalidArgument) as exc:
        await events.on_company_created(None, type("E", (), {"tenantid": uuid.uuid4()})(),
                                        contacts_pb2.CompanyCreated(company_id="nope", name="x"))
    assert exc.value.field == "company_id"


def test_billing_has_one_migration_head_and_celery_tasks():
    assert current_heads(DEFINITION.migrations_dir) == {"0001"}
    assert DEFINITION.celery is not None
