"""/api/v1/appointments: the CRM calendar's appointments, their occurrences, and /api/v1/freebusy."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from kontor.platform.errors import InvalidArgument
from kontor.platform.grpc_client import call
from kontor.protos.calendar.v1 import calendar_pb2

from kontor.gateway.calendar_api.convert import (
    appointment_read, call_booking, fields_message, timestamp, zone,
)
from kontor.gateway.calendar_api.schemas import (
    AppointmentCreate, AppointmentRead, AppointmentUpdate, BusyRead, FreeBusyRead, OccurrenceCancel, OverrideCreate,
    ScheduleRead,
)
from kontor.gateway.contacts_api.http_edge import IfMatch, expected_version, is_problem, path_id, problems, set_etag
from kontor.gateway.dashboard_api.schemas import Instant

COLLECTION = "/api/v1/appointments"
AppointmentId = Annotated[str, Path(description="UUID of the appointment; anything else answers 422 naming "
                                                "appointment_id")]
ShownIn = Annotated[str, Query(max_length=64, description='Render times in this IANA zone (e.g. "Europe/Berlin"); '
                                                          "default: the appointment's own zone")]
_BOOKING = problems(403, 409)


def _answer(appointment, response: Response, time_zone: str = ""):
    if is_problem(appointment):
        return appointment
    set_etag(response, appointment.version)
    return appointment_read(appointment, zone(time_zone))


def router(stubs) -> APIRouter:
    api = APIRouter(prefix=COLLECTION, tags=["calendar"])

    @api.post("", status_code=status.HTTP_201_CREATED, response_model=AppointmentRead, responses=_BOOKING,
              summary="Create an appointment (409 when a resource is taken at that time)")
    async def create_appointment(body: AppointmentCreate, response: Response):
        created = await call_booking(stubs().appointments.CreateAppointment,
                                     calendar_pb2.CreateAppointmentRequest(fields=fields_message(body)))
        if not is_problem(created):
            response.headers["Location"] = f"{COLLECTION}/{created.id}"
        return _answer(created, response)

    @api.get("/{appointment_id}", response_model=AppointmentRead, responses=problems(403),
             summary="Read an appointment (private ones: times and busy status only, for everyone)")
    async def get_appointment(appointment_id: AppointmentId, response: Response, time_zone: ShownIn = ""):
        return _answer(await call(stubs().appointments.GetAppointment, calendar_pb2.GetAppointmentRequest(
            id=path_id(appointment_id, "appointment_id"))), response, time_zone)

    @api.patch("/{appointment_id}", response_model=AppointmentRead, responses=problems(403, 409, 412, 428),
               summary="Change an appointment: only the fields sent (owner, participants or managers; If-Match)")
    async def update_appointment(appointment_id: AppointmentId, body: AppointmentUpdate, response: Response,
                                 if_match: IfMatch = None):
        return _answer(await call_booking(stubs().appointments.UpdateAppointment, calendar_pb2.UpdateAppointmentRequest(
            id=path_id(appointment_id, "appointment_id"), expected_version=expected_version(if_match),
            fields=fields_message(body))), response)

    @api.delete("/{appointment_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problems(403, 412, 428),
                summary="Delete an appointment (If-Match)")
    async def delete_appointment(appointment_id: AppointmentId, if_match: IfMatch = None) -> Response:
        await call(stubs().appointments.DeleteAppointment, calendar_pb2.DeleteAppointmentRequest(
            id=path_id(appointment_id, "appointment_id"), expected_version=expected_version(if_match)))
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    @api.post("/{appointment_id}/overrides", response_model=AppointmentRead,
              responses=problems(403, 409, 412, 428),
              summary="Change one occurrence of a series (keyed by its original start; If-Match of the series)")
    async def override_occurrence(appointment_id: AppointmentId, body: OverrideCreate, response: Response,
                                  if_match: IfMatch = None):
        override = calendar_pb2.OccurrenceOverride(
            recurrence_id=timestamp(body.recurrence_id), start=timestamp(body.start), end=timestamp(body.end),
            status=body.status or "", show_as=body.show_as or "")
        for name in ("subject", "location", "notes"):
            if getattr(body, name) is not None:
                setattr(override, name, getattr(body, name))
        return _answer(await call_booking(stubs().appointments.OverrideOccurrence,
                                          calendar_pb2.OverrideOccurrenceRequest(
                                              id=path_id(appointment_id, "appointment_id"),
                                              expected_version=expected_version(if_match), override=override)),
                       response)

    @api.post("/{appointment_id}/cancel-occurrence", response_model=AppointmentRead,
              responses=problems(403, 412, 428), summary="Cancel one occurrence of a series (adds an EXDATE)")
    async def cancel_occurrence(appointment_id: AppointmentId, body: OccurrenceCancel, response: Response,
                                if_match: IfMatch = None):
        return _answer(await call(stubs().appointments.CancelOccurrence, calendar_pb2.CancelOccurrenceRequest(
            id=path_id(appointment_id, "appointment_id"), expected_version=expected_version(if_match),
            recurrence_id=timestamp(body.recurrence_id))), response)

    return api


def freebusy_router(stubs) -> APIRouter:
    api = APIRouter(prefix="/api/v1/freebusy", tags=["calendar"])

    @api.get("", response_model=FreeBusyRead, responses=problems(403),
             summary="Busy times of users and resources in [from, to): times and busy status only")
    async def free_busy(
        start: Annotated[Instant, Query(alias="from", description="Window start, with offset")],
        end: Annotated[Instant, Query(alias="to", description="Window end (exclusive), at most 366 days later")],
        user_id: Annotated[list[str], Query(description="User ids (repeat the parameter)")] = [],  # noqa: B006
        resource_id: Annotated[list[str], Query(description="Resource ids (repeat the parameter)")] = [],  # noqa: B006
        time_zone: ShownIn = "",
    ) -> FreeBusyRead:
        if not user_id and not resource_id:
            raise InvalidArgument("user_id", "name at least one user_id or resource_id")
        shown_in = zone(time_zone) or zone("UTC")
        request = calendar_pb2.GetFreeBusyRequest(
            user_ids=[path_id(i, "user_id") for i in user_id],
            resource_ids=[path_id(i, "resource_id") for i in resource_id], to=timestamp(end))
        getattr(request, "from").CopyFrom(timestamp(start))
        answer = await call(stubs().appointments.GetFreeBusy, request)
        return FreeBusyRead(schedules=[ScheduleRead(kind=s.kind, id=s.id, busy=[
            BusyRead(start=b.start.ToDatetime(tzinfo=shown_in), end=b.end.ToDatetime(tzinfo=shown_in),
                     show_as=b.show_as)
            for b in s.busy]) for s in answer.schedules])

    return api
