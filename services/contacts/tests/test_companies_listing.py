"""Sort parsing and page tokens of the list calls (shared by companies and persons)."""

import uuid
from datetime import UTC, datetime

import pytest
from hypothesis import given, strategies as st

from kontor.contacts import listing
from kontor.contacts.companies.service import DEFAULT_SORT, SORTS
from kontor.contacts.companies.schemas import CompanyFilter
from kontor.platform.errors import InvalidArgument
from pydantic import ValidationError


@pytest.mark.parametrize(("text", "field", "descending"), [
    ("name", "name", False), ("-name", "name", True), ("updated_at", "updated_at", False), ("", "created_at", True),
])
def test_sorts(text, field, descending):
    assert listing.parse_sort(text, allowed=SORTS, default=DEFAULT_SORT) == listing.Sort(field, descending)


@pytest.mark.parametrize("text", ["city", "--name", "name desc", "+name"])
def test_unknown_sorts_name_the_parameter(text):
    with pytest.raises(InvalidArgument) as exc:
        listing.parse_sort(text, allowed=SORTS, default=DEFAULT_SORT)
    assert exc.value.field == "sort"


@given(value=st.one_of(st.text(st.characters(blacklist_characters="\x00"), max_size=50),
                       st.datetimes(timezones=st.just(UTC))), row_id=st.uuids(),
       descending=st.booleans())
def test_tokens_round_trip(value, row_id, descending):
    sort = listing.Sort("name", descending)
    assert listing.decode_token(listing.encode_token(sort, value, row_id), sort) == (value, row_id)


def test_a_token_of_another_sort_is_refused():
    token = listing.encode_token(listing.Sort("name", False), "muster", uuid.uuid4())
    with pytest.raises(InvalidArgument) as exc:
        listing.decode_token(token, listing.Sort("name", True))
    assert exc.value.field == "page_token"


@pytest.mark.parametrize("token", ["garbage!", "e30=", "bm90IGpzb24="])
def test_foreign_tokens_name_the_parameter(token):
    with pytest.raises(InvalidArgument) as exc:
        listing.decode_token(token, listing.Sort("created_at", True))
    assert exc.value.field == "page_token"


@pytest.mark.parametrize(("value", "temporal"), [
    ("a\x00b", False), (datetime(2026, 1, 1), True), ("2026-01-01T00:00:00+00:00", True), (datetime.now(UTC), False),
])
def test_tokens_with_unusable_values_are_refused(value, temporal):
    sort = listing.Sort("name", False)
    with pytest.raises(InvalidArgument):
        listing.decode_token(listing.encode_token(sort, value, uuid.uuid4()), sort, temporal=temporal)


def test_datetimes_keep_their_type():
    moment = datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC)
    sort = listing.Sort("created_at", True)
    assert listing.decode_token(listing.encode_token(sort, moment, uuid.UUID(int=1)), sort)[0] == moment


def test_filters_are_validated():
    with pytest.raises(ValidationError) as exc:
        CompanyFilter(postal_code_prefix="10%")
    assert exc.value.errors()[0]["loc"] == ("postal_code_prefix",)
    assert CompanyFilter(city=" Berlin ").city == "Berlin"
