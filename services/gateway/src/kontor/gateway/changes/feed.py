"""One connection's view of contacts' events: an ordered JetStream consumer on the caller's tenant.

Ordered consumers are ephemeral (in-memory, one replica, no acks): nothing is stored per user, the
library recreates the consumer at the right sequence after a gap or a NATS reconnect, and the server
drops one whose subscriber vanished after ``INACTIVE_THRESHOLD_S``. ``close`` deletes it at once.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from dataclasses import dataclass

from nats.errors import Error as NatsError, TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy

from kontor.platform import streams
from kontor.platform.errors import Unavailable

log = logging.getLogger(__name__)

STREAM = streams.domain_stream("contacts").name
# A gateway that died without deleting its consumers leaves them for this long.
INACTIVE_THRESHOLD_S = 30.0
# Bounds what one slow client can make the gateway buffer; a drop makes the ordered consumer resume
# from the last delivered sequence, so it costs time, never events.
PENDING_MSGS_LIMIT = 1024
PENDING_BYTES_LIMIT = 8 * 1024 * 1024


def tenant_subject(tenant_id: uuid.UUID) -> str:
    return f"kontor.{tenant_id}.contacts.>"


@dataclass(frozen=True)
class StreamState:
    first_seq: int
    last_seq: int


@dataclass(frozen=True)
class Delivery:
    sequence: int
    subject: str
    data: bytes


class Feed:
    def __init__(self, js: JetStreamContext, subscription: JetStreamContext.PushSubscription):
        self._js = js
        self._subscription = subscription

    async def next(self, timeout: float) -> Delivery | None:
        """The next event of the tenant, or None when none arrived within ``timeout`` seconds."""
        try:
            msg = await self._subscription.next_msg(timeout=max(timeout, 0.001))
        except (NatsTimeoutError, TimeoutError):
            return None
        except NatsError as exc:  # e.g. the connection closed under the subscription
            raise Unavailable(f"change feed lost: {exc!r}") from None
        return Delivery(sequence=msg.metadata.sequence.stream, subject=msg.subject, data=msg.data)

    async def close(self) -> None:
        """Unsubscribe and delete the consumer now rather than after the inactivity threshold."""
        consumer = None
        with contextlib.suppress(Exception):
            consumer = (await self._subscription.consumer_info()).name
        with contextlib.suppress(Exception):
            await self._subscription.unsubscribe()
        if consumer:
            with contextlib.suppress(Exception):
                await self._js.delete_consumer(STREAM, consumer)


async def stream_state(js: JetStreamContext | None) -> StreamState:
    if js is None:
        raise Unavailable("the event bus is not connected yet; retry shortly")
    try:
        info = await js.stream_info(STREAM)
    except Exception as exc:  # noqa: BLE001 - no stream yet, NATS down: either way, not now
        log.warning("change stream unavailable", extra={"error": repr(exc)})
        raise Unavailable("changes are not available right now; retry shortly") from None
    return StreamState(first_seq=info.state.first_seq, last_seq=info.state.last_seq)


async def open_feed(js: JetStreamContext, tenant_id: uuid.UUID, start_sequence: int) -> Feed:
    config = ConsumerConfig(deliver_policy=DeliverPolicy.BY_START_SEQUENCE, opt_start_seq=start_sequence,
                            inactive_threshold=INACTIVE_THRESHOLD_S)
    try:
        subscription = await js.subscribe(
            tenant_subject(tenant_id), stream=STREAM, config=config, ordered_consumer=True,
            pending_msgs_limit=PENDING_MSGS_LIMIT, pending_bytes_limit=PENDING_BYTES_LIMIT)
    except Exception as exc:  # noqa: BLE001 - NATS trouble is a 503, not a 500
        log.warning("cannot open change feed", extra={"error": repr(exc)})
        raise Unavailable("changes are not available right now; retry shortly") from None
    return Feed(js, subscription)
