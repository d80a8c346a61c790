"""Writing one batch of the import folder: what was seen, in one transaction with the cursor after it.

``prepare`` does the slow, repeatable part outside any transaction: parsing and putting raw messages and
attachments into the content-addressed blob store (a blob put twice is stored once; a blob of a batch that
never committed is an orphan the blob sweep may remove, never a lost mail). ``write`` then stores the rows.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.blobs import BlobStore, BlobTooLarge, address_of

from kontor.mail_import import mime
from kontor.mail_import.imports.models import QuarantinedMessage
from kontor.mail_import.mails import dedup
from kontor.mail_import.mails.models import Mail, MailboxReference
from kontor.mail_import.providers.base import RawMessage

BLOB_TOO_LARGE = "blob_too_large"  # a part over the blob store's size limit
UNSTORABLE = "unstorable"  # the database refused the parsed message (a safety net, like mime's "unparseable")


@dataclass(frozen=True)
class Parsed:
    ref: str
    size: int
    parsed: mime.ParsedMail
    raw_address: str


@dataclass(frozen=True)
class Quarantined:
    ref: str
    size: int
    reason: str
    detail: str
    raw_address: str  # "" when the raw message could not be kept


Prepared = Parsed | Quarantined


@dataclass
class Written:
    """What ``write`` did: new mails, references added to mails that existed, quarantined messages."""

    created: list[tuple[Mail, mime.ParsedMail]] = field(default_factory=list)
    referenced: list[tuple[Mail, mime.ParsedMail]] = field(default_factory=list)  # new ref, mail existed
    quarantined: list[Quarantined] = field(default_factory=list)
    revived: int = 0

    @property
    def new_references(self) -> list[tuple[Mail, mime.ParsedMail]]:
        return [*self.created, *self.referenced]


# The batch's statements, on the tables (Core, not the ORM's unit of work) and executed with a list of rows:
# compiled once, SQLAlchemy sends each list as multi-row INSERTs ("insertmanyvalues"), RETURNING the rows that
# went in (ON CONFLICT DO NOTHING returns none for a row that existed).
_INSERT_MAILS = (insert(Mail.__table__).on_conflict_do_nothing(index_elements=["tenant_id", "dedup_key"])
                 .returning(Mail.__table__.c.dedup_key))
_INSERT_REFERENCES = (insert(MailboxReference.__table__)
                      .on_conflict_do_nothing(index_elements=["account_id", "folder_id", "ref"])
                      .returning(MailboxReference.__table__.c.ref))
_INSERT_QUARANTINE = (insert(QuarantinedMessage.__table__)
                      .on_conflict_do_nothing(index_elements=["account_id", "folder_id", "ref"])
                      .returning(QuarantinedMessage.__table__.c.ref))


async def known_refs(session: AsyncSession, account_id: uuid.UUID, folder_id: str,
                     refs: Iterable[str]) -> dict[str, bool]:
    """Refs of (account, folder) already referenced or quarantined → whether that row is marked gone."""
    wanted = list(dict.fromkeys(refs))
    if not wanted:
        return {}
    known: dict[str, bool] = {}
    for model in (MailboxReference, QuarantinedMessage):
        rows = await session.execute(select(model.ref, model.gone_at).where(
            model.account_id == account_id, model.folder_id == folder_id, model.ref.in_(wanted)))
        for ref, gone_at in rows:
            known[ref] = known.get(ref, True) and gone_at is not None
    return known


async def _keep_raw(blobs: BlobStore, namespace: str, raw: bytes) -> str:
    """The quarantined message's raw bytes into the store when possible; "" when not (the reason stays)."""
    if not raw:
        return ""
    try:
        return (await blobs.put(namespace, raw, expected=address_of(raw))).address
    except Exception:  # noqa: BLE001 - too large or store down: the quarantine row matters more than its bytes
        return ""


async def prepare(message: RawMessage, *, blobs: BlobStore, namespace: str, limits: mime.Limits) -> Prepared:
    """Parse (in a worker thread: a pathological message must not stall the event loop) and store blobs.

    Blob store outages propagate (the round fails and repeats the batch); a blob over the store's size
    limit quarantines the message as ``blob_too_large``."""
    raw = message.raw
    size = len(raw)
    result = await asyncio.to_thread(mime.parse, raw, limits)
    if isinstance(result, mime.Quarantine):
        return Quarantined(message.ref, size, result.reason, result.detail,
                           await _keep_raw(blobs, namespace, raw))
    try:
        stored = await blobs.put(namespace, raw, expected=result.content_hash)
        await mime.store_attachments(result, blobs, namespace)
    except BlobTooLarge as exc:
        return Quarantined(message.ref, size, BLOB_TOO_LARGE,
                           f"a part is larger than the blob store's limit of {exc.limit} bytes", "")
    return Parsed(message.ref, size, result, stored.address)


