"""Who an e-mail address is in the CRM, and which address a CRM participant has: the directory behind
attendees ↔ participants.

A participant is an employee (a CRM user, by their contacts user id) or a contact person (contacts'
person id). ``PeopleDirectory`` answers both directions for a batch, so one sync round asks once:

* ``MailboxDirectory`` (always on, no network): employees by the mailbox of their personal connector
  (``connector_settings``; a user with mailboxes on several servers answers the oldest one);
* ``ContactsDirectory``: users' e-mail addresses and contact persons' addresses through contacts'
  gRPC API (``contacts_people.ContactsPeople``), for services that run with a caller's token;
* ``Chain`` asks them in order; the first answer wins (a connector mailbox beats a user's login address).

An address nobody knows is an external attendee: the CRM's participant model has no kind for it, so it is
not stored; it stays on the groupware event and is kept there when the CRM pushes its participants (see
``attendees.py``). ``current()`` is the directory the engine uses; ``use()`` swaps it (startup, tests),
``for_round()`` sets it for one task (a scheduled round as its mailbox's owner, ``as_owner.py``).
"""

from __future__ import annotations

import contextlib
import contextvars
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.calendar_sync.connectors.models import ConnectorSettings


@dataclass(frozen=True)
class PersonRef:
    kind: str  # "employee" | "contact_person"
    id: uuid.UUID

    @classmethod
    def of(cls, participant: dict) -> PersonRef:
        return cls(participant["kind"], uuid.UUID(str(participant["id"])))


def key(address: str) -> str:
    return address.strip().lower()


class PeopleDirectory(Protocol):
    async def resolve(self, session: AsyncSession, addresses: Iterable[str]) -> dict[str, PersonRef]:
        """Lower-cased address → person, for the addresses it knows."""

    async def addresses(self, session: AsyncSession, refs: Iterable[PersonRef]) -> dict[PersonRef, str]:
        """Person → the address to invite, for the people it knows."""


class MailboxDirectory:
    """Employees by their personal connector's mailbox (this tenant's rows, under row-level security)."""

    async def resolve(self, session: AsyncSession, addresses: Iterable[str]) -> dict[str, PersonRef]:
        wanted = {key(a) for a in addresses if a}
        if not wanted:
            return {}
        rows = await session.execute(select(ConnectorSettings.mailbox_key, ConnectorSettings.user_id)
                                     .where(ConnectorSettings.kind == "personal",
                                            ConnectorSettings.mailbox_key.in_(wanted)))
        return {mailbox: PersonRef("employee", user_id) for mailbox, user_id in rows}

    async def addresses(self, session: AsyncSession, refs: Iterable[PersonRef]) -> dict[PersonRef, str]:
        users = {r.id for r in refs if r.kind == "employee"}
        if not users:
            return {}
        rows = await session.execute(select(ConnectorSettings.user_id, ConnectorSettings.mailbox)
                                     .where(ConnectorSettings.kind == "personal",
                                            ConnectorSettings.user_id.in_(users))
                                     .order_by(ConnectorSettings.created_at.desc()))
        return {PersonRef("employee", user_id): mailbox for user_id, mailbox in rows}  # the oldest wins


class ContactsLookup(Protocol):
    """What the contacts service tells about addresses (``contacts_people.ContactsPeople`` over gRPC)."""

    async def users_by_email(self, addresses: set[str]) -> dict[str, uuid.UUID]: ...

    async def user_emails(self, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]: ...

    async def persons_by_email(self, addresses: set[str]) -> dict[str, uuid.UUID]: ...

    async def person_emails(self, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]: ...


class ContactsDirectory:
    """Users and contact persons as contacts knows them. A user's login address beats a person's."""

    def __init__(self, lookup: ContactsLookup) -> None:
        self.lookup = lookup

    async def resolve(self, session: AsyncSession, addresses: Iterable[str]) -> dict[str, PersonRef]:
        wanted = {key(a) for a in addresses if a}
        if not wanted:
            return {}
        found = {a: PersonRef("employee", i) for a, i in (await self.lookup.users_by_email(wanted)).items()}
        rest = wanted - set(found)
        if rest:
            found |= {a: PersonRef("contact_person", i)
                      for a, i in (await self.lookup.persons_by_email(rest)).items()}
        return {key(a): ref for a, ref in found.items()}

    async def addresses(self, session: AsyncSession, refs: Iterable[PersonRef]) -> dict[PersonRef, str]:
        refs = set(refs)
        users = {r.id for r in refs if r.kind == "employee"}
        persons = {r.id for r in refs if r.kind == "contact_person"}
        out: dict[PersonRef, str] = {}
        if users:
            out |= {PersonRef("employee", i): a for i, a in (await self.lookup.user_emails(users)).items()}
        if persons:
            out |= {PersonRef("contact_person", i): a for i, a in (await self.lookup.person_emails(persons)).items()}
        return out


class Chain:
    def __init__(self, *directories: PeopleDirectory) -> None:
        self.directories = directories

    async def resolve(self, session: AsyncSession, addresses: Iterable[str]) -> dict[str, PersonRef]:
        rest, out = {key(a) for a in addresses if a}, {}
        for directory in self.directories:
            if not rest:
                break
            found = await directory.resolve(session, rest)
            out |= found
            rest -= set(found)
        return out

    async def addresses(self, session: AsyncSession, refs: Iterable[PersonRef]) -> dict[PersonRef, str]:
        rest, out = set(refs), {}
        for directory in self.directories:
            if not rest:
                break
            found = await directory.addresses(session, rest)
            out |= found
            rest -= set(found)
        return out


_current: PeopleDirectory = MailboxDirectory()
# One round's own directory (a scheduled round as the mailbox's owner, ``sync/as_owner.py``); per task, so
# rounds of different owners never see each other's. Unset: the process-wide one above.
_round: contextvars.ContextVar[PeopleDirectory | None] = contextvars.ContextVar("kontor_round_people", default=None)


def current() -> PeopleDirectory:
    return _round.get() or _current


@contextlib.contextmanager
def for_round(directory: PeopleDirectory) -> Iterator[PeopleDirectory]:
    """Use ``directory`` in this task until the block ends; other tasks keep theirs."""
    token = _round.set(directory)
    try:
        yield directory
    finally:
        _round.reset(token)


@contextlib.contextmanager
def use(directory: PeopleDirectory) -> Iterator[PeopleDirectory]:
    """Use ``directory`` for people lookups until the block ends (tests; a service sets it at startup)."""
    global _current
    previous, _current = _current, directory
    try:
        yield directory
    finally:
        _current = previous
