"""Shared by the gRPC servicers of mail-import: rights-checked units of work, the caller, small translations.

    async with authorised(db, contacts, "mail_account", "read") as (session, caller):
        ...   # caller.principal, caller.sight, await caller.team_ids(), await caller.is_manager()

The role right is contacts' (AccessService.CheckRight, tenant overrides included; PERMISSION_DENIED without it);
the record rules (own and team mailboxes, visible records) are mail-import's, asked of ``Caller``.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.auth import Principal, current_principal
from kontor.platform.contacts_access import Sight
from kontor.platform.db import Database
from kontor.platform.errors import InvalidArgument

from kontor.mail_import.contacts_client import ContactsClient


@dataclass
class Caller:
    """Who calls, and what contacts says about them, asked lazily and cached for this one request."""

    principal: Principal
    sight: Sight
    contacts: ContactsClient = field(repr=False)
    _team_ids: set[uuid.UUID] | None = field(default=None, repr=False)

    @property
    def user_id(self) -> uuid.UUID | None:
        """The calling user's id; None for a caller that is no user (a service)."""
        try:
            return uuid.UUID(self.principal.subject)
        except ValueError:
            return None

    async def is_manager(self) -> bool:
        """Managers see every record of the tenant (contacts' visibility answers "all"), hence every mailbox."""
        return await self.sight.sees_everything()

    async def team_ids(self) -> set[uuid.UUID]:
        """The teams the caller belongs to (contacts UserService.GetUser of themselves), asked once per request."""
        if self._team_ids is None:
            user_id = self.user_id
            self._team_ids = await self.contacts.my_team_ids(str(user_id)) if user_id else set()
        return self._team_ids

    async def team_exists(self, team_id: uuid.UUID) -> bool:
        """A team of the caller's tenant; another tenant's team id is as unknown as a made-up one."""
        return team_id in await self.contacts.tenant_team_ids()

    async def user_exists(self, user_id: uuid.UUID) -> bool:
        """A CRM user of the caller's tenant (UserService.GetUser: managers read anyone's account)."""
        return await self.contacts.access.user_email(user_id) is not None


@asynccontextmanager
async def authorised(db: Database, contacts: ContactsClient, entity_type: str, action: str,
                     ) -> AsyncIterator[tuple[AsyncSession, Caller]]:
    """Ask contacts for the caller's role right (PERMISSION_DENIED when missing), then one unit of work in the
    caller's tenant (committed when the block ends without an exception)."""
    principal = current_principal()
    await contacts.require_right(entity_type, action)
    async with db.unit_of_work(principal.tenant_id) as session:
        yield session, Caller(principal=principal, sight=contacts.sight(), contacts=contacts)


def timestamp(value: datetime | None) -> Timestamp | None:
    """``value`` as a protobuf Timestamp (UTC); None stays None (an unset message field)."""
    if value is None:
        return None
    ts = Timestamp()
    ts.FromDatetime(value.astimezone(UTC))
    return ts


def instant(value: Timestamp, field_name: str, *, required: bool = True) -> datetime | None:
    if not value.seconds and not value.nanos:
        if required:
            raise InvalidArgument(field_name, "is required: an instant with its offset, e.g. "
                                              "2026-03-02T09:00:00+01:00")
        return None
    return value.ToDatetime(tzinfo=UTC)
