"""A background sync round run as its mailbox's owner, so attendees resolve through contacts.

Beat and "sync now" rounds run in Celery without a caller. ``OwnerRounds.round`` looks up the mailbox's owner
(``ConnectorSettings.user_id``: the user for a personal mailbox, the registering user for another calendar),
gets the owner's delegated token (``delegation.py``), and for the round's task sets the people directory to
connector mailboxes, then contacts (``ContactsPeople``), asked with that token. contacts therefore applies the
owner's rights: a contact person the owner may not see stays an external attendee.

The owner's principal is set around each contacts call, fresh from the token cache, so a round that outlasts
one token never sends an expired one. When no token can be had (not configured, gateway down, owner
deactivated), the round still runs with connector mailboxes only and a warning is logged: attendees it cannot
place are kept on the groupware side (``attendees.py``), so nothing is lost.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import grpc
from sqlalchemy import select

from kontor.platform import auth
from kontor.platform.db import Database
from kontor.platform.delegation import DelegatedTokens
from kontor.platform.errors import DomainError

from kontor.calendar_sync.connectors.models import ConnectorSettings
from kontor.calendar_sync.sync import people
from kontor.calendar_sync.sync.contacts_people import ContactsPeople

log = logging.getLogger(__name__)

CLIENT = "calendar-sync"  # our client name at the gateway's TokenService (the delegated token's actor)


class AsOwner:
    """A ``people.ContactsLookup`` whose every call carries the owner's current token."""

    def __init__(self, lookup: people.ContactsLookup, principal: Callable[[], Awaitable[auth.Principal]]) -> None:
        self._lookup = lookup
        self._principal = principal

    async def _as_owner(self, ask, arg, empty):
        try:
            principal = await self._principal()
        except DomainError as exc:
            log.warning("owner token unavailable mid-round; unresolved addresses stay external",
                        extra={"error": type(exc).__name__})
            return empty
        token = auth.set_principal(principal)
        try:
            return await ask(arg)
        finally:
            auth.reset_principal(token)

    async def users_by_email(self, addresses: set[str]) -> dict[str, uuid.UUID]:
        return await self._as_owner(self._lookup.users_by_email, addresses, {})

    async def user_emails(self, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
        return await self._as_owner(self._lookup.user_emails, ids, {})

    async def persons_by_email(self, addresses: set[str]) -> dict[str, uuid.UUID]:
        return await self._as_owner(self._lookup.persons_by_email, addresses, {})

    async def person_emails(self, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
        return await self._as_owner(self._lookup.person_emails, ids, {})


class OwnerRounds:
    """Opens rounds as their mailbox's owner. ``tokens`` None: background identity is not configured."""

    def __init__(self, db: Database, tokens: DelegatedTokens | None, contacts: grpc.aio.Channel | None) -> None:
        self._db = db
        self._tokens = tokens
        self._contacts = contacts

    @contextlib.asynccontextmanager
    async def round(self, *, tenant_id: uuid.UUID, connector_id: uuid.UUID) -> AsyncIterator[bool]:
        """Yields True when the round resolves through contacts, False when by connector mailboxes only."""
        directory = await self._owner_directory(tenant_id, connector_id)
        if directory is None:
            yield False
            return
        with people.for_round(directory):
            yield True

    async def _owner_directory(self, tenant_id: uuid.UUID, connector_id: uuid.UUID) -> people.PeopleDirectory | None:
        if self._tokens is None or self._contacts is None:
            return None  # not configured: sync/tasks.py warned once at start
        async with self._db.unit_of_work(tenant_id) as session:
            owner = await session.scalar(select(ConnectorSettings.user_id).where(ConnectorSettings.id == connector_id))
        if owner is None:
            return None  # gone: the round skips it anyway
        tokens = self._tokens

        async def principal() -> auth.Principal:
            return await tokens.principal(tenant_id, owner)

        try:
            await principal()  # now, so a refusal falls back before the round starts
        except DomainError as exc:
            log.warning("no token for the mailbox owner: attendees resolve by connector mailboxes only",
                        extra={"connector_id": str(connector_id), "error": type(exc).__name__})
            return None
        return people.Chain(people.MailboxDirectory(),
                            people.ContactsDirectory(AsOwner(ContactsPeople(self._contacts), principal)))
