"""Optimistic versions of records people edit: a change names the version it was made on (gRPC
``expected_version``, HTTP If-Match / ETag) and is refused when someone changed the record meanwhile."""

from __future__ import annotations

import uuid

from kontor.platform.errors import Conflict, InvalidArgument


def check_version(*, what: str, record_id: uuid.UUID, current: int, expected: int) -> None:
    """InvalidArgument naming ``expected_version`` when it is not sent (0), Conflict when the record has moved on."""
    if expected <= 0:
        raise InvalidArgument("expected_version", "send the version you last read (the ETag) so nobody's "
                                                  "change is overwritten")
    if current != expected:
        raise Conflict(f"{what} {record_id} is at version {current}, not {expected}: someone changed it "
                       "meanwhile; read it again and reapply your change")
