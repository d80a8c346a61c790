"""JetStream streams, created idempotently at start-up.

One stream per producing domain (``KONTOR_CONTACTS`` holds ``kontor.*.contacts.>``)
so retention and replicas can be tuned per domain, plus ``KONTOR_DLQ`` for
messages a consumer gave up on. Dead letters live under ``kontor-dlq.<consumer>``,
outside ``kontor.>``, because JetStream refuses streams whose subjects overlap
(``kontor.dlq.x`` would also match ``kontor.*.contacts.>`` for a consumer named "contacts...").
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError, NotFoundError

log = logging.getLogger(__name__)

DLQ_STREAM = "KONTOR_DLQ"
# How long JetStream remembers a Nats-Msg-Id. A relay that crashed between
# publish and marking the row re-publishes within this window and is dropped.
DUPLICATE_WINDOW_S = 15 * 60
DAY_S = 24 * 3600


@dataclass(frozen=True)
class StreamSpec:
    name: str
    subjects: tuple[str, ...]
    max_age_s: int = 30 * DAY_S
    replicas: int = 1

    def config(self) -> StreamConfig:
        return StreamConfig(
            name=self.name,
            subjects=list(self.subjects),
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            discard=DiscardPolicy.OLD,
            max_age=self.max_age_s,
            duplicate_window=DUPLICATE_WINDOW_S,
            num_replicas=self.replicas,
        )


def domain_stream(domain: str) -> StreamSpec:
    return StreamSpec(name=f"KONTOR_{domain.upper().replace('-', '_')}", subjects=(f"kontor.*.{domain}.>",))


def dlq_stream() -> StreamSpec:
    return StreamSpec(name=DLQ_STREAM, subjects=("kontor-dlq.>",), max_age_s=90 * DAY_S)


def dlq_subject(consumer: str) -> str:
    return f"kontor-dlq.{consumer}"


async def ensure_streams(js: JetStreamContext, specs: list[StreamSpec]) -> None:
    for spec in specs:
        wanted = spec.config()
        try:
            info = await js.stream_info(spec.name)
        except NotFoundError:
            try:
                await js.add_stream(wanted)
                log.info("created stream", extra={"stream": spec.name})
            except BadRequestError as exc:
                # Another replica created it between our lookup and our add.
                if exc.err_code != 10058:  # stream name already in use
                    raise
            continue
        if set(info.config.subjects or []) != set(wanted.subjects) or info.config.max_age != wanted.max_age:
            await js.update_stream(wanted)
            log.info("updated stream", extra={"stream": spec.name})
