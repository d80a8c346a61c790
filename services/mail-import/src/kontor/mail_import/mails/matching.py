"""Automatic matching: which records an imported mail belongs to.

* By address: From/To/Cc minus the mailbox's own address(es) and the tenant's employees (UserService.ListUsers)
  go to contacts' AddressMatchService, one call per batch (chunks of 500), as the round's identity, so
  only records it may see come back. A contact person found → the person and the person's companies; an
  address without a person → the companies of its domain (contacts leaves out free-mail domains).
  Origin "auto".
* By thread: In-Reply-To/References name mails already in the CRM (same tenant) → their links in force,
  origin "thread"; mails of the same batch count too, so a reply imported with its original follows it.
  A referenced Message-ID of ours (message_ids.py) names its record directly, origin "thread"; the mail's
  own Message-ID of ours (sent from the CRM) names the record it was written from, origin "sent".

Matching only proposes; ``links.apply_automatic`` inserts proposals for pairs without any row, so a
removed link stays removed and a manual one is never changed (see links.py). When contacts is down,
``match_batch`` raises ``MatchingUnavailable``: the importer stores the mail anyway and ``rematch`` files it
later (the same proposals, the same insert rule, so running it again is harmless).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.mail_import.accounts.models import MailAccount
from kontor.mail_import.contacts_client import ContactsClient
from kontor.mail_import.mails import links
from kontor.mail_import.mails.message_ids import record_from_message_id
from kontor.mail_import.mails.models import Mail, MailboxReference, MailLink
from kontor.mail_import.mails.schemas import AUTO, SENT, THREAD, ProposedLink, RecordRef
from kontor.mail_import.mime.model import ParsedMail

# When one record is proposed twice for a mail, the first origin in this order names the link.
_PRECEDENCE = {SENT: 0, THREAD: 1, AUTO: 2}


@dataclass(frozen=True)
class _Facts:
    """What matching reads of a mail: from the parsed message at import, from the Mail row on re-matching."""

    mail_id: uuid.UUID
    message_id: str | None
    sender: str
    addresses: tuple[str, ...]  # From, To, Cc, lower-case
    thread_ids: tuple[str, ...]  # In-Reply-To then References


def _facts_of_parsed(mail: Mail, parsed: ParsedMail) -> _Facts:
    people = (*parsed.from_addresses, *parsed.to, *parsed.cc)
    sender = parsed.from_addresses[0].email if parsed.from_addresses else ""
    return _Facts(mail.id, parsed.message_id, sender.lower(), tuple(a.email.lower() for a in people),
                  (*parsed.in_reply_to, *parsed.references))


def _facts_of_row(mail: Mail) -> _Facts:
    people = [mail.from_address, *(a.get("email", "") for a in (*mail.to, *mail.cc))]
    thread = ([mail.in_reply_to] if mail.in_reply_to else []) + list(mail.references or [])
    return _Facts(mail.id, mail.message_id, (mail.from_address or "").lower(),
                  tuple(a.lower() for a in people if a), tuple(thread))


async def match_batch(session: AsyncSession, *, tenant_id: uuid.UUID, account: MailAccount,
                      mails: Sequence[tuple[Mail, ParsedMail]], contacts: ContactsClient,
                      message_id_key: bytes) -> dict[uuid.UUID, list[ProposedLink]]:
    """Proposals per mail id (every mail of the batch has an entry). Raises MatchingUnavailable."""
    facts = [_facts_of_parsed(mail, parsed) for mail, parsed in mails]
    own = {(account.address_key or account.address).lower()}
    return await _match(session, tenant_id=tenant_id, facts=facts, own={f.mail_id: own for f in facts},
                        contacts=contacts, key=message_id_key)


async def rematch(session: AsyncSession, *, tenant_id: uuid.UUID, mail_ids: Iterable[uuid.UUID],
                  contacts: ContactsClient, message_id_key: bytes) -> list[ProposedLink]:
    """Match stored mails again and insert what is new (after an outage, or when contacts learned addresses).
    Answers the links inserted. Never changes or revives an existing link. Raises MatchingUnavailable."""
    ids = list(dict.fromkeys(mail_ids))
    if not ids:
        return []
    rows = list(await session.scalars(select(Mail).where(Mail.tenant_id == tenant_id, Mail.id.in_(ids))))
    own: dict[uuid.UUID, set[str]] = {m.id: set() for m in rows}
    mailboxes = await session.execute(
        select(MailboxReference.mail_id, MailAccount.address_key, MailAccount.address)
        .join(MailAccount, MailAccount.id == MailboxReference.account_id)
        .where(MailboxReference.mail_id.in_([m.id for m in rows])))
    for mail_id, address_key, address in mailboxes:
        own[mail_id].add((address_key or address).lower())
    proposals = await _match(session, tenant_id=tenant_id, facts=[_facts_of_row(m) for m in rows], own=own,
                             contacts=contacts, key=message_id_key)
    return await links.apply_automatic(session, tenant_id=tenant_id,
                                       proposals=[p for found in proposals.values() for p in found])


async def unmatched_mail_ids(session: AsyncSession, *, tenant_id: uuid.UUID, since: datetime,
                             account_id: uuid.UUID | None = None, limit: int = 500) -> list[uuid.UUID]:
    """Mails imported since ``since`` (from ``account_id`` when given) without any link row, not even a removed
    one: the candidates for ``rematch`` after an outage. Oldest first, at most ``limit``.

    Meant for the import round (it already runs as the account's identity): before reading the folder,
    ``rematch(session, tenant_id=..., mail_ids=await unmatched_mail_ids(..., account_id=account.id), ...)``.
    A mail that matches nothing stays a candidate until it is older than ``since``: re-asking is harmless."""
    query = select(Mail.id).where(Mail.tenant_id == tenant_id, Mail.created_at >= since,
                                  ~exists().where(MailLink.mail_id == Mail.id))
    if account_id is not None:
        query = query.where(exists().where(MailboxReference.mail_id == Mail.id,
                                           MailboxReference.account_id == account_id))
    return list(await session.scalars(query.order_by(Mail.created_at, Mail.id).limit(limit)))


async def _match(session: AsyncSession, *, tenant_id: uuid.UUID, facts: list[_Facts], own: dict[uuid.UUID, set[str]],
                 contacts: ContactsClient, key: bytes) -> dict[uuid.UUID, list[ProposedLink]]:
    found: dict[uuid.UUID, dict[RecordRef, ProposedLink]] = {f.mail_id: {} for f in facts}

    def propose(mail_id: uuid.UUID, record: RecordRef, origin: str, from_sender: bool = False) -> None:
        current = found[mail_id].get(record)
        if current is None or _PRECEDENCE[origin] < _PRECEDENCE[current.origin]:
            found[mail_id][record] = ProposedLink(mail_id, record, origin, from_sender or bool(
                current and current.from_sender))
        elif from_sender and not current.from_sender:
            found[mail_id][record] = ProposedLink(mail_id, record, current.origin, True)

    # Our own Message-IDs: the mail itself written from a record, or a reply to one.
    for f in facts:
        sent_from = record_from_message_id(f.message_id, key=key)
        if sent_from is not None:
            propose(f.mail_id, sent_from, SENT)
        for ref in f.thread_ids:
            named = record_from_message_id(ref, key=key)
            if named is not None:
                propose(f.mail_id, named, THREAD)

    # Addresses: one MatchAddresses round for the whole batch, without the mailboxes' own and colleagues'.
    colleagues = await contacts.employee_addresses() if any(f.addresses for f in facts) else set()
    own = {mail_id: addresses | colleagues for mail_id, addresses in own.items()}
    wanted = {a for f in facts for a in f.addresses if a not in own.get(f.mail_id, ())}
    matches = await contacts.match_addresses(sorted(wanted)) if wanted else {}
    for f in facts:
        for address in dict.fromkeys(f.addresses):
            if address in own.get(f.mail_id, ()) or address not in matches:
                continue
            m = matches[address]
            if m.contact_person_ids:
                for person in m.contact_person_ids:
                    propose(f.mail_id, RecordRef("contact_person", person), AUTO, from_sender=address == f.sender)
                for company in m.person_company_ids:
                    propose(f.mail_id, RecordRef("company", company), AUTO)
            else:
                for company in m.domain_company_ids:
                    propose(f.mail_id, RecordRef("company", company), AUTO)

    # Threads: the links in force of the mails referenced, stored ones and this batch's own proposals.
    referenced = {ref for f in facts for ref in f.thread_ids}
    if referenced:
        thread_links: dict[str, set[RecordRef]] = {}
        rows = await session.execute(
            select(Mail.message_id, MailLink.record_type, MailLink.record_id)
            .join(MailLink, MailLink.mail_id == Mail.id)
            .where(Mail.tenant_id == tenant_id, Mail.message_id.in_(referenced), MailLink.removed_at.is_(None)))
        for message_id, record_type, record_id in rows:
            thread_links.setdefault(message_id, set()).add(RecordRef(record_type, record_id))
        for f in facts:  # batch order: an original precedes its replies in a mailbox's order
            if f.message_id in referenced:
                thread_links.setdefault(f.message_id, set()).update(found[f.mail_id])
        for f in facts:
            for ref in f.thread_ids:
                if ref == f.message_id:
                    continue
                for record in sorted(thread_links.get(ref, ())):
                    propose(f.mail_id, record, THREAD)

    return {mail_id: list(proposed.values()) for mail_id, proposed in found.items()}
