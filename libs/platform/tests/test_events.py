import json
import uuid

import pytest
from hypothesis import given, strategies as st

from kontor.platform.events import PoisonMessage, build_event, event_type_of, parse_event, registry, subject_for
from kontor.protos.events.v1 import contacts_pb2

text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=50)


def test_registry_knows_every_annotated_event():
    assert registry()["contacts.company.created"] is contacts_pb2.CompanyCreated
    assert event_type_of(contacts_pb2.CompanyCreated()) == "contacts.company.created"


@given(name=text, city=text, version=st.integers(min_value=0, max_value=2**62))
def test_event_survives_the_wire(name, city, version):
    tenant = uuid.uuid4()
    message = contacts_pb2.CompanyCreated(company_id=str(uuid.uuid4()), name=name, kind="lead", city=city,
                                          version=version)
    event = build_event(message, tenant_id=tenant, producer="contacts", subject=message.company_id)
    raw = event.model_dump_json(exclude_none=True).encode()
    parsed, data = parse_event(raw, subject_for(tenant, "contacts.company.created"))
    assert data == message
    assert parsed.id == event.id and parsed.tenantid == tenant
    assert parsed.type == "kontor.contacts.company.created" and parsed.source == "/kontor/contacts"


def _raw(tenant, **overrides) -> bytes:
    body = {"specversion": "1.0", "id": "e1", "source": "/kontor/contacts", "type": "kontor.contacts.company.created",
            "time": "2026-01-01T00:00:00Z", "tenantid": str(tenant), "data": {"name": "x"}}
    body.update(overrides)
    return json.dumps(body).encode()


@pytest.mark.parametrize(("overrides", "reason"), [
    ({"specversion": "0.3"}, "specversion"),
    ({"id": ""}, "id"),
    ({"type": "kontor.contacts.company.exploded"}, "unknown event type"),
    ({"data": {"version": "many"}}, "does not match kontor.events.v1.CompanyCreated"),
    ({"tenantid": "nobody"}, "tenantid"),
])
def test_poison_reasons_say_what_is_wrong(overrides, reason):
    tenant = uuid.uuid4()
    subject = subject_for(tenant, overrides.get("type", "kontor.contacts.company.created").removeprefix("kontor."))
    with pytest.raises(PoisonMessage, match=reason):
        parse_event(_raw(tenant, **overrides), subject)


def test_subject_must_match_the_tenant_in_the_envelope():
    tenant, other = uuid.uuid4(), uuid.uuid4()
    with pytest.raises(PoisonMessage, match="does not match tenantid/type"):
        parse_event(_raw(tenant), subject_for(other, "contacts.company.created"))
