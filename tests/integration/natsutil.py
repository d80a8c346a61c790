"""Reading JetStream streams from tests."""

from __future__ import annotations

import nats
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy


async def read_stream(nats_url: str, stream: str, subject: str, max_messages: int = 10_000) -> list:
    """Every message of ``stream`` on ``subject`` (wildcards allowed), oldest first."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        sub = await js.pull_subscribe(
            subject, stream=stream,
            config=ConsumerConfig(ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL,
                                  inactive_threshold=30),
        )
        messages = []
        while len(messages) < max_messages:
            try:
                batch = await sub.fetch(100, timeout=1)
            except (NatsTimeoutError, TimeoutError):  # nats-py raises either, depending on timing
                break
            messages.extend(batch)
        await sub.unsubscribe()
        return messages
    finally:
        await nc.close()


async def publish_raw(nats_url: str, subject: str, payload: bytes, headers: dict | None = None) -> None:
    nc = await nats.connect(nats_url)
    try:
        await nc.jetstream().publish(subject, payload, headers=headers)
    finally:
        await nc.close()
