"""Traces: the tenant's settings and what the trace feed listens to."""

import uuid

import pytest

from kontor.platform.errors import InvalidArgument
from kontor.platform.events import event_type_of
from kontor.protos.events.v1 import access_pb2, contacts_pb2

from kontor.contacts.traces import events, service


def test_defaults_are_traceable_and_the_feed_listens_to_every_contacts_type_it_can_trace():
    assert set(service.DEFAULT_EVENT_TYPES) <= set(service.AVAILABLE_EVENT_TYPES)
    contacts_types = {t for t in service.AVAILABLE_EVENT_TYPES if t.startswith("contacts.")}
    assert set(events.RESOLVERS) == contacts_types
    spec = events.consumer()
    assert spec.stream.name == "KONTOR_CONTACTS"
    assert set(spec.handlers) == contacts_types


def test_every_traced_contacts_type_is_a_real_event():
    published = {event_type_of(m).removeprefix("kontor.") for m in (
        contacts_pb2.CompanyCreated, contacts_pb2.CompanyUpdated, contacts_pb2.CompanyConverted,
        contacts_pb2.CompanyDeleted, contacts_pb2.ContactPersonCreated, contacts_pb2.ContactPersonUpdated,
        contacts_pb2.ContactPersonDeleted, access_pb2.AssignmentChanged, access_pb2.HandoverDone)}
    assert set(events.RESOLVERS) == published


def test_settings_accept_known_types_once_each_sorted():
    assert service._validated(["contacts.handover.done", "contacts.company.updated", "contacts.company.updated"]) \
        == ["contacts.company.updated", "contacts.handover.done"]
    assert service._validated([]) == []


@pytest.mark.parametrize(("types", "field"), [
    (["contacts.company.updated", "Contacts.Company"], "enabled_event_types[1]"),
    (["contacts.company.exploded"], "enabled_event_types[0]"),
])
def test_unknown_types_name_their_position(types, field):
    with pytest.raises(InvalidArgument) as exc:
        service._validated(types)
    assert exc.value.field == field


async def test_person_events_name_their_company_and_record():
    company_id, person_id = uuid.uuid4(), uuid.uuid4()
    data = contacts_pb2.ContactPersonCreated(person_id=str(person_id), company_id=str(company_id))
    targets, actor = await events._person_event(None, data)  # needs no database
    assert targets == [(company_id, "contact_person", str(person_id))] and actor == ""
