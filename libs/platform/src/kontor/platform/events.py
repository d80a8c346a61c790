"""The event contract: CloudEvents 1.0 JSON whose data is a proto message.

Event types come from the `(kontor.events.v1.event)` option on messages in
proto/kontor/events/v1, so code, docs/events.md and the wire agree. Subjects
are ``kontor.<tenant>.<type>``, e.g. ``kontor.<uuid>.contacts.company.created``.
"""

from __future__ import annotations

import importlib
import pkgutil
import uuid
from datetime import UTC, datetime
from functools import cache
from typing import Literal

from google.protobuf import json_format
from google.protobuf.message import Message
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kontor.protos.events import v1 as events_v1
from kontor.protos.events.v1 import options_pb2

SPEC_VERSION = "1.0"
TYPE_PREFIX = "kontor."


class PoisonMessage(Exception):
    """A message that can never be processed; it goes to the dead-letter stream."""


class CloudEvent(BaseModel):
    """The CloudEvents 1.0 envelope in its JSON format, with Kontor's extensions."""

    model_config = ConfigDict(extra="allow", frozen=True)

    specversion: Literal["1.0"]
    id: str = Field(min_length=1)
    source: str = Field(min_length=1)
    type: str = Field(pattern=r"^kontor\.[a-z0-9_]+\.[a-z0-9_]+\.[a-z0-9_]+$")
    subject: str | None = None
    time: datetime
    datacontenttype: Literal["application/json"] = "application/json"
    dataschema: str | None = None
    tenantid: uuid.UUID
    traceparent: str | None = None
    data: dict

    @property
    def short_type(self) -> str:
        return self.type.removeprefix(TYPE_PREFIX)


def event_type_of(message: Message | type[Message]) -> str:
    options = message.DESCRIPTOR.GetOptions()
    if not options.HasExtension(options_pb2.event):
        raise TypeError(f"{message.DESCRIPTOR.full_name} has no (kontor.events.v1.event) option")
    return options.Extensions[options_pb2.event].type


@cache
def registry() -> dict[str, type[Message]]:
    """Every event type in proto/kontor/events/v1 mapped to its message class."""
    types: dict[str, type[Message]] = {}
    for info in pkgutil.iter_modules(events_v1.__path__):
        if not info.name.endswith("_pb2"):
            continue
        module = importlib.import_module(f"{events_v1.__name__}.{info.name}")
        for name in module.DESCRIPTOR.message_types_by_name:
            cls = getattr(module, name)
            if cls.DESCRIPTOR.GetOptions().HasExtension(options_pb2.event):
                types[event_type_of(cls)] = cls
    return types


def subject_for(tenant_id: uuid.UUID, event_type: str) -> str:
    return f"kontor.{tenant_id}.{event_type}"


def build_event(
    message: Message, *, tenant_id: uuid.UUID, producer: str, subject: str | None, traceparent: str | None = None
) -> CloudEvent:
    event_type = event_type_of(message)
    return CloudEvent(
        specversion=SPEC_VERSION,
        id=str(uuid.uuid4()),
        source=f"/kontor/{producer}",
        type=TYPE_PREFIX + event_type,
        subject=subject,
        time=datetime.now(UTC),
        dataschema=f"proto:{message.DESCRIPTOR.full_name}",
        tenantid=tenant_id,
        traceparent=traceparent,
        data=json_format.MessageToDict(message),
    )


def parse_event(raw: bytes, nats_subject: str) -> tuple[CloudEvent, Message]:
    """Validate envelope, subject and data; raise PoisonMessage saying what is wrong."""
    try:
        event = CloudEvent.model_validate_json(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise PoisonMessage(f"invalid CloudEvent: {where}: {first['msg']}") from None
    expected = subject_for(event.tenantid, event.short_type)
    if nats_subject != expected:
        raise PoisonMessage(f"subject {nats_subject!r} does not match tenantid/type (expected {expected!r})")
    message_cls = registry().get(event.short_type)
    if message_cls is None:
        raise PoisonMessage(f"unknown event type {event.type!r}")
    try:
        data = json_format.ParseDict(event.data, message_cls())
    except json_format.ParseError as exc:
        raise PoisonMessage(f"data does not match {message_cls.DESCRIPTOR.full_name}: {exc}") from None
    return event, data
