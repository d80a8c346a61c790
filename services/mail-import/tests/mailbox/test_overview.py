"""GetOverview: unread import mail (pymap), today's appointments (the real calendar-sync) and due follow-ups
(the real contacts), the day taken in the caller's time zone; a failing part is named, the rest shown."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kontor.platform import grpc_client
from kontor.protos.mail.v1 import mailbox_pb2

from kontor.mail_import.accounts.connect import provider_opener
from kontor.mail_import.mailbox.overview import today_in
from kontor.mail_import.mailbox.servicer import MailboxServicer

from ..real_services import (  # noqa: F401, TID252 - the test tree's shared real services and their fixtures
    CallRecorder, calendar_sync_database_url, calendar_sync_service, down_address,
)
from .real_world import (  # noqa: F401 - fixtures
    contacts, contacts_calls, contacts_database_url, contacts_service, world,
)

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")


def _message(n: int) -> bytes:
    return (f"From: Kunde <k{n}@customer.example>\r\nTo: owner@kontor.example\r\nSubject: Import {n}\r\n"
            f"Message-ID: <i{n}-{uuid.uuid4().hex}@customer.example>\r\nDate: Mon, 2 Mar 2026 09:0{n}:00 +0100\r\n"
            f"\r\nText {n}\r\n").encode()


@pytest.fixture
def calendar_calls() -> CallRecorder:
    return CallRecorder()


@pytest.fixture
def calendar_address(calendar_sync_service) -> str:
    return calendar_sync_service.address


@pytest.fixture
async def servicer(db, contacts, blob_store, box, settings, calendar_address, calendar_calls):
    """The servicer with its channel to calendar-sync, as main.py makes it."""
    channel = grpc_client.channel(calendar_address, default_timeout_s=10, interceptors=[calendar_calls])
    yield MailboxServicer(db, contacts, blob_store, provider_opener(db, box, settings), settings,
                          calendar=lambda: channel)
    await channel.close()


def _hour(start: datetime, hours: float) -> dict:
    at = start + timedelta(hours=hours)
    return {"start": at, "end": at + timedelta(hours=1)}


def test_today_is_the_local_day_also_on_a_dst_change():
    berlin = ZoneInfo("Europe/Berlin")
    start, end = today_in(berlin, datetime(2026, 3, 29, 12, 0, tzinfo=UTC))  # clocks go forward that night
    assert (start, end) == (datetime(2026, 3, 28, 23, 0, tzinfo=UTC), datetime(2026, 3, 29, 22, 0, tzinfo=UTC))
    late = today_in(ZoneInfo("America/New_York"), datetime(2026, 7, 2, 2, 30, tzinfo=UTC))  # still July 1st there
    assert late == (datetime(2026, 7, 1, 4, 0, tzinfo=UTC), datetime(2026, 7, 2, 4, 0, tzinfo=UTC))


async def test_the_overview_of_today_in_the_callers_time_zone(world, servicer, calendar_sync_service, pymap,
                                                             smtp_sink, calendar_calls, contacts_calls):
    account = await world.imap_account(pymap, smtp_sink, owner=world.owner)
    crm = world.folder("CRM")
    pymap.deliver(crm, _message(1))
    pymap.deliver(crm, _message(2), flags=("\\Seen",))
    pymap.deliver(crm, _message(3))
    pymap.deliver(world.folder("Elsewhere"), _message(4))  # not an import folder
    await world.tenant.update_user(world.owner, time_zone="America/New_York")
    start, end = today_in(ZoneInfo("America/New_York"), datetime.now(UTC))
    calendar = calendar_sync_service
    own = await calendar.appointment(world.tenant, world.owner, subject="Kundentermin", **_hour(start, 15))
    # calendar-sync keeps nothing of a private appointment but its times (no subject, no attendees), so a
    # colleague's never shows in this calendar; the owner's own private one shows without a subject.
    private = await calendar.appointment(world.tenant, world.owner, subject="Arzt", private=True, **_hour(start, 10))
    await calendar.appointment(world.tenant, world.owner, subject="Morgen", **_hour(end, 2))
    customer = await world.record(visible_to=(world.owner,))
    for due, note, done in [(start + timedelta(hours=8), "Angebot nachfassen\nDetails folgen", False),
                            (start - timedelta(days=2), "Überfällig", False),
                            (end + timedelta(days=3), "Nächste Woche", False),
                            (start + timedelta(hours=1), "Erledigt", True)]:
        await world.tenant.follow_up(world.owner, customer, due_at=due, note=note, done=done)

    with world.as_user(world.owner):
        overview = await servicer.GetOverview(mailbox_pb2.GetOverviewRequest(), None)

    assert overview.time_zone == "America/New_York" and list(overview.unavailable) == []
    assert sorted(m.summary.subject for m in overview.unread_import_mail) == ["Import 1", "Import 3"]
    assert {m.account_id for m in overview.unread_import_mail} == {str(account.id)}
    assert [(a.appointment_id, a.subject) for a in overview.appointments_today] == [
        (str(private), ""), (str(own), "Kundentermin")]  # a private appointment: no subject
    (asked,) = calendar_calls.requests["ListCalendar"]
    assert (asked.calendar_type, asked.calendar_id) == ("user", str(world.owner))
    assert (getattr(asked, "from").ToDatetime(tzinfo=UTC), asked.to.ToDatetime(tzinfo=UTC)) == (start, end)
    assert sorted(f.title for f in overview.follow_ups_due) == ["Angebot nachfassen", "Überfällig"]
    (follow_up_request,) = contacts_calls.requests["ListFollowUps"]
    assert follow_up_request.mine and follow_up_request.due_before.ToDatetime(tzinfo=UTC) == end


@pytest.mark.parametrize("calendar_address", [down_address()])
async def test_a_failing_part_is_named_and_the_rest_is_shown(world, servicer, pymap, smtp_sink):
    """calendar-sync is down and a team mailbox refuses its password: both are named, mail and follow-ups shown."""
    good = await world.imap_account(pymap, smtp_sink, owner=world.owner)
    team = await world.team()
    await world.tenant.update_user(world.owner, team_ids=[team])
    broken = await world.add_account(provider="imap", address=f"team-{world.suffix}@kontor.example",
                                     settings=good.settings, kind="password", secret="wrong password", team_id=team,
                                     import_folder="INBOX")
    pymap.deliver(world.folder("CRM"), _message(5))
    customer = await world.record(visible_to=(world.owner,))
    start, _ = today_in(ZoneInfo("Europe/Berlin"), datetime.now(UTC))
    await world.tenant.follow_up(world.owner, customer, due_at=start + timedelta(hours=9), note="Jour fixe")

    with world.as_user(world.owner):
        overview = await servicer.GetOverview(mailbox_pb2.GetOverviewRequest(), None)

    assert list(overview.unavailable) == sorted(["calendar", f"mail:{broken.id}"])
    assert overview.time_zone == "Europe/Berlin"
    assert [m.summary.subject for m in overview.unread_import_mail] == ["Import 5"]
    assert [f.title for f in overview.follow_ups_due] == ["Jour fixe"]
    assert list(overview.appointments_today) == []


async def test_without_the_mail_account_right_the_mail_part_is_empty_not_broken(world, servicer, pymap, smtp_sink):
    reader = await world.user(rights={("mail", "read")})
    await world.imap_account(pymap, smtp_sink, owner=reader)
    pymap.deliver(world.folder("CRM"), _message(6))
    with world.as_user(reader):
        overview = await servicer.GetOverview(mailbox_pb2.GetOverviewRequest(), None)
    assert list(overview.unread_import_mail) == [] and list(overview.unavailable) == []
