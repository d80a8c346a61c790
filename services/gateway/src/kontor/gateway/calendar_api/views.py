"""/api/v1/calendars/...: the calendar of a user, a company, a contact person or a resource in a window."""

from __future__ import annotations

import inspect
from typing import Annotated

from fastapi import APIRouter, Path, Query

from kontor.platform.grpc_client import call
from kontor.protos.calendar.v1 import calendar_pb2

from kontor.gateway.calendar_api.appointments import ShownIn
from kontor.gateway.calendar_api.convert import occurrence_read, timestamp, zone
from kontor.gateway.calendar_api.schemas import CalendarPage
from kontor.gateway.contacts_api.companies import PageSize, PageToken
from kontor.gateway.contacts_api.http_edge import path_id, problems
from kontor.gateway.dashboard_api.schemas import Instant

From = Annotated[Instant, Query(alias="from", description="Window start, with offset")]
To = Annotated[Instant, Query(alias="to", description="Window end (exclusive), at most 366 days after from")]

# path segment -> (calendar type, path parameter, what the view shows)
_VIEWS = {
    "users": ("user", "user_id", "Appointments the employee owns or takes part in that you may see; private ones "
                                 "with times and busy status only"),
    "companies": ("company", "company_id", "Every appointment anyone in your organisation has with the company, as "
                                           "far as you may see them (404 when you may not see the company)"),
    "persons": ("contact_person", "person_id", "Every appointment with the contact person (linked or taking part), "
                                               "as far as you may see them"),
    "resources": ("resource", "resource_id", "Appointments booking the room or equipment that you may see"),
}


def router(stubs) -> APIRouter:
    api = APIRouter(prefix="/api/v1/calendars", tags=["calendar"])

    def add(segment: str, calendar_type: str, parameter: str, summary: str) -> None:
        async def view(**values) -> CalendarPage:
            request = calendar_pb2.ListCalendarRequest(
                calendar_type=calendar_type, calendar_id=path_id(values[parameter], parameter),
                to=timestamp(values["end"]), page_size=values["page_size"], page_token=values["page_token"])
            getattr(request, "from").CopyFrom(timestamp(values["start"]))
            page = await call(stubs().appointments.ListCalendar, request)
            shown_in = zone(values["time_zone"])
            return CalendarPage(items=[occurrence_read(o, shown_in) for o in page.occurrences],
                                next_page_token=page.next_page_token)

        # One route per calendar type; the path parameter keeps its documented name ({user_id}, ...).
        view.__signature__ = inspect.Signature([
            inspect.Parameter(parameter, inspect.Parameter.KEYWORD_ONLY,
                              annotation=Annotated[str, Path(description=f"UUID; anything else answers 422 naming "
                                                                         f"{parameter}")]),
            inspect.Parameter("start", inspect.Parameter.KEYWORD_ONLY, annotation=From),
            inspect.Parameter("end", inspect.Parameter.KEYWORD_ONLY, annotation=To),
            inspect.Parameter("page_size", inspect.Parameter.KEYWORD_ONLY, annotation=PageSize, default=50),
            inspect.Parameter("page_token", inspect.Parameter.KEYWORD_ONLY, annotation=PageToken, default=""),
            inspect.Parameter("time_zone", inspect.Parameter.KEYWORD_ONLY, annotation=ShownIn, default=""),
        ], return_annotation=CalendarPage)
        api.add_api_route(f"/{segment}/{{{parameter}}}", view, methods=["GET"], response_model=CalendarPage,
                          responses=problems(403), summary=summary, name=f"calendar_of_{calendar_type}")

    for segment, (calendar_type, parameter, summary) in _VIEWS.items():
        add(segment, calendar_type, parameter, summary)
    return api

