"""NATS connection with endless reconnects, for services that must ride out a NATS restart."""

from __future__ import annotations

import asyncio
import logging

import nats
from nats.aio.client import Client

log = logging.getLogger(__name__)


async def connect(url: str, *, name: str, retry_initial: bool = True) -> Client:
    """Connect, retrying the first connection too (NATS may start after us)."""

    async def on_error(exc: Exception) -> None:
        log.warning("nats error", extra={"error": str(exc)})

    async def on_disconnect() -> None:
        # Also fired by our own close() at shutdown; a real outage shows up as
        # error_cb warnings while reconnecting.
        log.info("nats disconnected")

    async def on_reconnect() -> None:
        log.info("nats reconnected")

    delay = 0.2
    while True:
        try:
            return await nats.connect(
                servers=url.split(","),
                name=name,
                max_reconnect_attempts=-1,
                reconnect_time_wait=0.5,
                connect_timeout=2,
                error_cb=on_error,
                disconnected_cb=on_disconnect,
                reconnected_cb=on_reconnect,
            )
        except Exception as exc:  # noqa: BLE001 - any failure to connect means: wait and retry
            if not retry_initial:
                raise
            log.warning("nats not reachable; retrying", extra={"error": str(exc), "retry_in_s": delay})
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)
