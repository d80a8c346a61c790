"""The loop behind one connection: read the tenant's events, keep the ones the caller may see, frame them.

Ends by itself when the gateway stops (the HTTP server waits for open responses), when the caller's token expires (the client reconnects with a fresh token and its
Last-Event-ID) and when contacts cannot answer whether the caller may see a change: sending it could
leak, dropping it would lose it, so the client reconnects after the retry delay and resumes at that event.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from fastapi.sse import ServerSentEvent

from kontor.platform.errors import DomainError
from kontor.platform.events import PoisonMessage, parse_event

from kontor.gateway.changes import sse
from kontor.gateway.changes.feed import Delivery
from kontor.gateway.changes.records import Change, change_of

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Timing:
    heartbeat_s: float
    renew_every_s: float
    expires_at: float  # clock() value at which the caller's token expires


async def next_or_stop(feed, timeout: float, stopping: asyncio.Event) -> tuple[Delivery | None, bool]:
    """The next delivery (None after ``timeout``), and whether the gateway is stopping."""
    if stopping.is_set():
        return None, True
    receive = asyncio.ensure_future(feed.next(timeout))
    stop = asyncio.ensure_future(stopping.wait())
    try:
        await asyncio.wait({receive, stop}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop.cancel()
        if not receive.done():
            receive.cancel()  # what it would have read is read again after the client reconnects
    return (receive.result() if receive.done() and not receive.cancelled() else None), stopping.is_set()


def decode(delivery: Delivery, tenant_id: uuid.UUID) -> Change | None:
    try:
        event, message = parse_event(delivery.data, delivery.subject)
    except PoisonMessage as exc:  # the producer's consumers dead-letter it; a viewer just skips it
        log.warning("skipping malformed event", extra={"subject": delivery.subject, "reason": str(exc),
                                                       "sequence": delivery.sequence})
        return None
    return change_of(event, message, tenant_id)


async def change_events(feed, may_see: Callable[[Change], Awaitable[bool]], *, tenant_id: uuid.UUID,
                        start: sse.Start, retry_ms: int, timing: Timing, renew: Callable[[], Awaitable[None]],
                        stopping: asyncio.Event, clock: Callable[[], float] = time.monotonic,
                        ) -> AsyncIterator[ServerSentEvent]:
    for frame in sse.opening(start, retry_ms):
        yield frame
    handled = shown = start.checkpoint  # handled: read and decided; shown: the id the client holds
    last_write = last_renew = clock()
    while True:
        now = clock()
        wait = min(last_write + timing.heartbeat_s, last_renew + timing.renew_every_s, timing.expires_at) - now
        try:
            delivery, stop = (None, True) if now >= timing.expires_at else await next_or_stop(feed, wait, stopping)
            change = decode(delivery, tenant_id) if delivery is not None else None
            visible = not stop and change is not None and await may_see(change)
        except DomainError as exc:  # the feed or contacts failed: the client resumes after the last decided event
            log.warning("ending change stream", extra={"error": str(exc)})
            stop = True
        if stop:
            if handled > shown:
                yield sse.checkpoint(handled)
            return
        now = clock()
        if delivery is not None:
            handled = delivery.sequence
            if visible:
                yield sse.change_event(delivery.sequence, change)
                shown, last_write = handled, now
        if now - last_write >= timing.heartbeat_s:
            # Silence: move the client's position past what it was not shown, or just keep the line warm.
            yield sse.checkpoint(handled) if handled > shown else sse.heartbeat()
            shown, last_write = handled, now
        if now - last_renew >= timing.renew_every_s:
            await renew()
            last_renew = now
