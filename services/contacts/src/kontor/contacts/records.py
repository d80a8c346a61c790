"""Conventions every user-edited record of contacts shares: optimistic versions, soft delete, duplicate errors."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.errors import AlreadyExists, Conflict, InvalidArgument, NotFound

# gRPC trailing metadata key that carries the id of the record a create collided with.
EXISTING_ID_METADATA = "kontor-existing-id"


def require_expected_version(expected_version: int, field: str = "expected_version") -> int:
    if expected_version <= 0:
        raise InvalidArgument(field, "send the version you last read (the ETag) so nobody's change is overwritten")
    return expected_version


def check_version(*, what: str, record_id: uuid.UUID, current: int, expected: int) -> None:
    if current != expected:
        raise Conflict(f"{what} {record_id} is at version {current}, not {expected}: someone changed it "
                       "meanwhile; read it again and reapply your change")


async def lock_for_change(
    session: AsyncSession, visible: Select, *, entity: type, what: str, record_id: uuid.UUID,
    expected_version: int, version_required: bool = True,
) -> Any:
    """The record ``visible`` selects, row-locked until commit, so the version check and the write are atomic.

    NotFound when the caller cannot see it; Conflict when it is not at ``expected_version``
    (0 skips the check where ``version_required`` is false).
    """
    if version_required:
        require_expected_version(expected_version)
    record = await session.scalar(visible.with_for_update(of=entity))
    if record is None:
        raise NotFound(f"{what} {record_id} not found")
    if expected_version:
        check_version(what=what, record_id=record_id, current=record.version, expected=expected_version)
    return record


def soft_delete(record: Any) -> None:
    """Keep the row (history, links, audit); ``deleted_at`` hides it from every read."""
    record.deleted_at = datetime.now(UTC)
    record.version += 1


def duplicate_error(*, what: str, existing_id: uuid.UUID, reason: str, visible: bool = True) -> AlreadyExists:
    """An AlreadyExists that carries the id of the existing record (the gRPC edge forwards it).

    Only when the caller may see that record: for an invisible one the create is still refused (the record
    must not be duplicated just because its owner is away) but neither the message nor the metadata name it;
    the caller asks a manager (docs/access.md, "Duplicates of records you cannot see")."""
    if not visible:
        error = AlreadyExists(f"a similar {what} with {reason} exists that you cannot see; ask your manager, "
                              "or send confirm_duplicate=true to create another one")
        error.existing_id = None
        return error
    error = AlreadyExists(f"a {what} with {reason} exists already ({existing_id}); "
                          "open it, or send confirm_duplicate=true to create another one")
    error.existing_id = existing_id
    return error
