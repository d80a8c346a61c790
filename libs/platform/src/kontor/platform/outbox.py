"""Transactional outbox: events are rows written with the state change they describe.

``add_event`` inserts the row inside the caller's unit of work, so an event
exists exactly when its change committed. ``OutboxRelay`` publishes unpublished
rows to JetStream with ``Nats-Msg-Id`` = event id and then marks them. A relay
that dies between the two re-publishes on restart; JetStream drops the
duplicate inside the stream's duplicate window, so subscribers see it once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from google.protobuf.message import Message
from nats.js import JetStreamContext
from opentelemetry import trace
from prometheus_client import Counter, Gauge
from sqlalchemy import DateTime, Integer, Text, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from kontor.platform import telemetry
from kontor.platform.db import Base, Database
from kontor.platform.events import CloudEvent, build_event, subject_for

log = logging.getLogger(__name__)

PUBLISHED = Counter("kontor_outbox_published_total", "Events published by the outbox relay", ["service"])
DUPLICATES = Counter(
    "kontor_outbox_duplicates_total", "Re-publishes JetStream recognised as duplicates", ["service"]
)
FAILURES = Counter("kontor_outbox_publish_failures_total", "Failed publish attempts", ["service"])
LAG = Gauge("kontor_outbox_oldest_unpublished_seconds", "Age of the oldest unpublished event", ["service"])


class OutboxEvent(Base):
    __tablename__ = "outbox"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(nullable=False)
    subject: Mapped[str] = mapped_column(Text, nullable=False)
    event_type: Mapped[str] = mapped_column(Text, nullable=False)
    payload: Mapped[dict] = mapped_column(JSONB, nullable=False)
    headers: Mapped[dict] = mapped_column(JSONB, nullable=False, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


async def add_event(
    session: AsyncSession, message: Message, *, tenant_id: uuid.UUID, producer: str, subject: str | None
) -> CloudEvent:
    """Record ``message`` as an event of ``tenant_id`` in the current transaction."""
    headers = dict(telemetry.inject_headers())
    event = build_event(
        message, tenant_id=tenant_id, producer=producer, subject=subject, traceparent=headers.get("traceparent")
    )
    session.add(
        OutboxEvent(
            id=uuid.UUID(event.id),
            tenant_id=tenant_id,
            subject=subject_for(tenant_id, event.short_type),
            event_type=event.type,
            payload=json.loads(event.model_dump_json(exclude_none=True)),
            headers=headers,
        )
    )
    return event


async def add_events(
    session: AsyncSession, messages: Iterable[tuple[Message, str | None]], *, tenant_id: uuid.UUID, producer: str
) -> list[CloudEvent]:
    """``add_event`` for many (message, subject) pairs, inserted now in multi-row INSERTs (``add_event`` leaves
    its row to the session's flush), for callers that publish an event per row of a large batch."""
    headers = dict(telemetry.inject_headers())
    events, rows = [], []
    for message, subject in messages:
        event = build_event(
            message, tenant_id=tenant_id, producer=producer, subject=subject, traceparent=headers.get("traceparent")
        )
        events.append(event)
        rows.append({
            "id": uuid.UUID(event.id), "tenant_id": tenant_id, "subject": subject_for(tenant_id, event.short_type),
            "event_type": event.type, "payload": json.loads(event.model_dump_json(exclude_none=True)),
            "headers": headers, "attempts": 0,
        })
    if rows:
        await session.execute(insert(OutboxEvent.__table__), rows)  # Core executemany: one compiled statement
    return events


class OutboxRelay:
    def __init__(self, db: Database, js: JetStreamContext, *, service: str, poll_interval_s: float = 0.5,
                 batch_size: int = 100):
        self._db = db
        self._js = js
        self._service = service
        self._poll_interval_s = poll_interval_s
        self._batch_size = batch_size
        self._tracer = telemetry.tracer("kontor.outbox")

    async def run(self) -> None:
        """Relay forever; back off while NATS or the database is unavailable."""
        backoff = self._poll_interval_s
        while True:
            try:
                published = await self.relay_once()
                backoff = self._poll_interval_s
                if published == 0:
                    await asyncio.sleep(self._poll_interval_s)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the relay must outlive any outage
                FAILURES.labels(self._service).inc()
                log.warning("outbox relay failed; retrying", extra={"error": repr(exc), "retry_in_s": backoff})
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)

    async def relay_once(self) -> int:
        """Publish one batch. Rows stay locked (SKIP LOCKED) so parallel relays never share a row."""
        async with self._db.unit_of_work(None) as session:
            rows = (
                await session.scalars(
                    select(OutboxEvent)
                    .where(OutboxEvent.published_at.is_(None))
                    .order_by(OutboxEvent.created_at, OutboxEvent.id)
                    .limit(self._batch_size)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if not rows:
                LAG.labels(self._service).set(0)
                return 0
            LAG.labels(self._service).set(
                max(0.0, (datetime.now(rows[0].created_at.tzinfo) - rows[0].created_at).total_seconds())
            )
            for row in rows:
                await self._publish(row)
            await self._mark_published(session, [row.id for row in rows])
            return len(rows)

    async def _publish(self, row: OutboxEvent) -> None:
        parent = telemetry.extract_context(row.headers)
        with self._tracer.start_as_current_span(
            f"publish {row.event_type}", context=parent, kind=trace.SpanKind.PRODUCER,
            attributes={"messaging.system": "nats", "messaging.destination.name": row.subject,
                        "messaging.message.id": str(row.id)},
        ):
            headers = {**row.headers, **telemetry.inject_headers(), "Nats-Msg-Id": str(row.id)}
            ack = await self._js.publish(
                row.subject, json.dumps(row.payload, separators=(",", ":")).encode(), headers=headers, timeout=5
            )
        if ack.duplicate:
            DUPLICATES.labels(self._service).inc()
        PUBLISHED.labels(self._service).inc()

    async def _mark_published(self, session: AsyncSession, ids: list[uuid.UUID]) -> None:
        await session.execute(
            update(OutboxEvent).where(OutboxEvent.id.in_(ids)).values(published_at=func.now(),
                                                                     attempts=OutboxEvent.attempts + 1)
        )


async def prune_published(db: Database, *, older_than: timedelta) -> int:
    """Delete published rows past retention; unpublished rows are never deleted."""
    async with db.unit_of_work(None) as session:
        result = await session.execute(
            delete(OutboxEvent).where(
                OutboxEvent.published_at.is_not(None), OutboxEvent.published_at < func.now() - older_than
            )
        )
        return result.rowcount or 0
