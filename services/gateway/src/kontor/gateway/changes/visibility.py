"""Which changes one caller may see: contacts' Permission API decides, asked with the caller's token.

The gateway never judges visibility itself. It asks ``CheckAccess(read, record)``; only ``allowed`` lets a
change through (``not_found``: invisible, ``no_right``: the role may not read it). A deletion is judged
with ``include_deleted``, by contacts' rules applied to the deleted record, so exactly the users who
could see the record learn that it is gone, and nobody learns of records they never could see.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from kontor.platform.grpc_client import call
from kontor.protos.contacts.v1 import access_pb2

from kontor.gateway.changes.records import Change

MAX_CACHED = 2048


class Visibility:
    """Per connection. Answers are reused for ``ttl_s`` (a few seconds): an import, a bulk update or
    create-then-update bursts many events about the same record, and one question serves them all;
    kept short because assignments, substitutions and access levels change who may see a record."""

    def __init__(self, access_stub, token: str, *, ttl_s: float, clock: Callable[[], float] = time.monotonic):
        self._stub = access_stub
        self._metadata = (("authorization", f"Bearer {token}"),)
        self._ttl_s = ttl_s
        self._clock = clock
        self._answers: OrderedDict[tuple[str, str], tuple[bool, float]] = OrderedDict()

    async def may_see(self, change: Change) -> bool:
        key = (change.record_type, change.record_id)
        now = self._clock()
        cached = self._answers.get(key)
        # A "no" about a live record says nothing about who could see it when deleted: ask again then.
        if cached is not None and cached[1] > now and (cached[0] or not change.deleted):
            return cached[0]
        request = access_pb2.CheckAccessRequest(
            action="read", resource=access_pb2.RecordRef(type=change.record_type, id=change.record_id),
            include_deleted=change.deleted)
        answer = await call(self._stub.CheckAccess, request, metadata=self._metadata)
        self._remember(key, answer.allowed, now)
        return answer.allowed

    def _remember(self, key: tuple[str, str], allowed: bool, now: float) -> None:
        if self._ttl_s <= 0:
            return
        self._answers[key] = (allowed, now + self._ttl_s)
        self._answers.move_to_end(key)
        while len(self._answers) > MAX_CACHED:
            self._answers.popitem(last=False)
