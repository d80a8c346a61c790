"""Recurring series both ways against the Graph emulator and PostgreSQL: changed and cancelled occurrences,
a series deleted between two incremental rounds, a private series' changed occurrence, daylight-saving weeks.

Every run passes a fixed ``now``, so the sync window (−7…+90 days around it) is the same in every round
and holds the series, whatever day the tests run on.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from kontor.calendar_sync.appointments import recurrence
from kontor.calendar_sync.appointments.models import Appointment, AppointmentOverride
from kontor.calendar_sync.appointments.service import series_of
from kontor.calendar_sync.connectors.models import ConnectorSettings
from kontor.calendar_sync.sync import crm
from kontor.calendar_sync.sync.models import SyncConflict, SyncMapping

BERLIN = ZoneInfo("Europe/Berlin")
WINDOWS_BERLIN = "W. Europe Standard Time"
NOW = datetime(2026, 12, 1, 6, tzinfo=UTC)  # window 24 Nov 2026 … 2 Mar 2027, all winter time


def local(day: str, hour: int = 9) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00").replace(tzinfo=BERLIN).astimezone(UTC)


def outlook_series(subject: str, first_day: str, count: int = 4, **extra) -> dict:
    """Weekly, 09:00-10:00 Berlin wall-clock time, as Outlook writes it (Windows zone names)."""
    weekday = datetime.fromisoformat(first_day).strftime("%A").lower()
    return {"subject": subject,
            "start": {"dateTime": f"{first_day}T09:00:00", "timeZone": WINDOWS_BERLIN},
            "end": {"dateTime": f"{first_day}T10:00:00", "timeZone": WINDOWS_BERLIN},
            "recurrence": {"pattern": {"type": "weekly", "interval": 1, "daysOfWeek": [weekday],
                                       "firstDayOfWeek": "monday"},
                           "range": {"type": "numbered", "startDate": first_day, "numberOfOccurrences": count,
                                     "recurrenceTimeZone": WINDOWS_BERLIN}},
            **extra}


def instances(world, master_id: str) -> list[dict]:
    with world.handle.graph() as graph:
        r = graph.get(f"/events/{master_id}/instances", params={"startDateTime": "2026-01-01T00:00:00Z",
                                                                "endDateTime": "2028-01-01T00:00:00Z"})
        assert r.status_code == 200, r.text
        return r.json()["value"]


def starts(items: list[dict]) -> list[datetime]:
    return [datetime.fromisoformat(i["start"]["dateTime"][:19]).replace(tzinfo=UTC) for i in items]


def moved(day: str, hour: int) -> dict:
    return {"start": {"dateTime": f"{day}T{hour:02d}:00:00", "timeZone": WINDOWS_BERLIN},
            "end": {"dateTime": f"{day}T{hour + 1:02d}:00:00", "timeZone": WINDOWS_BERLIN}}


async def the_appointment(world) -> Appointment:
    async with world.db.unit_of_work(world.tenant_id) as session:
        [appointment] = (await session.scalars(sa.select(Appointment).where(Appointment.deleted_at.is_(None)))).all()
        return appointment


async def overrides(world, appointment_id: uuid.UUID) -> list[AppointmentOverride]:
    async with world.db.unit_of_work(world.tenant_id) as session:
        return list((await session.scalars(sa.select(AppointmentOverride).where(
            AppointmentOverride.appointment_id == appointment_id).order_by(AppointmentOverride.recurrence_id))).all())


async def crm_occurrence(world, appointment_id: uuid.UUID, action: str, rid: datetime, **data) -> None:
    """The CRM user changes or cancels one occurrence (the appointments domain's own functions)."""
    async with world.db.unit_of_work(world.tenant_id) as session:
        connector = await session.get(ConnectorSettings, world.connector_id)
        appointment = await session.get(Appointment, appointment_id)
        if action == "cancel":
            await crm.cancel_occurrence(session, connector, appointment, rid)
        else:
            await crm.override_occurrence(session, connector, appointment, {"recurrence_id": rid, **data})


async def settings(world, **values) -> None:
    async with world.db.unit_of_work(world.tenant_id) as session:
        connector = await session.get(ConnectorSettings, world.connector_id)
        for k, v in values.items():
            setattr(connector, k, v)


def wall_clock(instants: list[datetime]) -> set[str]:
    return {i.astimezone(BERLIN).strftime("%H:%M") for i in instants}


# ---------------------------------------------------------------- Outlook → CRM


async def test_an_outlook_exception_and_cancelled_occurrence_reach_the_crm(world):
    master = world.outlook_create(outlook_series("Jour fixe", "2026-12-03"))
    report = await world.sync(now=NOW)
    assert report.counts["created"] == 1
    appointment = await the_appointment(world)
    assert appointment.rrule and "FREQ=WEEKLY" in appointment.rrule and "BYDAY=TH" in appointment.rrule
    assert appointment.time_zone == "Europe/Berlin" and appointment.exdates == []
    occ = instances(world, master["id"])
    assert [o["iCalUId"] for o in occ] != [master["iCalUId"]] * 4  # Graph: one iCalUId per occurrence

    world.outlook_patch(occ[1]["id"], {"subject": "Jour fixe (later)", **moved("2026-12-10", 14)})
    world.outlook_delete(occ[2]["id"])
    report = await world.sync(now=NOW)
    assert not report.full and report.counts["updated"] == 1
    appointment = await the_appointment(world)
    assert appointment.exdates == [local("2026-12-17")]
    [override] = await overrides(world, appointment.id)
    assert override.recurrence_id == local("2026-12-10") and override.starts_at == local("2026-12-10", 14)
    assert override.ends_at == local("2026-12-10", 15) and override.subject == "Jour fixe (later)"
    shown = recurrence.expand(series_of(appointment, [override]), window_start=NOW, window_end=NOW + timedelta(days=60))
    assert [i.start for i in shown] == [local("2026-12-03"), local("2026-12-10", 14), local("2026-12-24")]

    sent, outlook = world.sent(), world.outlook_events()
    again = await world.sync(now=NOW)  # nothing changed on either side: nothing written anywhere
    assert again.counts.get("updated", 0) == 0 and again.counts.get("conflict", 0) == 0
    assert world.sent() == sent and world.outlook_events() == outlook
    assert len(await overrides(world, appointment.id)) == 1
    assert (await the_appointment(world)).exdates == appointment.exdates
    world.expire_delta()  # a full resync finds the same series, its exception and its EXDATE: nothing to do
    resync = await world.sync(now=NOW)
    assert resync.cursor_expired and resync.counts.get("updated", 0) == 0 and resync.counts.get("created", 0) == 0
    assert world.sent() == sent and world.outlook_events() == outlook
    assert len(await overrides(world, appointment.id)) == 1
    assert (await the_appointment(world)).exdates == appointment.exdates


async def test_the_same_series_in_two_mailboxes_is_one_appointment(world):
    other_upn = f"bernd@{world.handle.domain}"
    world.handle.add_mailbox(other_upn)
    other = await world.add_connector(other_upn)
    mine = world.outlook_create(outlook_series("Steering board", "2026-12-02"))
    world.outlook_create({**outlook_series("Steering board", "2026-12-02"), "iCalUId": mine["iCalUId"],
                          "organizer": {"emailAddress": {"address": world.handle.upn}}}, upn=other_upn)
    await world.sync(now=NOW)
    report = await world.sync(other, now=NOW)
    assert report.counts["linked"] == 1  # keyed on the series' iCalUId, not an occurrence's
    async with world.db.unit_of_work(world.tenant_id) as session:
        uids = (await session.scalars(sa.select(SyncMapping.ical_uid))).all()
    assert uids == [mine["iCalUId"]] * 2
    await the_appointment(world)  # exactly one


async def test_a_new_time_for_the_whole_series_in_outlook_drops_its_exceptions_on_both_sides(world):
    master = world.outlook_create(outlook_series("Jour fixe", "2026-12-03"))
    await world.sync(now=NOW)
    occ = instances(world, master["id"])
    world.outlook_patch(occ[1]["id"], moved("2026-12-10", 14))
    world.outlook_delete(occ[2]["id"])
    await world.sync(now=NOW)
    # Exchange drops every exception and cancellation when the series' times change; the CRM follows.
    world.outlook_patch(master["id"], moved("2026-12-03", 10))
    await world.sync(now=NOW)
    appointment = await the_appointment(world)
    assert appointment.starts_at == local("2026-12-03", 10) and appointment.exdates == []
    assert await overrides(world, appointment.id) == []
    sent, before = world.sent(), instances(world, master["id"])
    settled = await world.sync(now=NOW)
    assert settled.counts.get("updated", 0) == 0 and world.sent() == sent
    assert instances(world, master["id"]) == before and wall_clock(starts(before)) == {"10:00"} and len(before) == 4
    async with world.db.unit_of_work(world.tenant_id) as session:
        assert (await session.scalars(sa.select(SyncConflict))).all() == []


@pytest.mark.parametrize("outside_window_removals", [True, False])
async def test_a_series_deleted_in_outlook_goes_in_an_incremental_round(world, outside_window_removals):
    # Without outside-window removals the master's id is never reported: only its occurrences' ids.
    world.control.patch(f"/mailboxes/{world.handle.upn}", json={"outsideWindowRemovals": outside_window_removals})
    master = world.outlook_create(outlook_series("Weekly review", "2026-12-04"))
    world.outlook_create({"subject": "Single", "start": {"dateTime": "2026-12-07T10:00:00", "timeZone": "UTC"},
                          "end": {"dateTime": "2026-12-07T11:00:00", "timeZone": "UTC"}})
    await world.sync(now=NOW)
    world.outlook_delete(master["id"])
    report = await world.sync(now=NOW)
    assert not report.full and report.counts["deleted"] == 1
    assert (await the_appointment(world)).subject == "Single"
    async with world.db.unit_of_work(world.tenant_id) as session:
        states = sorted((await session.scalars(sa.select(SyncMapping.state))).all())
    assert states == ["deleted", "live"]
    assert (await world.sync(now=NOW)).counts.get("created", 0) == 0  # and it stays gone


async def test_a_deleted_series_is_only_unlinked_with_the_unlink_policy(world):
    await settings(world, deletion_policy="unlink")
    master = world.outlook_create(outlook_series("Weekly review", "2026-12-04"))
    await world.sync(now=NOW)
    world.outlook_delete(master["id"])
    report = await world.sync(now=NOW)
    assert report.counts["unlinked"] == 1
    assert (await the_appointment(world)).rrule  # kept in the CRM


async def test_a_changed_occurrence_of_a_private_series_stays_private(world):
    secret = {"subject": "Therapy Dr. Secretsson", "location": {"displayName": "Secret Street 1"},
              "body": {"contentType": "text", "content": "very personal"}, "sensitivity": "private"}
    master = world.outlook_create(outlook_series("", "2026-12-03") | secret)
    await world.sync(now=NOW)
    occ = instances(world, master["id"])
    # The changed occurrence itself is not marked private in Outlook: it still belongs to a private series.
    world.outlook_patch(occ[1]["id"], {"subject": "Therapy moved (Secretsson)", "sensitivity": "normal",
                                       "location": {"displayName": "Secret Clinic 2"}, **moved("2026-12-10", 16)})
    await world.sync(now=NOW)
    appointment = await the_appointment(world)
    assert appointment.private and appointment.subject is None
    [override] = await overrides(world, appointment.id)
    assert override.private and override.starts_at == local("2026-12-10", 16)
    assert (override.subject, override.location, override.notes) == (None, None, None)
    async with world.db.unit_of_work(world.tenant_id) as session:
        for table in ("appointments", "appointment_overrides", "sync_mappings", "sync_log", "sync_conflicts",
                      "sync_mailboxes", "outbox"):
            dump = await session.scalar(sa.text(f"SELECT coalesce(string_agg(t::text, ' '), '') FROM {table} t"))
            for word in ("Secretsson", "Secret Street", "Secret Clinic", "very personal"):
                assert word not in dump, (table, word)

    # The CRM moves another occurrence: only its time goes out, Outlook keeps the details it has.
    await crm_occurrence(world, appointment.id, "override", local("2026-12-17"), start=local("2026-12-17", 11),
                         end=local("2026-12-17", 12))
    await world.sync(now=NOW)
    [changed] = [o for o in instances(world, master["id"]) if o.get("originalStart") == "2026-12-17T08:00:00Z"]
    assert changed["type"] == "exception" and starts([changed]) == [local("2026-12-17", 11)]
    assert changed["subject"] == "Therapy Dr. Secretsson" and changed["sensitivity"] == "private"


# ---------------------------------------------------------------- CRM → Outlook


async def test_crm_changed_and_cancelled_occurrences_reach_outlook_without_an_invitation_storm(world):
    attendees = [{"emailAddress": {"address": "kunde@example.com"}, "type": "required"}]
    master = world.outlook_create(outlook_series("Projekt-Jour-fixe", "2026-12-03", attendees=attendees))
    await world.sync(now=NOW)
    appointment = await the_appointment(world)
    sent_before = len(world.sent())

    await crm_occurrence(world, appointment.id, "override", local("2026-12-10"), start=local("2026-12-10", 15),
                         end=local("2026-12-10", 16), location="Werk 2")
    await crm_occurrence(world, appointment.id, "cancel", local("2026-12-17"))
    report = await world.sync(now=NOW)
    assert report.outcome == "ok"
    after = instances(world, master["id"])
    assert [o.get("originalStart") for o in after] == ["2026-12-03T08:00:00Z", "2026-12-10T08:00:00Z",
                                                       "2026-12-24T08:00:00Z"]
    assert [o["type"] for o in after] == ["occurrence", "exception", "occurrence"]
    assert starts(after)[1] == local("2026-12-10", 15) and after[1]["location"]["displayName"] == "Werk 2"
    assert after[1]["subject"] == "Projekt-Jour-fixe"  # unchanged parts are not touched
    # One update for the changed occurrence, nothing for the series: no re-invitation of anyone.
    new = world.sent()[sent_before:]
    assert [(m["kind"], m["eventId"]) for m in new] == [("meetingUpdate", after[1]["id"])]

    quiet = await world.sync(now=NOW)  # settled: neither side changes again, nobody hears anything
    assert quiet.counts.get("updated", 0) == 0 and len(world.sent()) == sent_before + 1
    appointment = await the_appointment(world)
    assert appointment.exdates == [local("2026-12-17")] and len(await overrides(world, appointment.id)) == 1


async def test_a_crm_series_with_exceptions_is_created_in_outlook_with_them(world):
    async with world.db.unit_of_work(world.tenant_id) as session:
        connector = await session.get(ConnectorSettings, world.connector_id)
        appointment = await crm.create(session, connector, {
            "subject": "Schulung", "start": local("2026-12-07"), "end": local("2026-12-07", 10),
            "time_zone": "Europe/Berlin", "rrule": "FREQ=WEEKLY;BYDAY=MO;COUNT=5", "exdates": [local("2026-12-21")]})
    await crm_occurrence(world, appointment.id, "override", local("2026-12-14"), start=local("2026-12-14", 13),
                         end=local("2026-12-14", 14), subject="Schulung (Nachmittag)")
    report = await world.sync(now=NOW)
    assert report.counts["created"] == 1
    [master] = [e for e in world.outlook_events() if e["type"] == "seriesMaster"]
    after = instances(world, master["id"])
    assert len(after) == 4 and "2026-12-21T08:00:00Z" not in {o.get("originalStart") for o in after}
    [exception] = [o for o in after if o["type"] == "exception"]
    assert starts([exception]) == [local("2026-12-14", 13)] and exception["subject"] == "Schulung (Nachmittag)"
    settled = await world.sync(now=NOW)
    assert settled.counts.get("updated", 0) == 0 and settled.counts.get("conflict", 0) == 0
    assert len(instances(world, master["id"])) == 4


async def test_a_new_pattern_from_the_crm_keeps_its_cancelled_occurrences_in_outlook(world):
    master = world.outlook_create(outlook_series("Jour fixe", "2026-12-03"))
    await world.sync(now=NOW)
    appointment = await the_appointment(world)
    await crm_occurrence(world, appointment.id, "cancel", local("2026-12-10"))
    await world.sync(now=NOW)
    assert len(instances(world, master["id"])) == 3
    # Two more weeks: Exchange drops every cancellation with the new pattern, so the CRM's goes out again.
    async with world.db.unit_of_work(world.tenant_id) as session:
        connector = await session.get(ConnectorSettings, world.connector_id)
        rule = appointment.rrule.replace("COUNT=4", "COUNT=6")
        await crm.update(session, connector, await session.get(Appointment, appointment.id), {"rrule": rule})
    await world.sync(now=NOW)
    after = instances(world, master["id"])
    assert len(after) == 5 and "2026-12-10T08:00:00Z" not in {o["originalStart"] for o in after}
    settled = await world.sync(now=NOW)
    assert settled.counts.get("updated", 0) == 0 and len(instances(world, master["id"])) == 5
    assert (await the_appointment(world)).exdates == [local("2026-12-10")]


async def test_the_same_occurrence_changed_on_both_sides_is_decided_by_the_policy(world):
    await settings(world, conflict_policy="crm_wins")
    master = world.outlook_create(outlook_series("Weekly", "2026-12-03"))
    await world.sync(now=NOW)
    appointment = await the_appointment(world)
    occ = instances(world, master["id"])
    world.outlook_patch(occ[1]["id"], moved("2026-12-10", 16))
    await crm_occurrence(world, appointment.id, "override", local("2026-12-10"), start=local("2026-12-10", 11),
                         end=local("2026-12-10", 12))
    await world.sync(now=NOW)
    [override] = await overrides(world, appointment.id)
    assert override.starts_at == local("2026-12-10", 11)
    [changed] = [o for o in instances(world, master["id"]) if o["type"] == "exception"]
    assert starts([changed]) == [local("2026-12-10", 11)]
    async with world.db.unit_of_work(world.tenant_id) as session:
        [conflict] = (await session.scalars(sa.select(SyncConflict))).all()
    assert conflict.fields == ["occurrences"] and conflict.winner == "crm"


# ---------------------------------------------------------------- daylight saving


DST_WEEKS = {
    # 2027: summer time from Sunday 28 March; 2026: winter time from Sunday 25 October.
    "spring": (datetime(2027, 3, 10, 6, tzinfo=UTC), "2027-03-18", ["08:00", "08:00", "07:00", "07:00"]),
    "autumn": (datetime(2026, 10, 10, 6, tzinfo=UTC), "2026-10-15", ["07:00", "07:00", "08:00", "08:00"]),
}


@pytest.mark.parametrize("season", sorted(DST_WEEKS))
async def test_a_weekly_series_keeps_its_wall_clock_time_across_the_dst_change(world, season):
    now, first_day, utc_hours = DST_WEEKS[season]
    master = world.outlook_create(outlook_series("Weekly 09:00", first_day))
    await world.sync(now=now)
    appointment = await the_appointment(world)
    occ = instances(world, master["id"])
    assert [s.strftime("%H:%M") for s in starts(occ)] == utc_hours  # Graph: the UTC instant moves …
    assert wall_clock(starts(occ)) == {"09:00"}  # … the wall clock does not
    crm_starts = [i.start for i in recurrence.expand(series_of(appointment), window_start=now,
                                                      window_end=now + timedelta(days=60))]
    assert crm_starts == starts(occ)  # the CRM expands the same occurrences

    # Outlook cancels the occurrence after the change, the CRM moves the one before: both land on the
    # right occurrence, keyed by its original start in UTC.
    world.outlook_delete(occ[2]["id"])
    await crm_occurrence(world, appointment.id, "override", starts(occ)[1], start=starts(occ)[1] + timedelta(hours=2),
                         end=starts(occ)[1] + timedelta(hours=3))
    await world.sync(now=now)
    appointment = await the_appointment(world)
    assert appointment.exdates == [starts(occ)[2]]
    after = instances(world, master["id"])
    assert [o["originalStart"] for o in after] == [o["originalStart"] for o in (occ[0], occ[1], occ[3])]
    assert wall_clock(starts(after)) == {"09:00", "11:00"} and starts(after)[1].astimezone(BERLIN).hour == 11

    # A series made in the CRM over the change is 09:00 in Outlook every week.
    async with world.db.unit_of_work(world.tenant_id) as session:
        connector = await session.get(ConnectorSettings, world.connector_id)
        start = local(first_day) - timedelta(days=1)
        await crm.create(session, connector, {"subject": "CRM weekly", "start": start,
                                              "end": start + timedelta(hours=1), "time_zone": "Europe/Berlin",
                                              "rrule": "FREQ=WEEKLY;COUNT=4"})
    await world.sync(now=now)
    [pushed] = [e for e in world.outlook_events() if e["subject"] == "CRM weekly"]
    assert pushed["recurrence"]["range"]["recurrenceTimeZone"] == WINDOWS_BERLIN
    assert wall_clock(starts(instances(world, pushed["id"]))) == {"09:00"}
