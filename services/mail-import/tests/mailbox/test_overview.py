"""GetOverview: unread import mail (pymap), today's appointments (calendar-sync stand-in) and due follow-ups
(contacts stand-in), the day taken in the caller's time zone; a failing part is named, the rest shown."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from kontor.protos.calendar.v1 import calendar_pb2
from kontor.protos.contacts.v1 import dashboard_pb2
from kontor.protos.mail.v1 import mailbox_pb2

from kontor.mail_import.mailbox.overview import today_in

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")


def _ts(value: datetime) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(value)
    return ts


def _message(n: int) -> bytes:
    return (f"From: Kunde <k{n}@customer.example>\r\nTo: owner@kontor.example\r\nSubject: Import {n}\r\n"
            f"Message-ID: <i{n}-{uuid.uuid4().hex}@customer.example>\r\nDate: Mon, 2 Mar 2026 09:0{n}:00 +0100\r\n"
            f"\r\nText {n}\r\n").encode()


def _occurrence(appointment_id: str, owner: uuid.UUID, start: datetime, *, subject: str, private: bool = False,
                all_day: bool = False) -> calendar_pb2.Occurrence:
    return calendar_pb2.Occurrence(
        appointment_id=appointment_id, start=_ts(start), end=_ts(start + timedelta(hours=1)), subject=subject,
        appointment=calendar_pb2.Appointment(id=appointment_id, owner_id=str(owner), private=private,
                                             all_day=all_day, subject=subject))


def _follow_up(due: datetime, note: str, *, done: bool = False) -> dashboard_pb2.FollowUp:
    return dashboard_pb2.FollowUp(id=str(uuid.uuid4()), record_type="company", record_id=str(uuid.uuid4()),
                                  note=note, due_at=_ts(due), done=done)


def test_today_is_the_local_day_also_on_a_dst_change():
    berlin = ZoneInfo("Europe/Berlin")
    start, end = today_in(berlin, datetime(2026, 3, 29, 12, 0, tzinfo=UTC))  # clocks go forward that night
    assert (start, end) == (datetime(2026, 3, 28, 23, 0, tzinfo=UTC), datetime(2026, 3, 29, 22, 0, tzinfo=UTC))
    late = today_in(ZoneInfo("America/New_York"), datetime(2026, 7, 2, 2, 30, tzinfo=UTC))  # still July 1st there
    assert late == (datetime(2026, 7, 1, 4, 0, tzinfo=UTC), datetime(2026, 7, 2, 4, 0, tzinfo=UTC))


async def test_the_overview_of_today_in_the_callers_time_zone(world, servicer, directory, pymap, smtp_sink):
    account = await world.imap_account(pymap, smtp_sink, owner=world.owner)
    crm = world.folder("CRM")
    pymap.deliver(crm, _message(1))
    pymap.deliver(crm, _message(2), flags=("\\Seen",))
    pymap.deliver(crm, _message(3))
    pymap.deliver(world.folder("Elsewhere"), _message(4))  # not an import folder
    owner = directory.users[str(world.owner)]
    owner.time_zone = "America/New_York"
    start, end = today_in(ZoneInfo("America/New_York"), datetime.now(UTC))
    colleague = uuid.uuid4()
    owner.occurrences = [
        _occurrence("a-own", world.owner, start + timedelta(hours=15), subject="Kundentermin"),
        _occurrence("a-private", colleague, start + timedelta(hours=10), subject="Arzt", private=True),
        _occurrence("a-tomorrow", world.owner, end + timedelta(hours=2), subject="Morgen"),
    ]
    owner.follow_ups = [_follow_up(start + timedelta(hours=8), "Angebot nachfassen\nDetails folgen"),
                        _follow_up(start - timedelta(days=2), "Überfällig"),
                        _follow_up(end + timedelta(days=3), "Nächste Woche"),
                        _follow_up(start + timedelta(hours=1), "Erledigt", done=True)]

    with world.as_user(world.owner):
        overview = await servicer.GetOverview(mailbox_pb2.GetOverviewRequest(), None)

    assert overview.time_zone == "America/New_York" and list(overview.unavailable) == []
    assert sorted(m.summary.subject for m in overview.unread_import_mail) == ["Import 1", "Import 3"]
    assert {m.account_id for m in overview.unread_import_mail} == {str(account.id)}
    assert [(a.appointment_id, a.subject) for a in overview.appointments_today] == [
        ("a-private", ""), ("a-own", "Kundentermin")]  # a colleague's private appointment: no subject
    (asked_by, asked), = directory.calendar_requests
    assert (asked_by, asked.calendar_type, asked.calendar_id) == (str(world.owner), "user", str(world.owner))
    assert (getattr(asked, "from").ToDatetime(tzinfo=UTC), asked.to.ToDatetime(tzinfo=UTC)) == (start, end)
    assert sorted(f.title for f in overview.follow_ups_due) == ["Angebot nachfassen", "Überfällig"]
    (follow_up_request,) = directory.follow_up_requests
    assert follow_up_request.mine and follow_up_request.due_before.ToDatetime(tzinfo=UTC) == end


async def test_a_failing_part_is_named_and_the_rest_is_shown(world, servicer, directory, pymap, smtp_sink):
    good = await world.imap_account(pymap, smtp_sink, owner=world.owner)
    team = uuid.uuid4()
    directory.users[str(world.owner)].team_ids = {team}
    broken = await world.add_account(provider="imap", address=f"team-{world.suffix}@kontor.example",
                                     settings=good.settings, kind="password", secret="wrong password", team_id=team,
                                     import_folder="INBOX")
    pymap.deliver(world.folder("CRM"), _message(5))
    directory.follow_ups_down = True
    directory.users[str(world.owner)].time_zone = ""  # none set: Berlin
    directory.users[str(world.owner)].occurrences = [
        _occurrence("a-1", world.owner, today_in(ZoneInfo("Europe/Berlin"), datetime.now(UTC))[0]
                    + timedelta(hours=9), subject="Jour fixe")]

    with world.as_user(world.owner):
        overview = await servicer.GetOverview(mailbox_pb2.GetOverviewRequest(), None)

    assert list(overview.unavailable) == sorted(["follow_ups", f"mail:{broken.id}"])
    assert overview.time_zone == "Europe/Berlin"
    assert [m.summary.subject for m in overview.unread_import_mail] == ["Import 5"]
    assert [a.subject for a in overview.appointments_today] == ["Jour fixe"]
    assert list(overview.follow_ups_due) == []


async def test_without_the_mail_account_right_the_mail_part_is_empty_not_broken(world, servicer, pymap, smtp_sink):
    reader = world.user(rights={("mail", "read")})
    await world.imap_account(pymap, smtp_sink, owner=reader)
    pymap.deliver(world.folder("CRM"), _message(6))
    with world.as_user(reader):
        overview = await servicer.GetOverview(mailbox_pb2.GetOverviewRequest(), None)
    assert list(overview.unread_import_mail) == [] and list(overview.unavailable) == []
