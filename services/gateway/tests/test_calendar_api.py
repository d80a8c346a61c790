"""The REST edge of the CRM calendar: what the OpenAPI document promises, what PATCH sends, how times render."""

from datetime import UTC, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from fastapi import FastAPI

from kontor.gateway import calendar_api
from kontor.gateway.calendar_api.convert import appointment_read, fields_message, timestamp
from kontor.gateway.calendar_api.schemas import AppointmentUpdate
from kontor.protos.calendar.v1 import calendar_pb2


class _Runtime:
    verifier = None
    extras: dict = {}
    settings = SimpleNamespace(attachment_max_bytes=1024, attachment_transfer_timeout_s=5.0)


def _paths() -> dict:
    app = FastAPI()
    for router in calendar_api.routers(_Runtime()):
        app.include_router(router)
    return app.openapi()["paths"]


def test_openapi_lists_every_route_with_its_problems():
    paths = _paths()
    assert set(paths) == {
        "/api/v1/appointments", "/api/v1/appointments/{appointment_id}",
        "/api/v1/appointments/{appointment_id}/overrides", "/api/v1/appointments/{appointment_id}/cancel-occurrence",
        "/api/v1/calendars/users/{user_id}", "/api/v1/calendars/companies/{company_id}",
        "/api/v1/calendars/persons/{person_id}", "/api/v1/calendars/resources/{resource_id}",
        "/api/v1/freebusy", "/api/v1/resources", "/api/v1/resources/{resource_id}",
        "/api/v1/appointments/{appointment_id}/attachments",
        "/api/v1/appointments/{appointment_id}/attachments/{attachment_id}",
    }
    for path in ("/api/v1/appointments/{appointment_id}", "/api/v1/resources/{resource_id}"):
        for method in ("patch", "delete"):
            assert {"401", "403", "404", "412", "422", "428"} <= set(paths[path][method]["responses"]), (path, method)
    assert "409" in paths["/api/v1/appointments"]["post"]["responses"]
    view = paths["/api/v1/calendars/companies/{company_id}"]["get"]
    assert [p["name"] for p in view["parameters"]] == ["company_id", "from", "to", "page_size", "page_token",
                                                        "time_zone"]


def test_patch_sends_only_the_fields_given_and_clears_texts_sent_as_null():
    message = fields_message(AppointmentUpdate.model_validate({"notes": None, "links": [], "private": True}))
    assert message.HasField("notes") and message.notes == ""
    assert message.HasField("links") and list(message.links.items) == []
    assert message.private is True
    assert not message.HasField("subject") and not message.HasField("participants") and not message.HasField("start")


def test_times_render_with_the_offset_of_the_appointments_zone_or_the_one_asked_for():
    start = datetime(2026, 3, 30, 7, tzinfo=UTC)
    appointment = calendar_pb2.Appointment(id="a", owner_id="o", start=timestamp(start), end=timestamp(start),
                                           time_zone="Europe/Berlin", created_at=timestamp(start),
                                           updated_at=timestamp(start))
    assert appointment_read(appointment).start.isoformat() == "2026-03-30T09:00:00+02:00"
    assert appointment_read(appointment, ZoneInfo("UTC")).start.isoformat() == "2026-03-30T07:00:00+00:00"
    assert appointment_read(appointment).subject is None  # unset: absent, as for private appointments
