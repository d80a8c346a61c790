"""Recurring series both ways against the emulator: exceptions, cancelled occurrences, a DST week in Europe/Berlin."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kontor.calendar_sync.providers.base import CrmLinks, EventChanges, Recurrence, RemoteEvent, TimeWindow
from kontor.emulators.graph.testing import event_body

TZ = "W. Europe Standard Time"
WINDOW = TimeWindow(datetime(2024, 3, 1, tzinfo=UTC), datetime(2024, 6, 1, tzinfo=UTC))
FIRST = datetime(2024, 3, 18, 8, tzinfo=UTC)  # Monday 09:00 CET; Berlin switches to CEST on 31 March


def weekly(**kw) -> RemoteEvent:
    values = dict(remote_id="", start=FIRST, end=FIRST + timedelta(hours=1), timezone="Europe/Berlin",
                  subject="Jour fixe", recurrence=Recurrence("FREQ=WEEKLY;BYDAY=MO;WKST=MO;COUNT=5"),
                  event_type="seriesMaster", links=CrmLinks(crm_id="series-1", deal_ids=("d1",)))
    values.update(kw)
    return RemoteEvent(**values)


async def test_crm_series_with_exdate_and_exception_over_dst(provider, tenant, outlook):
    cancelled = datetime(2024, 3, 25, 8, tzinfo=UTC)
    series = weekly(recurrence=Recurrence("FREQ=WEEKLY;BYDAY=MO;WKST=MO;COUNT=5", exdates=(cancelled,)))
    master = await provider.create(tenant.upn, series, "txn-series")
    assert master.event_type == "seriesMaster" and master.recurrence.rrule == "FREQ=WEEKLY;BYDAY=MO;WKST=MO;COUNT=5"
    assert master.recurrence.exdates == (cancelled,)
    stored = next(e for e in outlook.events() if e["type"] == "seriesMaster")
    assert stored["recurrence"]["pattern"] == {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"],
                                               "firstDayOfWeek": "monday"}
    assert stored["recurrence"]["range"]["recurrenceTimeZone"] == TZ
    # 1 April is after the change to summer time: 09:00 CEST = 07:00Z; move it to 10:00
    changed = await provider.update_occurrence(tenant.upn, master.remote_id, datetime(2024, 4, 1, 7, tzinfo=UTC),
                                               EventChanges.of(start=datetime(2024, 4, 1, 8, tzinfo=UTC), subject="verschoben"))
    assert changed.event_type == "exception" and changed.original_start == datetime(2024, 4, 1, 7, tzinfo=UTC)

    read, exceptions = await provider.series(tenant.upn, master.remote_id, WINDOW)
    assert read.recurrence == Recurrence("FREQ=WEEKLY;BYDAY=MO;WKST=MO;COUNT=5", exdates=(cancelled,))
    assert read.links == CrmLinks(crm_id="series-1", deal_ids=("d1",))
    [exc] = exceptions
    assert exc.start == datetime(2024, 4, 1, 8, tzinfo=UTC) and exc.subject == "verschoben" and exc.links == read.links

    instances = await provider.instances(tenant.upn, master.remote_id, WINDOW)
    assert [(i.event_type, i.start) for i in instances] == [
        ("occurrence", datetime(2024, 3, 18, 8, tzinfo=UTC)),   # CET
        ("exception", datetime(2024, 4, 1, 8, tzinfo=UTC)),
        ("occurrence", datetime(2024, 4, 8, 7, tzinfo=UTC)),    # CEST: still 09:00 on the wall
        ("occurrence", datetime(2024, 4, 15, 7, tzinfo=UTC)),
    ]

    result = await provider.delta(tenant.upn, WINDOW, None)
    assert set(result.series) == {master.remote_id}
    assert result.series[master.remote_id].recurrence.rrule == "FREQ=WEEKLY;BYDAY=MO;WKST=MO;COUNT=5"
    assert all(e.links == read.links for e in result.upserts)  # occurrences carry the master's links
    assert {e.series_ical_uid for e in result.upserts} == {master.ical_uid}  # and its iCalUId, the series' identity
    assert sorted(e.event_type for e in result.upserts) == ["exception", "occurrence", "occurrence", "occurrence"]


async def test_outlook_series_with_cancelled_and_changed_occurrences(provider, tenant, outlook):
    master = outlook.create(event_body("Daily", "2024-03-28T09:00:00", "2024-03-28T09:15:00", TZ, recurrence={
        "pattern": {"type": "daily", "interval": 1},
        "range": {"type": "endDate", "startDate": "2024-03-28", "endDate": "2024-04-02", "recurrenceTimeZone": TZ}}))
    first = await provider.delta(tenant.upn, WINDOW, None)
    occurrences = sorted(first.upserts, key=lambda e: e.start)
    assert [o.start.hour for o in occurrences] == [8, 8, 8, 7, 7, 7]  # 09:00 Berlin before and after 31 March
    m = first.series[master["id"]]
    assert m.recurrence.rrule == "FREQ=DAILY;UNTIL=20240402T215959Z" and m.timezone == "Europe/Berlin"

    outlook.delete(occurrences[1].remote_id)  # Outlook: delete one occurrence
    outlook.patch(occurrences[4].remote_id, {"subject": "länger", "end": {"dateTime": "2024-04-01T10:00:00", "timeZone": TZ}})
    inc = await provider.delta(tenant.upn, WINDOW, first.cursor)
    assert occurrences[1].remote_id in inc.removals
    exc = next(e for e in inc.upserts if e.remote_id == occurrences[4].remote_id)
    assert exc.event_type == "exception" and exc.end == datetime(2024, 4, 1, 8, tzinfo=UTC)

    read, exceptions = await provider.series(tenant.upn, master["id"], WINDOW)
    assert read.recurrence.exdates == (occurrences[1].start,)
    assert [e.remote_id for e in exceptions] == [occurrences[4].remote_id]


async def test_a_changed_occurrence_of_a_private_series_stays_private(provider, tenant, outlook):
    master = await provider.create(tenant.upn, weekly(is_private=True), "txn-private-series")
    await provider.update_occurrence(tenant.upn, master.remote_id, datetime(2024, 4, 1, 7, tzinfo=UTC),
                                     EventChanges.of(start=datetime(2024, 4, 1, 9, tzinfo=UTC)))
    result = await provider.delta(tenant.upn, WINDOW, None)
    assert result.upserts and all(e.is_private for e in result.upserts)
    assert result.series[master.remote_id].is_private


async def test_all_day_events_keep_their_dates(provider, tenant, outlook):
    made = outlook.create(event_body("Messe", "2024-03-30T00:00:00", "2024-04-01T00:00:00", TZ, isAllDay=True))
    [e] = (await provider.delta(tenant.upn, WINDOW, None)).upserts
    assert e.is_all_day and e.timezone == "Europe/Berlin"
    assert e.start == datetime(2024, 3, 29, 23, tzinfo=UTC) and e.end == datetime(2024, 3, 31, 22, tzinfo=UTC)
    copy = await provider.create(tenant.upn, RemoteEvent(remote_id="", start=e.start, end=e.end, timezone=e.timezone,
                                                         is_all_day=True, subject="Messe"), "txn-allday")
    assert (copy.start, copy.end, copy.is_all_day) == (e.start, e.end, True)
    assert made["isAllDay"]
