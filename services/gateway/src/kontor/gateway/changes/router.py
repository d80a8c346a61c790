"""GET /api/v1/changes (text/event-stream): the HTTP edge of the change stream."""

import time
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from typing import Annotated

import anyio
import jwt
from fastapi import APIRouter, Depends, Header
from fastapi.sse import EventSourceResponse, ServerSentEvent

from kontor.platform.auth import Principal, current_principal
from kontor.platform.http import PROBLEM_RESPONSES
from kontor.platform.runtime import Runtime

from kontor.gateway.changes import feed, sse
from kontor.gateway.changes.feed import Feed
from kontor.gateway.changes.slots import RENEW_EVERY_S, Slot, StreamSlots
from kontor.gateway.changes.stream import Timing, change_events
from kontor.gateway.changes.visibility import Visibility
from kontor.gateway.edge.limits import TOO_MANY_REQUESTS_RESPONSE

CLEANUP_TIMEOUT_S = 5.0

LastEventId = Annotated[str | None, Header(
    alias=sse.LAST_EVENT_ID, description="The id of the last event you received; the stream resumes right after "
    "it. Browsers' EventSource sends it by itself when it reconnects.")]

DESCRIPTION = """\
Server-sent events (`text/event-stream`) about companies and contact persons of your tenant that you
may see, as contacts' Permission API decides for your token; deletions only reach those who could see
the record. Each event: `id` (resume position), `event` (the CloudEvent type, e.g.
`kontor.contacts.company.updated`) and `data`, a JSON object
`{"record_type", "id", "verb", "version", "time"}`; read the record itself over the REST API.
Frames with an `id` and no `data` only move your position; `: heartbeat` comments keep proxies from
closing the line. An `event: reset` means changes you missed are gone: read your data again. The stream
ends when your token expires; reconnect with a fresh token and `Last-Event-ID`.
"""

_SSE_SCHEMA = {"type": "object", "properties": {
    "id": {"type": "string", "description": "Stream position; send it back as Last-Event-ID"},
    "event": {"type": "string", "description": "CloudEvent type, or `reset`"},
    "data": {"type": "string", "contentMediaType": "application/json", "description":
             'JSON: {"record_type": "company"|"contact_person", "id": uuid, "verb": "created"|"updated"|'
             '"converted"|"deleted", "version": int, "time": RFC 3339}'},
    "retry": {"type": "integer", "minimum": 0}}}

RESPONSES = {
    200: {"description": "The stream of changes", "content": {"text/event-stream": {"itemSchema": _SSE_SCHEMA}}},
    429: {**TOO_MANY_REQUESTS_RESPONSE, "description": "You have the most open change streams allowed"},
    503: PROBLEM_RESPONSES[503],
}


@dataclass
class OpenStream:
    principal: Principal
    start: sse.Start
    feed: Feed
    slot: Slot


def token_expiry(principal: Principal, clock=time.monotonic) -> float:
    """When the (already verified) token expires, on ``clock``'s scale."""
    exp = jwt.decode(principal.token, options={"verify_signature": False}).get("exp")
    return clock() + (float(exp) - time.time()) if exp is not None else float("inf")


async def _shielded(cleanup) -> None:
    # Runs while the request is being torn down (often: the client went away); must finish regardless.
    with anyio.CancelScope(shield=True), anyio.move_on_after(CLEANUP_TIMEOUT_S):
        await cleanup()


def router(rt: Runtime) -> APIRouter:
    api = APIRouter(prefix="/api/v1", tags=["changes"])
    settings = rt.settings

    def slots() -> StreamSlots:
        if "change_slots" not in rt.extras:  # Redis connects at start-up, after the routers are built
            rt.extras["change_slots"] = StreamSlots(rt.extras["redis"], settings.changes_max_streams_per_user)
        return rt.extras["change_slots"]

    async def open_stream(last_event_id: LastEventId = None) -> AsyncIterator[OpenStream]:
        """Everything one connection holds, released when the response ends (also when the client left)."""
        principal = current_principal()
        resume = sse.parse_last_event_id(last_event_id)
        slot = await slots().acquire(f"{principal.tenant_id}:{principal.subject}")
        try:
            state = await feed.stream_state(rt.js)
            start = sse.start_of(resume, first_seq=state.first_seq, last_seq=state.last_seq)
            opened = await feed.open_feed(rt.js, principal.tenant_id, start.sequence)
            try:
                yield OpenStream(principal=principal, start=start, feed=opened, slot=slot)
            finally:
                await _shielded(opened.close)
        finally:
            await _shielded(slot.release)

    @api.get("/changes", response_class=EventSourceResponse, responses=RESPONSES, description=DESCRIPTION,
             summary="Stream changes to the records you may see (server-sent events)")
    async def changes(stream: Annotated[OpenStream, Depends(open_stream)]) -> AsyncIterable[ServerSentEvent]:
        visibility = Visibility(rt.extras["upstreams"].access, stream.principal.token,
                                ttl_s=settings.changes_access_cache_s)
        timing = Timing(heartbeat_s=settings.changes_heartbeat_s, renew_every_s=RENEW_EVERY_S,
                        expires_at=token_expiry(stream.principal))
        async for frame in change_events(stream.feed, visibility.may_see, tenant_id=stream.principal.tenant_id,
                                         start=stream.start, retry_ms=settings.changes_retry_ms, timing=timing,
                                         renew=stream.slot.renew, stopping=rt.stopping):
            yield frame

    return api
