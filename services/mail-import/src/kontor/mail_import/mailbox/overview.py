"""GetOverview: what is due today for the caller, from three places at once.

* unread mail in the import folders of the caller's own accounts (their personal ones and their teams' shared
  ones; a manager's overview is theirs too, not every mailbox of the organisation), newest first, bounded;
* today's appointments of the caller from calendar-sync (AppointmentService.ListCalendar of their "user"
  calendar, with the caller's own token, so calendar-sync's rules apply; a private appointment of someone else
  is shown without subject whatever the answer holds);
* the caller's open follow-ups due by the end of today (contacts FollowUpService.ListFollowUps, mine).

"Today" is the day in the caller's time zone (contacts UserService.GetUser; Europe/Berlin when none is set).
Each part fails on its own: it is named in ``unavailable`` and the others are shown.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import grpc
from sqlalchemy import and_, false, or_

from kontor.platform import grpc_client
from kontor.platform.db import Database
from kontor.platform.errors import DomainError, PermissionDenied
from kontor.platform.groupware.errors import ProviderError
from kontor.protos.calendar.v1 import calendar_pb2, calendar_pb2_grpc
from kontor.protos.contacts.v1 import dashboard_pb2, dashboard_pb2_grpc, identity_pb2, identity_pb2_grpc

from kontor.mail_import.accounts import service as accounts_service
from kontor.mail_import.accounts.connect import OpenProvider
from kontor.mail_import.accounts.models import MailAccount
from kontor.mail_import.contacts_client import ContactsClient
from kontor.mail_import.edge import Caller, authorised
from kontor.mail_import.providers.base import MessageSummary

log = logging.getLogger(__name__)

DEFAULT_TIME_ZONE = "Europe/Berlin"
MAX_ACCOUNTS = 10  # import folders looked at
MAX_UNREAD_PER_ACCOUNT = 20
SCAN_PAGE = 50
SCAN_PAGES = 2  # unread mail older than the newest 100 messages of an import folder is not "today's" anyway
MAX_APPOINTMENTS = 200
MAX_FOLLOW_UPS = 100
TITLE_CHARS = 200


@dataclass(frozen=True)
class Appointment:
    appointment_id: str
    subject: str
    start: datetime | None
    end: datetime | None
    all_day: bool


@dataclass(frozen=True)
class FollowUp:
    follow_up_id: str
    title: str
    due_at: datetime | None
    record_type: str
    record_id: str


@dataclass
class Overview:
    time_zone: str
    unread: list[tuple[uuid.UUID, MessageSummary]] = field(default_factory=list)
    appointments: list[Appointment] = field(default_factory=list)
    follow_ups: list[FollowUp] = field(default_factory=list)
    unavailable: list[str] = field(default_factory=list)


def today_in(zone: ZoneInfo, now: datetime) -> tuple[datetime, datetime]:
    """[start, end) of the local day containing ``now``, as aware instants (23 or 25 hours on DST days)."""
    day: date = now.astimezone(zone).date()
    start = datetime.combine(day, time.min, tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or DEFAULT_TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIME_ZONE)


def _instant(ts) -> datetime | None:
    return ts.ToDatetime(tzinfo=UTC) if (ts.seconds or ts.nanos) else None


class OverviewBuilder:
    def __init__(self, db: Database, contacts: ContactsClient, open_provider: OpenProvider,
                 calendar: Callable[[], grpc.aio.Channel | None]):
        self._db = db
        self._contacts = contacts
        self._open_provider = open_provider
        self._calendar = calendar  # the channel to calendar-sync, made on first use; None when not configured
        self._users = identity_pb2_grpc.UserServiceStub(contacts.channel)
        self._follow_ups = dashboard_pb2_grpc.FollowUpServiceStub(contacts.channel)

    async def build(self, caller: Caller, *, now: datetime | None = None) -> Overview:
        user_id = caller.user_id
        zone_name = await self._time_zone(user_id)
        start, end = today_in(_zone(zone_name), now or datetime.now(UTC))
        overview = Overview(time_zone=_zone(zone_name).key)

        async def part(name: str, work: Awaitable) -> None:
            try:
                await work
            except PermissionDenied:
                pass  # the caller's role has no right to this part: it stays empty, nothing is broken
            except (DomainError, ProviderError, grpc.aio.AioRpcError, OSError) as exc:
                log.warning("overview part unavailable", extra={"part": name, "error": type(exc).__name__})
                overview.unavailable.append(name)

        accounts = await self._accounts(caller)
        await asyncio.gather(
            *(part(f"mail:{a.id}", self._unread(a, overview)) for a in accounts),
            part("calendar", self._appointments(user_id, start, end, overview)),
            part("follow_ups", self._due(end, overview)),
        )
        overview.unread.sort(key=lambda item: item[1].received_at or datetime.min.replace(tzinfo=UTC), reverse=True)
        overview.unavailable.sort()
        return overview

    async def _time_zone(self, user_id: uuid.UUID | None) -> str:
        if user_id is None:
            return DEFAULT_TIME_ZONE
        try:
            user = await grpc_client.call(self._users.GetUser, identity_pb2.GetUserRequest(id=str(user_id)))
        except DomainError:
            return DEFAULT_TIME_ZONE  # the day is still a day; the parts say what they could not load
        return user.time_zone or DEFAULT_TIME_ZONE

    async def _accounts(self, caller: Caller) -> list[MailAccount]:
        """The caller's own accounts (not every account a manager could use) that import, at most MAX_ACCOUNTS."""
        try:
            async with authorised(self._db, self._contacts, "mail_account", "read") as (session, _):
                clauses = []
                if caller.user_id is not None:
                    clauses.append(and_(MailAccount.kind == "personal", MailAccount.owner_user_id == caller.user_id))
                teams = await caller.team_ids()
                if teams:
                    clauses.append(and_(MailAccount.kind == "shared", MailAccount.team_id.in_(teams)))
                query = accounts_service.live_accounts().where(MailAccount.enabled.is_(True),
                                                               or_(*clauses) if clauses else false())
                return list(await session.scalars(query.order_by(MailAccount.address_key).limit(MAX_ACCOUNTS)))
        except PermissionDenied:
            return []

    async def _unread(self, account: MailAccount, overview: Overview) -> None:
        found: list[MessageSummary] = []
        async with self._open_provider(account) as provider:
            folder_id = account.import_folder_id or (await provider.resolve_folder(account.import_folder)).id
            token = None
            for _ in range(SCAN_PAGES):
                page = await provider.messages(folder_id, page_size=SCAN_PAGE, page_token=token)
                found += [s for s in page.items if s.unread]
                token = page.next_page_token
                if token is None or len(found) >= MAX_UNREAD_PER_ACCOUNT:
                    break
        overview.unread += [(account.id, s) for s in found[:MAX_UNREAD_PER_ACCOUNT]]

    async def _appointments(self, user_id: uuid.UUID | None, start: datetime, end: datetime,
                            overview: Overview) -> None:
        channel = self._calendar()
        if channel is None or user_id is None:
            return  # no calendar-sync configured (settings.calendar_sync_addr): the overview shows no appointments
        stub = calendar_pb2_grpc.AppointmentServiceStub(channel)
        request = calendar_pb2.ListCalendarRequest(calendar_type="user", calendar_id=str(user_id), page_size=100)
        request.to.FromDatetime(end)
        getattr(request, "from").FromDatetime(start)
        while len(overview.appointments) < MAX_APPOINTMENTS:
            answer = await grpc_client.call(stub.ListCalendar, request)
            for occurrence in answer.occurrences:
                overview.appointments.append(_appointment(occurrence, user_id))
            if not answer.next_page_token:
                break
            request.page_token = answer.next_page_token
        overview.appointments.sort(key=lambda a: (not a.all_day, a.start or start))

    async def _due(self, end: datetime, overview: Overview) -> None:
        request = dashboard_pb2.ListFollowUpsRequest(mine=True, page_size=MAX_FOLLOW_UPS)
        request.due_before.FromDatetime(end)
        answer = await grpc_client.call(self._follow_ups.ListFollowUps, request)
        overview.follow_ups += [FollowUp(f.id, _title(f.note), _instant(f.due_at), f.record_type, f.record_id)
                                for f in answer.follow_ups if not f.done]


def _appointment(occurrence, user_id: uuid.UUID) -> Appointment:
    series = occurrence.appointment
    private_of_other = series.private and series.owner_id != str(user_id)
    subject = "" if private_of_other or not occurrence.HasField("subject") else occurrence.subject
    return Appointment(appointment_id=occurrence.appointment_id or series.id, subject=subject,
                       start=_instant(occurrence.start), end=_instant(occurrence.end), all_day=series.all_day)


def _title(note: str) -> str:
    first = note.strip().splitlines()[0] if note.strip() else ""
    return first[:TITLE_CHARS]
