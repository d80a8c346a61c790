"""The neutral model: content hash, privacy of repr and redaction."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from kontor.calendar_sync.providers.base import (
    Attendee,
    CalendarProvider,
    CrmLinks,
    EventChanges,
    Person,
    RemoteEvent,
    TimeWindow,
)
from kontor.calendar_sync.providers.graph import GraphProvider

START = datetime(2025, 3, 24, 8, tzinfo=UTC)


def event(**kw) -> RemoteEvent:
    base = dict(remote_id="AAMk1", start=START, end=START + timedelta(hours=1), timezone="Europe/Berlin",
                change_key="ck1", etag='W/"ck1"', subject="Quartalsgespräch", body="Agenda\r\n  Punkt 1",
                location="Raum 4", attendees=(Attendee("a@x.de", "A"), Attendee("B@x.de", "B")),
                organizer=Person("o@x.de"), categories=("Kunde", "Vertrieb"), links=CrmLinks(crm_id="c1"))
    base.update(kw)
    return RemoteEvent(**base)


def test_a_new_etag_with_the_same_content_is_no_change():
    a = event()
    b = event(change_key="ck2", etag='W/"ck2"', remote_id="other", ical_uid="uid", last_modified=START,
              attendees=(Attendee("b@X.de", "B"), Attendee("a@x.de", "A")), categories=("Vertrieb", "Kunde"),
              body="Agenda\n Punkt 1 ")
    assert a.content_hash() == b.content_hash()


@pytest.mark.parametrize("change", [
    {"subject": "Anderes"}, {"start": START + timedelta(minutes=30)}, {"location": "Raum 5"}, {"is_all_day": True},
    {"attendees": (Attendee("a@x.de", response="accepted"),)}, {"show_as": "free"}, {"is_private": True},
    {"links": CrmLinks(crm_id="c1", company_ids=("k1",))}, {"timezone": "Europe/London"}, {"is_cancelled": True},
])
def test_content_changes_change_the_hash(change):
    assert event().content_hash() != event(**change).content_hash()


def test_unread_links_hash_like_empty_links():
    assert event(links=None).content_hash() == event(links=CrmLinks()).content_hash()


def test_private_events_hash_only_what_the_crm_keeps():
    a = event(is_private=True)
    b = event(is_private=True, subject="Arzttermin", body="x", location="Praxis", attendees=(), categories=())
    assert a.content_hash() == b.content_hash()
    assert "subject" not in a.canonical() and "attendees" not in a.canonical()
    assert a.content_hash() != event(is_private=True, end=START + timedelta(hours=2)).content_hash()


def test_repr_and_redaction_hide_content():
    e = event(is_private=True)
    assert "Quartalsgespräch" not in repr(e) and "Raum" not in str(e) and "a@x.de" not in repr(e)
    r = e.redacted()
    assert (r.subject, r.body, r.location, r.attendees, r.organizer, r.categories) == ("", "", "", (), None, ())
    assert (r.start, r.end, r.show_as, r.links) == (e.start, e.end, e.show_as, e.links)
    assert event().redacted() == event()


def test_window_and_changes_validate():
    with pytest.raises(ValueError):
        TimeWindow(START, START)
    with pytest.raises(ValueError):
        TimeWindow(START.replace(tzinfo=None), START.replace(tzinfo=None) + timedelta(days=1))
    with pytest.raises(ValueError):
        EventChanges.of(remote_id="x")
    assert EventChanges.of(subject="s").values == {"subject": "s"}


def test_graph_provider_satisfies_the_protocol():
    assert isinstance(GraphProvider.__new__(GraphProvider), CalendarProvider)
    assert dataclasses.is_dataclass(RemoteEvent)
