"""Who may see a CRM mail (issue 5, "Rights"; docs/mail-import.md, "Filing").

A caller sees a mail when
* contacts says they see every record (managers: ``Sight.sees_everything``), or
* one of its links in force names a record they may see: companies and contact persons as contacts judges
  them (``Sight``); deals and projects have no record rules yet, so such a link counts for anyone holding
  the "mail" read right (the edge checked it before), or
* it was imported from a mailbox they use (accounts/service.py ``usable_account_ids``: their personal
  account, or a shared account of one of their teams; managers use every account).
Anything else answers NOT_FOUND, exactly like a mail of another tenant.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.auth import Principal
from kontor.platform.contacts_access import Sight
from kontor.platform.errors import NotFound

from kontor.mail_import.accounts import service as accounts_service
from kontor.mail_import.accounts.models import MailAccount
from kontor.mail_import.contacts_client import ContactsClient
from kontor.mail_import.edge import Caller
from kontor.mail_import.mails import links as link_store
from kontor.mail_import.mails.models import Mail, MailboxReference, MailLink
from kontor.mail_import.mails.schemas import RecordRef


def user_id_of(principal: Principal) -> uuid.UUID | None:
    try:
        return uuid.UUID(principal.subject)
    except ValueError:
        return None  # a service subject uses no mailbox


class MailViewer:
    """What one caller may see of CRM mails; answers are cached for one request only."""

    def __init__(self, session: AsyncSession, *, principal: Principal, contacts: ContactsClient,
                 sight: Sight | None = None):
        self.session = session
        self.principal = principal
        self.contacts = contacts
        self.sight = sight or contacts.sight()
        self._caller = Caller(principal=principal, sight=self.sight, contacts=contacts)
        self._accounts: set[uuid.UUID] | None = None
        self._asked = False

    async def account_ids(self) -> set[uuid.UUID] | None:
        """The live accounts the caller uses; None: all of them (managers)."""
        if not self._asked:
            self._accounts = await accounts_service.usable_account_ids(self.session, self._caller)
            self._asked = True
        return self._accounts

    async def uses_account(self, account_id: uuid.UUID) -> bool:
        usable = await self.account_ids()
        return usable is None or account_id in usable

    async def sees_record(self, record: RecordRef) -> bool:
        """The record exists (companies, contact persons) and the caller may see it."""
        return await self.sight.confirms(record.type, record.id)

    async def require_record(self, record: RecordRef) -> None:
        if not await self.sees_record(record):
            raise NotFound(f"{record.type.replace('_', ' ')} {record.id} not found")

    async def mail_accounts(self, mail_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
        """Per mail, the accounts it was imported from that the caller uses."""
        ids = list(set(mail_ids))
        found: dict[uuid.UUID, list[uuid.UUID]] = {i: [] for i in ids}
        usable = await self.account_ids()
        if not ids or usable == set():
            return found
        query = (select(MailboxReference.mail_id, MailboxReference.account_id).distinct()
                 .join(MailAccount, MailAccount.id == MailboxReference.account_id)
                 .where(MailboxReference.mail_id.in_(ids), MailAccount.deleted_at.is_(None)))
        if usable is not None:
            query = query.where(MailboxReference.account_id.in_(usable))
        rows = await self.session.execute(query)
        for mail_id, account_id in rows:
            found[mail_id].append(account_id)
        return found

    async def may_see(self, mail: Mail, links: list[MailLink], accounts: list[uuid.UUID]) -> bool:
        """``links``: the mail's links in force; ``accounts``: its accounts the caller uses."""
        if accounts:
            return True
        if await self.sight.sees_everything():
            return True
        for link in links:
            if await self.sight.sees(link.record_type, link.record_id):
                return True
        return False

    async def visible_mails(self, mail_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Mail]:
        """The mails of the caller's tenant among ``mail_ids`` that the caller may see."""
        ids = list(dict.fromkeys(mail_ids))
        if not ids:
            return {}
        mails = {m.id: m for m in await self.session.scalars(
            select(Mail).where(Mail.tenant_id == self.principal.tenant_id, Mail.id.in_(ids)))}
        in_force = await link_store.links_in_force(self.session, mails)
        accounts = await self.mail_accounts(mails)
        return {i: mails[i] for i in ids if i in mails and await self.may_see(mails[i], in_force[i], accounts[i])}

    async def require_mail(self, mail_id: uuid.UUID) -> Mail:
        found = await self.visible_mails([mail_id])
        if mail_id not in found:
            raise NotFound(f"mail {mail_id} not found")
        return found[mail_id]