def direction_of(parsed: mime.ParsedMail, own_addresses: set[str]) -> str:
    sender = parsed.from_addresses[0].email if parsed.from_addresses else ""
    return "sent" if sender and sender in own_addresses else "received"


async def write(session: AsyncSession, items: Iterable[Prepared], *, tenant_id: uuid.UUID, account_id: uuid.UUID,
                folder_id: str, own_addresses: set[str], revive: Iterable[str] = ()) -> Written:
    """Stores the batch's rows in the caller's transaction. Idempotent per (account, folder, ref).

    The whole batch goes in a few multi-row statements inside one savepoint (``_write_batch``). Only when
    the database refuses that does it store message by message, a savepoint each (``_write_each``), so a
    message the database refuses costs that message (quarantined as "unstorable"), not the batch, which
    would otherwise fail again at every round."""
    items = list(items)
    try:
        async with session.begin_nested():
            written = await _write_batch(session, items, tenant_id=tenant_id, account_id=account_id,
                                         folder_id=folder_id, own_addresses=own_addresses)
    except DBAPIError as exc:
        if isinstance(exc, OperationalError | InterfaceError) or exc.connection_invalidated:
            raise  # the database is unwell, not a message: the round fails and repeats the batch
        written = await _write_each(session, items, tenant_id=tenant_id, account_id=account_id,
                                    folder_id=folder_id, own_addresses=own_addresses)
    written.revived = await revive_refs(session, account_id, folder_id, revive)
    return written


async def _write_batch(session: AsyncSession, items: list[Prepared], *, tenant_id: uuid.UUID,
                       account_id: uuid.UUID, folder_id: str, own_addresses: set[str]) -> Written:
    """The batch in at most five statements: the quarantine entries; the mails (one INSERT ... ON CONFLICT DO
    NOTHING RETURNING, one SELECT for the dedup keys another mailbox stored first); the references; the
    revival of a reference that existed marked gone. Same outcome as ``_write_each`` item by item."""
    written = Written()
    quarantined = [item for item in items if isinstance(item, Quarantined)]
    new_quarantine = await _quarantine_many(session, quarantined, tenant_id=tenant_id, account_id=account_id,
                                            folder_id=folder_id)
    parsed: list[tuple[Parsed, str]] = []  # (item, dedup key), first of each ref only, as _write_each stores
    seen_refs: set[str] = set()
    new_mails: dict[str, dict] = {}  # dedup key -> the columns of its Mail, first item of each key
    for item in items:
        if isinstance(item, Quarantined) or item.ref in seen_refs:
            continue
        seen_refs.add(item.ref)
        values = dedup.mail_values(item.parsed, tenant_id=tenant_id, raw_address=item.raw_address, size=item.size,
                                   direction=direction_of(item.parsed, own_addresses))
        parsed.append((item, values["dedup_key"]))
        new_mails.setdefault(values["dedup_key"], values)
    mails: dict[str, Mail] = {}
    created_keys: set[str] = set()
    if new_mails:
        # Sorted by key: two rounds inserting overlapping batches wait for each other in one order, no deadlock.
        rows = [new_mails[key] for key in sorted(new_mails)]
        created_keys = set(await session.scalars(_INSERT_MAILS, rows))
        for key in created_keys:
            mails[key] = Mail(**new_mails[key])  # not added to the session: the row is in already
        existing = [key for key in new_mails if key not in created_keys]
        if existing:  # a new statement, so a new READ COMMITTED snapshot: it sees a concurrent winner's row
            for mail in await session.scalars(select(Mail).where(Mail.tenant_id == tenant_id,
                                                                 Mail.dedup_key.in_(existing))
                                              .execution_options(populate_existing=True)):
                mails[mail.dedup_key] = mail
            if len(mails) != len(new_mails):  # only if a row was deleted between the two statements
                raise RuntimeError("mail vanished between insert and select")
    new_refs: set[str] = set()
    if parsed:
        new_refs = set(await session.scalars(_INSERT_REFERENCES, [
            {"id": uuid.uuid4(), "tenant_id": tenant_id, "mail_id": mails[key].id, "account_id": account_id,
             "folder_id": folder_id, "ref": item.ref, "size": item.size} for item, key in parsed]))
        if len(new_refs) < len(parsed):  # an existing reference is kept as it is, revived when gone
            await revive_refs(session, account_id, folder_id, [item.ref for item, _ in parsed
                                                               if item.ref not in new_refs])
    first_of_key: set[str] = set()
    for item in items:
        if isinstance(item, Quarantined):
            if item.ref in new_quarantine:
                new_quarantine.discard(item.ref)  # a ref twice in the batch counts once, as _write_each does
                written.quarantined.append(item)
    for item, key in parsed:
        if key in created_keys and key not in first_of_key:
            first_of_key.add(key)
            written.created.append((mails[key], item.parsed))
        elif item.ref in new_refs:
            written.referenced.append((mails[key], item.parsed))
    return written


