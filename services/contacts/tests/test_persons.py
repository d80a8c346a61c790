from datetime import date, timedelta

import pytest
from hypothesis import given, strategies as st
from pydantic import ValidationError

from kontor.contacts import contact_data
from kontor.contacts.persons.schemas import ContactPersonCreate, ContactPersonUpdate
from kontor.contacts.persons.servicer import create_from_proto, update_from_proto
from kontor.protos.contacts.v1 import persons_pb2


def test_a_person_needs_only_a_last_name_and_the_first_email_becomes_primary():
    person = ContactPersonCreate(last_name=" Mustermann ", emails=[{"address": "E@Muster.de"}, {"address": "e@x.de"}])
    assert person.last_name == "Mustermann"
    assert [(e.address, e.primary) for e in person.emails] == [("e@muster.de", True), ("e@x.de", False)]


def test_a_marked_primary_stays_the_only_one():
    person = ContactPersonCreate(last_name="M", emails=[{"address": "a@m.de"}, {"address": "b@m.de", "primary": True}])
    assert [e.primary for e in person.emails] == [False, True]


@pytest.mark.parametrize(("fields", "bad_loc"), [
    ({"last_name": ""}, ("last_name",)),
    ({"last_name": "M", "emails": [{"address": "nope"}]}, ("emails", 0, "address")),
    ({"last_name": "M", "emails": [{"address": "a@m.de"}, {"address": "A@m.de"}]}, ("emails",)),
    ({"last_name": "M", "emails": [{"address": "a@m.de", "primary": True}, {"address": "b@m.de", "primary": True}]},
     ("emails",)),
    ({"last_name": "M", "phones": [{"number": "call me"}]}, ("phones", 0, "number")),
    ({"last_name": "M", "birthday": "1850-01-01"}, ("birthday",)),
    ({"last_name": "M", "birthday": (date.today() + timedelta(days=1)).isoformat()}, ("birthday",)),
    ({"last_name": "M", "nickname": "x"}, ("nickname",)),
    ({"last_name": "M", "emails": [{"address": "a@m.de", "label": "x\x00"}]}, ("emails", 0, "label")),
])
def test_invalid_persons_name_the_field(fields, bad_loc):
    with pytest.raises(ValidationError) as exc:
        ContactPersonCreate(**fields)
    assert exc.value.errors()[0]["loc"] == bad_loc


def test_update_changes_only_what_was_sent_and_null_birthday_clears():
    assert ContactPersonUpdate(role="CEO", first_name=None).changes() == {"role": "CEO"}
    assert ContactPersonUpdate(birthday=None).changes() == {"birthday": None}
    assert ContactPersonUpdate().changes() == {}


def test_proto_update_distinguishes_absent_from_empty_lists():
    request = persons_pb2.UpdateContactPersonRequest(id="x", expected_version=1)
    assert update_from_proto(request).changes() == {}
    request.emails.SetInParent()
    request.birthday = ""
    assert update_from_proto(request).changes() == {"emails": [], "birthday": None}


def test_proto_create_ignores_a_sent_e164():
    data = create_from_proto(persons_pb2.CreateContactPersonRequest(
        last_name="M", phones=[persons_pb2.PhoneNumber(number="030 123456", e164="+1")], birthday="1980-02-29"))
    assert data.phones[0].number == "030 123456" and data.birthday == date(1980, 2, 29)


@pytest.mark.parametrize(("number", "country", "e164"), [
    ("+49 30 1234567", "", "+49301234567"),
    ("+49 (0)30 1234567", "", "+49301234567"),
    ("0049 30 1234567", "", "+49301234567"),
    ("030 / 123 45-67", "DE", "+49301234567"),
    ("01 234 56 78", "AT", "+4312345678"),
    ("030 1234567", "", ""),        # national, country unknown: keep as entered only
    ("030 1234567", "ZZ", ""),
    ("+49 30", "", ""),             # too short to be reachable
    ("+1234567890123456", "", ""),  # longer than E.164 allows
])
def test_phone_numbers_normalise_when_possible(number, country, e164):
    assert contact_data.normalise_phone(number, country) == e164


@given(digits=st.text(alphabet="0123456789", min_size=6, max_size=13), separators=st.lists(
    st.sampled_from([" ", "-", "/", "."]), min_size=13, max_size=13))
def test_separators_never_change_the_normal_form(digits, separators):
    plain = "+49" + digits
    spaced = "+49" + "".join(d + s for d, s in zip(digits, separators, strict=False))
    assert contact_data.normalise_phone(spaced) == contact_data.normalise_phone(plain)


@pytest.mark.parametrize("text", ["", "abc", "+49 30 CALL", "()"])
def test_text_without_a_number_is_refused(text):
    with pytest.raises(ValueError):
        contact_data.normalise_phone(text)


@pytest.mark.parametrize(("value", "domain"), [
    ("https://www.Muster.de/kontakt", "muster.de"), ("muster.de", "muster.de"),
    ("http://shop.muster.de:8080", "shop.muster.de"),
    ("", ""),
])
def test_website_domains(value, domain):
    assert contact_data.website_domain(value) == domain


@pytest.mark.parametrize("value", ["muster", "http://", "https://exa mple.de", "ftp://[::1"])
def test_bad_websites_are_refused(value):
    with pytest.raises(ValueError):
        contact_data.website_domain(value)
