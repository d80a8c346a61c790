"""gRPC edge of the team dashboard."""

from datetime import UTC, datetime

import grpc

from kontor.platform.db import Database
from kontor.platform.pagination import parse_uuid
from kontor.protos.contacts.v1 import dashboard_pb2, dashboard_pb2_grpc

from kontor.contacts.dashboard import service
from kontor.contacts.dashboard.birthdays import DEFAULT_DAYS
from kontor.contacts.dashboard.schemas import DashboardQuery
from kontor.contacts.edge import authorised, timestamp
from kontor.contacts.followups.servicer import instant

ENTITY = "dashboard"


def _employee(e: service.EmployeeStats) -> dashboard_pb2.EmployeeStats:
    return dashboard_pb2.EmployeeStats(
        user_id=str(e.user_id), display_name=e.display_name, team_ids=[str(t) for t in e.team_ids],
        companies=e.companies, contact_persons=e.contact_persons, traces=e.traces, comments=e.comments,
        activities=e.activities, follow_ups_overdue=e.follow_ups_overdue, follow_ups_due_soon=e.follow_ups_due_soon,
        birthdays=e.birthdays,
    )


def _birthday(b: service.Birthday) -> dashboard_pb2.UpcomingBirthday:
    return dashboard_pb2.UpcomingBirthday(
        person_id=str(b.person_id), company_id=str(b.company_id), first_name=b.first_name, last_name=b.last_name,
        date=b.date.isoformat(), days_until=b.days_until, age=b.age, user_id=str(b.user_id),
    )


def to_proto(d: service.Dashboard) -> dashboard_pb2.TeamDashboard:
    return dashboard_pb2.TeamDashboard(
        teams=[dashboard_pb2.TeamRef(id=str(t.id), name=t.name) for t in d.teams],
        employees=[_employee(e) for e in d.employees], period_start=timestamp(d.period_start),
        period_end=timestamp(d.period_end), birthdays=[_birthday(b) for b in d.birthdays],
        today=d.today.isoformat(), birthday_days=d.birthday_days, time_zone=d.time_zone,
        revenue_available=d.revenue_available, revenue_note=d.revenue_note,
    )


class DashboardServicer(dashboard_pb2_grpc.DashboardServiceServicer):
    def __init__(self, db: Database):
        self._db = db

    async def GetTeamDashboard(self, request, context: grpc.aio.ServicerContext):
        query = DashboardQuery(
            team_id=parse_uuid(request.team_id, "team_id") if request.team_id else None,
            period_start=instant(request.period_start, "period_start", required=False),
            period_end=instant(request.period_end, "period_end", required=False),
            birthday_days=request.birthday_days or DEFAULT_DAYS, time_zone=request.time_zone or None,
        )
        async with authorised(self._db, ENTITY, "read") as (session, principal):
            return to_proto(await service.team_dashboard(session, principal=principal, query=query,
                                                         now=datetime.now(UTC)))


def register(server: grpc.aio.Server, db: Database) -> list[str]:
    dashboard_pb2_grpc.add_DashboardServiceServicer_to_server(DashboardServicer(db), server)
    return [dashboard_pb2.DESCRIPTOR.services_by_name["DashboardService"].full_name]