async def _write_each(session: AsyncSession, items: list[Prepared], *, tenant_id: uuid.UUID, account_id: uuid.UUID,
                      folder_id: str, own_addresses: set[str]) -> Written:
    """The batch message by message, a savepoint each (what ``write`` falls back to)."""
    written = Written()
    for item in items:
        if isinstance(item, Quarantined):
            if await _quarantine(session, item, tenant_id=tenant_id, account_id=account_id, folder_id=folder_id):
                written.quarantined.append(item)
            continue
        try:
            async with session.begin_nested():
                mail, created = await dedup.store_mail(session, tenant_id=tenant_id, parsed=item.parsed,
                                                       raw_address=item.raw_address, size=item.size,
                                                       direction=direction_of(item.parsed, own_addresses))
                _, new_ref = await dedup.add_reference(session, mail, account_id, folder_id, item.ref, item.size)
        except DBAPIError as exc:
            if isinstance(exc, OperationalError | InterfaceError) or exc.connection_invalidated:
                raise  # the database is unwell, not the message: the round fails and repeats the batch
            cause = type(exc.orig).__name__ if exc.orig is not None else "DBAPIError"
            held = Quarantined(item.ref, item.size, UNSTORABLE,
                               f"the database refused the parsed message ({cause})", item.raw_address)
            if await _quarantine(session, held, tenant_id=tenant_id, account_id=account_id, folder_id=folder_id):
                written.quarantined.append(held)
            continue
        if created:
            written.created.append((mail, item.parsed))
        elif new_ref:
            written.referenced.append((mail, item.parsed))
    return written


async def _quarantine(session: AsyncSession, item: Quarantined, *, tenant_id: uuid.UUID, account_id: uuid.UUID,
                      folder_id: str) -> bool:
    """The quarantine entry for ``item``; False when (account, folder, ref) had one already."""
    inserted = await session.scalar(
        insert(QuarantinedMessage).values(
            id=uuid.uuid4(), tenant_id=tenant_id, account_id=account_id, folder_id=folder_id, ref=item.ref,
            reason=item.reason, detail=item.detail[:2000], size=item.size, raw_address=item.raw_address)
        .on_conflict_do_nothing(index_elements=[QuarantinedMessage.account_id, QuarantinedMessage.folder_id,
                                                QuarantinedMessage.ref])
        .returning(QuarantinedMessage.id))
    return inserted is not None


async def _quarantine_many(session: AsyncSession, items: list[Quarantined], *, tenant_id: uuid.UUID,
                           account_id: uuid.UUID, folder_id: str) -> set[str]:
    """The quarantine entries of ``items`` in one statement; answers the refs that had none before."""
    rows = {item.ref: {"id": uuid.uuid4(), "tenant_id": tenant_id, "account_id": account_id, "folder_id": folder_id,
                       "ref": item.ref, "reason": item.reason, "detail": item.detail[:2000], "size": item.size,
                       "raw_address": item.raw_address} for item in reversed(items)}  # the first of a ref wins
    if not rows:
        return set()
    return set(await session.scalars(_INSERT_QUARANTINE, list(rows.values())))


async def revive_refs(session: AsyncSession, account_id: uuid.UUID, folder_id: str, refs: Iterable[str]) -> int:
    """Refs seen in the folder again (a Graph message moved out and back) are no longer gone."""
    wanted = list(dict.fromkeys(refs))
    if not wanted:
        return 0
    count = 0
    for model in (MailboxReference, QuarantinedMessage):
        result = await session.execute(update(model).where(
            model.account_id == account_id, model.folder_id == folder_id, model.ref.in_(wanted),
            model.gone_at.is_not(None)).values(gone_at=None))
        count += result.rowcount or 0
    return count


async def mark_gone(session: AsyncSession, account_id: uuid.UUID, folder_id: str, refs: Iterable[str],
                    at: datetime) -> int:
    """References and quarantine entries of refs that left the folder: marked gone, the mail stays."""
    wanted = list(dict.fromkeys(refs))
    count = 0
    for start in range(0, len(wanted), 1000):
        chunk = wanted[start:start + 1000]
        for model in (MailboxReference, QuarantinedMessage):
            result = await session.execute(update(model).where(
                model.account_id == account_id, model.folder_id == folder_id, model.ref.in_(chunk),
                model.gone_at.is_(None)).values(gone_at=at))
            count += result.rowcount or 0
    return count
