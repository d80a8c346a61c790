"""/api/v1/dashboard/team: the team dashboard."""

from __future__ import annotations

from datetime import UTC, date
from typing import Annotated

from fastapi import APIRouter, Query

from kontor.platform.grpc_client import call
from kontor.protos.contacts.v1 import dashboard_pb2

from kontor.gateway.contacts_api.http_edge import path_id, problems
from kontor.gateway.dashboard_api.followups import timestamp
from kontor.gateway.dashboard_api.schemas import (
    BirthdayRead, EmployeeStatsRead, Instant, TeamDashboardRead, TeamRead,
)

_EMPLOYEE_FIELDS = tuple(f for f in EmployeeStatsRead.model_fields if f != "team_ids")


def dashboard_read(d: dashboard_pb2.TeamDashboard) -> TeamDashboardRead:
    return TeamDashboardRead(
        teams=[TeamRead(id=t.id, name=t.name) for t in d.teams],
        employees=[EmployeeStatsRead(team_ids=list(e.team_ids), **{f: getattr(e, f) for f in _EMPLOYEE_FIELDS})
                   for e in d.employees],
        period_start=d.period_start.ToDatetime(UTC), period_end=d.period_end.ToDatetime(UTC),
        birthdays=[BirthdayRead(person_id=b.person_id, company_id=b.company_id, first_name=b.first_name,
                                last_name=b.last_name, date=date.fromisoformat(b.date), days_until=b.days_until,
                                age=b.age, user_id=b.user_id) for b in d.birthdays],
        today=date.fromisoformat(d.today), birthday_days=d.birthday_days, time_zone=d.time_zone,
        revenue_available=d.revenue_available, revenue_note=d.revenue_note,
    )


def router(stubs) -> APIRouter:
    api = APIRouter(prefix="/api/v1/dashboard", tags=["dashboard"])

    @api.get("/team", response_model=TeamDashboardRead, responses=problems(403),
             summary="Per employee of a team: records looked after, activities, due follow-ups, birthdays")
    async def team_dashboard(
        team_id: Annotated[str, Query(description="UUID of the team; empty: your own teams")] = "",
        period_start: Annotated[Instant | None, Query(description="Activities from (default: 30 days ago)")] = None,
        period_end: Annotated[Instant | None, Query(description="Activities until, exclusive (default: now)")] = None,
        birthday_days: Annotated[int, Query(ge=1, le=366, description="Birthdays in the next N days")] = 14,
        time_zone: Annotated[str, Query(max_length=64, description='IANA zone of "today"; empty: yours')] = "",
    ) -> TeamDashboardRead:
        request = dashboard_pb2.GetTeamDashboardRequest(
            team_id=path_id(team_id, "team_id") if team_id else "", birthday_days=birthday_days, time_zone=time_zone)
        if period_start is not None:
            request.period_start.CopyFrom(timestamp(period_start))
        if period_end is not None:
            request.period_end.CopyFrom(timestamp(period_end))
        return dashboard_read(await call(stubs().dashboard.GetTeamDashboard, request))

    return api
