import pytest
from hypothesis import given, strategies as st
from pydantic import ValidationError

from kontor.contacts.companies.schemas import CompanyCreate
from kontor.contacts.companies.servicer import _KIND_FROM_PROTO, _KIND_TO_PROTO
from kontor.contacts.main import DEFINITION
from kontor.platform.migrations import current_heads
from kontor.protos.contacts.v1 import contacts_pb2


def test_names_are_trimmed_and_kind_defaults_to_lead():
    data = CompanyCreate(name="  Muster GmbH  ")
    assert (data.name, data.kind, data.city) == ("Muster GmbH", "lead", "")


@pytest.mark.parametrize(("fields", "bad_field"), [
    ({"name": "   "}, "name"),
    ({"name": "x" * 201}, "name"),
    ({"name": "ok", "kind": "prospect"}, "kind"),
    ({"name": "ok", "city": "c" * 101}, "city"),
    ({"name": "ok", "owner": "me"}, "owner"),
])
def test_invalid_companies_name_the_field(fields, bad_field):
    with pytest.raises(ValidationError) as exc:
        CompanyCreate(**fields)
    assert exc.value.errors()[0]["loc"] == (bad_field,)


@given(kind=st.sampled_from(["lead", "customer"]))
def test_kind_maps_both_ways(kind):
    assert _KIND_FROM_PROTO[_KIND_TO_PROTO[kind]] == kind


def test_unspecified_kind_is_a_lead():
    assert _KIND_FROM_PROTO[contacts_pb2.COMPANY_KIND_UNSPECIFIED] == "lead"


def test_contacts_publishes_to_its_own_stream_and_has_one_migration_head():
    assert DEFINITION.publishes == ("contacts",)
    assert current_heads(DEFINITION.migrations_dir) == {"0001"}
