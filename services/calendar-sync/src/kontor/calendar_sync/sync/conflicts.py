"""Three-way merge per field, and the conflict record.

Each side is compared with its own state at the last sync (field hashes). Fields only one side changed
go to the other side; fields both changed are a conflict the connector's policy decides (newest wins by
default, CRM wins, groupware wins). Conflicts are recorded by field name, never by value.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from kontor.calendar_sync.sync.models import SyncConflict

POLICIES = ("newest_wins", "crm_wins", "groupware_wins")


def changed(base: dict[str, str], current: dict[str, str]) -> set[str]:
    """Fields whose hash differs from the base (a field missing from the base counts as changed)."""
    return {name for name, value in current.items() if base.get(name) != value}


@dataclass(frozen=True)
class Merge:
    to_crm: frozenset[str] = frozenset()  # take the groupware's value into the CRM
    to_remote: frozenset[str] = frozenset()  # push the CRM's value to the groupware
    conflicts: frozenset[str] = frozenset()  # changed on both sides (already split into the two sets above)
    winner: str = ""  # "crm" | "groupware" when there were conflicts
    notes: tuple[str, ...] = field(default_factory=tuple)


def merge(*, crm_changed: set[str], remote_changed: set[str], policy: str, crm_modified: datetime | None,
          remote_modified: datetime | None) -> Merge:
    both = crm_changed & remote_changed
    winner = ""
    if both:
        if policy == "crm_wins":
            winner = "crm"
        elif policy == "groupware_wins":
            winner = "groupware"
        else:  # newest wins; a tie or an unknown time goes to the groupware (what the user last saw there)
            crm_newer = crm_modified is not None and (remote_modified is None or crm_modified > remote_modified)
            winner = "crm" if crm_newer else "groupware"
    to_crm = (remote_changed - both) | (both if winner == "groupware" else set())
    to_remote = (crm_changed - both) | (both if winner == "crm" else set())
    return Merge(frozenset(to_crm), frozenset(to_remote), frozenset(both), winner)


async def record(session: AsyncSession, *, connector_id: uuid.UUID, appointment_id: uuid.UUID | None, result: Merge,
                 policy: str) -> None:
    if not result.conflicts:
        return
    session.add(SyncConflict(id=uuid.uuid4(), connector_id=connector_id, appointment_id=appointment_id,
                             fields=sorted(result.conflicts), policy=policy, winner=result.winner))
