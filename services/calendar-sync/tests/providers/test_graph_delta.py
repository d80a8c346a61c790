"""calendarView delta: full rounds with paging (requests vs. the minimum), incremental rounds, @removed, 410."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

from kontor.calendar_sync.providers.base import CrmLinks, CursorExpired, RemoteEvent, TimeWindow
from kontor.emulators.graph.testing import event_body

from .conftest import make_provider

WINDOW = TimeWindow(datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 6, 1, tzinfo=UTC))


def seed(outlook, n: int, day0: int = 1) -> list[dict]:
    return [outlook.create(event_body(f"Termin {i}", f"2025-04-{day0 + i % 28:02d}T{8 + i % 9:02d}:00:00",
                                      f"2025-04-{day0 + i % 28:02d}T{9 + i % 9:02d}:00:00", "W. Europe Standard Time"))
            for i in range(n)]


async def test_full_round_pages_with_the_minimum_of_requests(emulator, tenant, outlook):
    seed(outlook, 25)
    provider = make_provider(emulator, tenant, page_size=10)
    try:
        with provider.counting() as stats:
            result = await provider.delta(tenant.upn, WINDOW, None, needs_links=False)
        minimum = math.ceil(25 / 10)
        assert result.full and not result.cursor_expired and len(result.upserts) == 25 and result.removals == []
        assert result.pages == minimum and result.requests == minimum == stats.requests
        assert "$deltatoken" in result.cursor

        with_links = await provider.delta(tenant.upn, WINDOW, None)
        assert with_links.requests == minimum + 1  # one listing of Kontor-written events: none here
        assert all(e.links == CrmLinks() for e in with_links.upserts)
    finally:
        await provider.aclose()


async def test_events_are_mapped(provider, tenant, outlook):
    made = outlook.create(event_body("Besuch", "2025-04-02T09:00:00", "2025-04-02T10:30:00", "W. Europe Standard Time",
                                     location={"displayName": "Werk 2"}, categories=["Kunde"], showAs="tentative",
                                     body={"contentType": "html", "content": "<p>Agenda &amp; Ziele</p><p>Zweiter</p>"},
                                     attendees=[{"emailAddress": {"address": "kim@example.com", "name": "Kim"}},
                                                {"emailAddress": {"address": "room1@example.com"}, "type": "resource"}]))
    result = await provider.delta(tenant.upn, WINDOW, None)
    [e] = result.upserts
    assert isinstance(e, RemoteEvent) and e.remote_id == made["id"] and e.ical_uid == made["iCalUId"]
    assert e.change_key == made["changeKey"] and e.etag == made["@odata.etag"]
    assert e.start == datetime(2025, 4, 2, 7, tzinfo=UTC) and e.end == datetime(2025, 4, 2, 8, 30, tzinfo=UTC)
    assert e.timezone == "Europe/Berlin" and e.event_type == "singleInstance" and not e.is_private
    assert (e.subject, e.location, e.categories, e.show_as) == ("Besuch", "Werk 2", ("Kunde",), "tentative")
    assert e.body == "Agenda & Ziele\nZweiter"
    assert [a.email for a in e.attendees] == ["kim@example.com"] and [r.email for r in e.resources] == ["room1@example.com"]
    assert e.organizer.email == tenant.upn and e.last_modified is not None


async def test_incremental_round_with_changes_and_removals(provider, tenant, outlook):
    a, b, c = seed(outlook, 3)
    full = await provider.delta(tenant.upn, WINDOW, None)
    known = {e.remote_id for e in full.upserts}
    outlook.patch(a["id"], {"subject": "geändert"})
    outlook.delete(b["id"])
    outlook.patch(c["id"], {"start": {"dateTime": "2025-07-01T09:00:00", "timeZone": "UTC"},
                            "end": {"dateTime": "2025-07-01T10:00:00", "timeZone": "UTC"}})  # out of the window
    [new] = seed(outlook, 1, day0=20)
    with provider.counting() as stats:
        inc = await provider.delta(tenant.upn, WINDOW, full.cursor, needs_links=lambda e: e.remote_id not in known)
    assert not inc.full
    assert sorted(e.remote_id for e in inc.upserts) == sorted([a["id"], new["id"]])
    assert sorted(inc.removals) == sorted([b["id"], c["id"]])
    assert next(e for e in inc.upserts if e.remote_id == a["id"]).subject == "geändert"
    # one delta page, plus one GET for the one event the engine could not place
    assert stats.requests == 2 and stats.outcomes == {"ok": 2}
    assert next(e for e in inc.upserts if e.remote_id == new["id"]).links == CrmLinks()
    assert next(e for e in inc.upserts if e.remote_id == a["id"]).links is None  # not asked for

    confirmed = await provider.confirm_removals(tenant.upn, inc.removals)
    assert confirmed[b["id"]] is None  # deleted
    assert confirmed[c["id"]].start == datetime(2025, 7, 1, 9, tzinfo=UTC)  # only moved out of the window: keep it

    quiet = await provider.delta(tenant.upn, WINDOW, inc.cursor)
    assert quiet.upserts == [] and quiet.removals == [] and quiet.requests == 1


async def test_expired_cursor(provider, tenant, outlook):
    seed(outlook, 2)
    full = await provider.delta(tenant.upn, WINDOW, None)
    outlook.expire_delta()
    with pytest.raises(CursorExpired) as err:
        await provider.delta(tenant.upn, WINDOW, full.cursor)
    assert err.value.status == 410 and err.value.code == "SyncStateNotFound"
    again = await provider.delta(tenant.upn, WINDOW, full.cursor, restart_on_expiry=True)
    assert again.cursor_expired and again.full and len(again.upserts) == 2
    assert {e.remote_id for e in again.upserts} == {e.remote_id for e in full.upserts}  # same ids: no duplicates


async def test_pages_can_be_consumed_one_by_one(emulator, tenant, outlook):
    seed(outlook, 7)
    provider = make_provider(emulator, tenant, page_size=3)
    try:
        pages = [p async for p in provider.delta_pages(tenant.upn, WINDOW, None)]
        assert [len(p.upserts) for p in pages] == [3, 3, 1]
        assert all(p.next_cursor for p in pages[:-1]) and pages[-1].delta_cursor and not pages[-1].next_cursor
        assert all(e.links is None for p in pages for e in p.upserts)
        resumed = [p async for p in provider.delta_pages(tenant.upn, WINDOW, pages[0].next_cursor)]
        assert [len(p.upserts) for p in resumed] == [3, 1]  # a stored nextLink resumes the round
    finally:
        await provider.aclose()
