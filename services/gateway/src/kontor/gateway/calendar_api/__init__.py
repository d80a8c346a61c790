"""REST resources of the CRM calendar (calendar-sync): /api/v1/appointments, /api/v1/calendars/...,
/api/v1/freebusy, /api/v1/resources and attachment content (/api/v1/appointments/{id}/attachments).

Every route needs a bearer token; calendar-sync decides (rights through contacts, visibility, privacy);
these routes only translate. Appointments and resources carry their version as ETag; changes require
If-Match (428 without, 412 stale). A resource taken at that time answers 409 with the conflicting slot.
"""

from fastapi import APIRouter, Depends

from kontor.platform.http import PROBLEM_RESPONSES, bearer_principal
from kontor.platform.runtime import Runtime

from kontor.gateway.calendar_api import appointments, attachments, resources, views


def routers(rt: Runtime) -> list[APIRouter]:
    api = APIRouter(dependencies=[Depends(bearer_principal(lambda: rt.verifier))], responses=PROBLEM_RESPONSES)
    stubs = lambda: rt.extras["upstreams"]  # noqa: E731 - resolved per request: upstreams connect at start-up
    api.include_router(appointments.router(stubs))
    api.include_router(appointments.freebusy_router(stubs))
    api.include_router(attachments.router(stubs, max_bytes=rt.settings.attachment_max_bytes,
                                          timeout_s=rt.settings.attachment_transfer_timeout_s))
    api.include_router(views.router(stubs))
    api.include_router(resources.router(stubs))
    return [api]
