import pytest
from alembic.script import ScriptDirectory
from hypothesis import given, strategies as st
from pydantic import ValidationError

from kontor.contacts.companies.schemas import ACCESS_LEVELS, REVENUE_TIERS, CompanyCreate, CompanyUpdate
from kontor.contacts.companies.servicer import _KIND_FROM_PROTO, _KIND_TO_PROTO, create_from_proto, update_from_proto
from kontor.contacts.main import DEFINITION
from kontor.protos.contacts.v1 import contacts_pb2


def test_names_are_trimmed_and_defaults_are_a_visible_lead():
    data = CompanyCreate(name="  Muster GmbH  ")
    assert (data.name, data.kind, data.city, data.access_level) == ("Muster GmbH", "lead", "", "company")
    assert data.confirm_duplicate is False


def test_country_is_upper_cased_and_email_lower_cased():
    data = CompanyCreate(name="x", country="de", email=" Info@Muster.DE ", website="muster.de")
    assert (data.country, data.email, data.website) == ("DE", "info@muster.de", "muster.de")


@pytest.mark.parametrize(("fields", "bad_field"), [
    ({"name": "   "}, "name"),
    ({"name": "x" * 201}, "name"),
    ({"name": "ok", "kind": "prospect"}, "kind"),
    ({"name": "ok", "city": "c" * 101}, "city"),
    ({"name": "ok", "owner": "me"}, "owner"),
    ({"name": "ok", "country": "Deutschland"}, "country"),
    ({"name": "ok", "country": "D1"}, "country"),
    ({"name": "ok", "postal_code": "10115; drop"}, "postal_code"),
    ({"name": "ok", "revenue_tier": "huge"}, "revenue_tier"),
    ({"name": "ok", "website": "not a website"}, "website"),
    ({"name": "ok", "email": "info at muster.de"}, "email"),
    ({"name": "ok", "access_level": "public"}, "access_level"),
    ({"name": "a\x00b"}, "name"),
])
def test_invalid_companies_name_the_field(fields, bad_field):
    with pytest.raises(ValidationError) as exc:
        CompanyCreate(**fields)
    assert exc.value.errors()[0]["loc"] == (bad_field,)


def test_an_update_reports_only_the_fields_sent():
    update = CompanyUpdate(city=" Hamburg ", notes="", name=None)
    assert update.changes() == {"city": "Hamburg", "notes": ""}
    with pytest.raises(ValidationError) as exc:
        CompanyUpdate(kind="customer")  # converting is its own call
    assert exc.value.errors()[0]["loc"] == ("kind",)


def test_proto_update_carries_exactly_the_present_fields():
    request = contacts_pb2.UpdateCompanyRequest(id="x", expected_version=2, city="Köln", notes="")
    assert update_from_proto(request).changes() == {"city": "Köln", "notes": ""}


def test_proto_create_defaults_access_level_and_kind():
    data = create_from_proto(contacts_pb2.CreateCompanyRequest(name="Muster"))
    assert (data.kind, data.access_level) == ("lead", "company")


@given(kind=st.sampled_from(["lead", "customer"]))
def test_kind_maps_both_ways(kind):
    assert _KIND_FROM_PROTO[_KIND_TO_PROTO[kind]] == kind


def test_an_unknown_proto_kind_names_the_field():
    with pytest.raises(ValidationError) as exc:
        create_from_proto(contacts_pb2.CreateCompanyRequest(name="Muster", kind=7))
    assert exc.value.errors()[0]["loc"] == ("kind",)


def test_unspecified_kind_is_a_lead():
    assert _KIND_FROM_PROTO[contacts_pb2.COMPANY_KIND_UNSPECIFIED] == "lead"


def test_documented_tiers_and_levels():
    assert REVENUE_TIERS == ("", "<10k", "10k-100k", "100k-1m", ">1m")
    assert ACCESS_LEVELS == ("private", "team", "company", "restricted")


def test_contacts_publishes_to_its_own_stream_and_upgrades_through_the_people_migration():
    assert DEFINITION.publishes == ("contacts",)
    scripts = ScriptDirectory(str(DEFINITION.migrations_dir))
    # One linear history, so every database upgrades through the people migration on its way to head.
    assert len(scripts.get_heads()) == 1
    assert "0003" in {script.revision for script in scripts.iterate_revisions("heads", "base")}
