"""Outgoing Message-IDs name their record only for us: round trip, and forgeries name nothing."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given, strategies as st

from kontor.mail_import.mails.message_ids import new_message_id, record_from_message_id
from kontor.mail_import.mails.schemas import RECORD_TYPES, RecordRef

KEY = b"k" * 32
records = st.builds(RecordRef, st.sampled_from(RECORD_TYPES), st.uuids())
domains = st.from_regex(r"\A[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?(\.[a-z]{2,6}){1,2}\Z")


@given(record=records, domain=domains)
def test_an_id_of_ours_names_its_record(record, domain):
    value = new_message_id(record, key=KEY, domain=domain)
    assert value.startswith("<crm.") and value.endswith(f"@{domain}>")
    assert record_from_message_id(value, key=KEY) == record
    # Servers and parsers may change case or drop the angle brackets; the record survives both.
    assert record_from_message_id(value.strip("<>").upper(), key=KEY) == record


@given(record=records, position=st.integers(min_value=1), replacement=st.sampled_from("0123456789abcdef._x"))
def test_a_changed_character_makes_it_name_nothing(record, position, replacement):
    value = new_message_id(record, key=KEY, domain="crm.example")
    local = value[1:value.index("@")]
    index = position % len(local)
    if local[index] == replacement:
        return
    forged = f"<{local[:index]}{replacement}{local[index + 1:]}@crm.example>"
    assert record_from_message_id(forged, key=KEY) is None


@given(record=records, other=records)
def test_another_key_or_another_record_in_a_valid_shape_is_refused(record, other):
    value = new_message_id(record, key=KEY, domain="crm.example")
    assert record_from_message_id(value, key=b"another key") is None
    # Swap the record part but keep our MAC: the MAC no longer fits.
    _crm, _type, _id, nonce, mac = value[1:value.index("@")].split(".")
    if other != record:
        assert record_from_message_id(f"<crm.{other.type}.{other.id.hex}.{nonce}.{mac}@x>", key=KEY) is None


@given(text=st.text(max_size=200))
def test_arbitrary_ids_name_nothing(text):
    assert record_from_message_id(text, key=KEY) is None


def test_without_a_record_the_id_is_random_and_names_nothing():
    first, second = (new_message_id(None, key=KEY, domain="Crm.Example") for _ in range(2))
    assert first != second and first.endswith("@crm.example>")
    assert record_from_message_id(first, key=KEY) is None
    assert record_from_message_id(None, key=KEY) is None


def test_bad_domains_and_types_are_refused():
    with pytest.raises(ValueError):
        new_message_id(None, key=KEY, domain="a b")
    with pytest.raises(ValueError):
        new_message_id(RecordRef("invoice", uuid.uuid4()), key=KEY, domain="x.example")
