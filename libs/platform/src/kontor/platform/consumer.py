"""Idempotent JetStream consumers with an inbox and a dead-letter stream.

Each consumer is a durable pull consumer. A message is handled inside one unit
of work that also inserts (consumer, event id) into the inbox; a redelivered
event finds its row and is acknowledged without running the handler again.
A message that can never succeed (malformed, unknown type, wrong subject) or
that failed ``max_deliver`` times is copied to ``KONTOR_DLQ`` with its reason
and acknowledged, so one bad message never stops the consumer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

from google.protobuf.message import Message
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError
from opentelemetry import trace
from prometheus_client import Counter
from sqlalchemy import DateTime, Text, delete, func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from kontor.platform import telemetry
from kontor.platform.db import Base, Database
from kontor.platform.errors import InvalidArgument
from kontor.platform.events import CloudEvent, PoisonMessage, parse_event
from kontor.platform.streams import StreamSpec, dlq_subject

log = logging.getLogger(__name__)

HANDLED = Counter("kontor_consumer_messages_total", "Messages taken by consumers", ["consumer", "outcome"])

Handler = Callable[[AsyncSession, CloudEvent, Message], Awaitable[None]]


class InboxEntry(Base):
    __tablename__ = "inbox"

    consumer: Mapped[str] = mapped_column(Text, primary_key=True)
    event_id: Mapped[str] = mapped_column(Text, primary_key=True)
    handled_at = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)


@dataclass
class ConsumerSpec:
    """What one durable consumer listens to and how it handles each event type."""

    name: str  # durable name, e.g. "billing-clients"; also the DLQ subject suffix
    stream: StreamSpec  # ensured at start-up by consumers too, so start order does not matter
    handlers: dict[str, Handler]  # short event type -> handler
    filter_subjects: list[str] = field(default_factory=list)
    max_deliver: int = 5
    ack_wait_s: float = 30.0

    def subjects(self) -> list[str]:
        return self.filter_subjects or [f"kontor.*.{etype}" for etype in sorted(self.handlers)]


class EventConsumer:
    def __init__(self, db: Database, js: JetStreamContext, spec: ConsumerSpec, *, batch: int = 20):
        self._db = db
        self._js = js
        self.spec = spec
        self._batch = batch
        self._tracer = telemetry.tracer("kontor.consumer")

    async def _subscribe(self) -> JetStreamContext.PullSubscription:
        """Create the durable consumer once (idempotent), then bind to it."""
        subjects = self.spec.subjects()
        try:
            await self._js.consumer_info(self.spec.stream.name, self.spec.name)
        except NotFoundError:
            await self._js.add_consumer(
                self.spec.stream.name,
                ConsumerConfig(
                    durable_name=self.spec.name,
                    ack_policy=AckPolicy.EXPLICIT,
                    deliver_policy=DeliverPolicy.ALL,
                    ack_wait=self.spec.ack_wait_s,
                    # One more than the handler gets, so the last delivery is ours to dead-letter.
                    max_deliver=self.spec.max_deliver + 1,
                    filter_subjects=subjects,
                ),
            )
        return await self._js.pull_subscribe_bind(durable=self.spec.name, stream=self.spec.stream.name)

    async def run(self) -> None:
        while True:
            try:
                subscription = await self._subscribe()
                break
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - stream may not exist yet, NATS may be down
                log.warning("consumer cannot subscribe yet", extra={"consumer": self.spec.name, "error": repr(exc)})
                await asyncio.sleep(1.0)
        while True:
            try:
                messages = await subscription.fetch(self._batch, timeout=1.0)
            except (NatsTimeoutError, TimeoutError):
                continue  # nothing to fetch within the poll interval
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - e.g. NATS restarting; keep consuming afterwards
                log.warning("consumer fetch failed", extra={"consumer": self.spec.name, "error": repr(exc)})
                await asyncio.sleep(0.5)
                continue
            for msg in messages:
                try:
                    await self.handle(msg)
                except asyncio.CancelledError:
                    raise
                except Exception:  # noqa: BLE001 - e.g. ack or DLQ publish while NATS restarts
                    # Unacknowledged, so JetStream redelivers it after ack_wait.
                    log.exception("message left for redelivery", extra={"consumer": self.spec.name})

    async def handle(self, msg: Msg) -> None:
        """Handle one message; never raises (a failure is a nak, a dead-letter, or logged)."""
        parent = telemetry.extract_context(msg.headers)
        with self._tracer.start_as_current_span(
            f"consume {msg.subject}", context=parent, kind=trace.SpanKind.CONSUMER,
            attributes={"messaging.system": "nats", "messaging.consumer.group.name": self.spec.name},
        ):
            try:
                event, data = parse_event(msg.data, msg.subject)
            except PoisonMessage as exc:
                await self._dead_letter(msg, str(exc))
                return
            handler = self.spec.handlers.get(event.short_type)
            if handler is None:
                HANDLED.labels(self.spec.name, "ignored").inc()
                await msg.ack()
                return
            try:
                handled = await self._handle_once(event, data, handler)
            except asyncio.CancelledError:
                raise
            except (PoisonMessage, InvalidArgument) as exc:
                # Well-formed but unacceptable to the handler: retrying cannot help.
                await self._dead_letter(msg, f"rejected by handler: {exc}")
                return
            except Exception as exc:  # noqa: BLE001 - handler bugs must not stop the consumer
                await self._retry_or_dead_letter(msg, exc)
                return
            HANDLED.labels(self.spec.name, "handled" if handled else "duplicate").inc()
            await msg.ack()

    async def _handle_once(self, event: CloudEvent, data: Message, handler: Handler) -> bool:
        async with self._db.unit_of_work(event.tenantid) as session:
            inserted = await session.scalar(
                insert(InboxEntry)
                .values(consumer=self.spec.name, event_id=event.id)
                .on_conflict_do_nothing()
                .returning(InboxEntry.event_id)
            )
            if inserted is None:
                return False
            await handler(session, event, data)
            return True

    async def _retry_or_dead_letter(self, msg: Msg, exc: Exception) -> None:
        delivered = msg.metadata.num_delivered if msg.metadata else 1
        if delivered >= self.spec.max_deliver:
            await self._dead_letter(msg, f"handler failed {delivered} times; last error: {exc!r}")
            return
        log.warning("handler failed; will retry", extra={"consumer": self.spec.name, "attempt": delivered,
                                                          "error": repr(exc)})
        HANDLED.labels(self.spec.name, "retried").inc()
        await msg.nak(delay=min(2 ** delivered, 60))

    async def _dead_letter(self, msg: Msg, reason: str) -> None:
        seq = msg.metadata.sequence.stream if msg.metadata else 0
        log.error("dead-lettering message", extra={"consumer": self.spec.name, "subject": msg.subject,
                                                   "reason": reason})
        await self._js.publish(
            dlq_subject(self.spec.name),
            msg.data,
            headers={
                "Kontor-Dlq-Reason": reason[:1000],
                "Kontor-Dlq-Subject": msg.subject,
                "Kontor-Dlq-Consumer": self.spec.name,
                "Kontor-Dlq-Stream-Seq": str(seq),
                # A crash after this publish but before the ack must not dead-letter twice.
                "Nats-Msg-Id": f"dlq:{self.spec.name}:{self.spec.stream.name}:{seq}",
            },
        )
        HANDLED.labels(self.spec.name, "dead_lettered").inc()
        await msg.ack()


async def prune_inbox(db: Database, *, older_than: timedelta) -> int:
    async with db.unit_of_work(None) as session:
        result = await session.execute(delete(InboxEntry).where(InboxEntry.handled_at < func.now() - older_than))
        return result.rowcount or 0
