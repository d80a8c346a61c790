"""Sequence sets as QRESYNC's VANISHED responses carry them (RFC 7162 3.2.10), and for our commands."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kontor.mail_import.imap.uidset import format_uid_set, parse_uid_set, parse_vanished


def test_vanished_earlier_and_plain_responses():
    assert parse_vanished([b"(EARLIER) 1:3,7", "9:10", b"(earlier) 5"]) == {1, 2, 3, 5, 7, 9, 10}


def test_reversed_range_is_the_same_range():
    assert parse_uid_set("5:3") == {3, 4, 5}


def test_ranges_collapse():
    assert format_uid_set([7, 1, 2, 3, 9, 10, 2]) == "1:3,7,9:10"


@given(st.sets(st.integers(min_value=1, max_value=10_000), min_size=1, max_size=200))
def test_format_then_parse_is_identity(uids):
    assert parse_uid_set(format_uid_set(uids)) == uids
