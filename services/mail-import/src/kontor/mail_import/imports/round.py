"""One import round of one account: read the import folder from the cursor on, store what is new, reconcile.

    report = await run_round(db, provider, tenant_id=..., account_id=..., blobs=blob_store, batch_size=50,
                             matching=Matching(contacts, message_id_key))

Nothing is lost or doubled whatever moment the process dies at:
* each batch's rows (mails, references, quarantine entries, links, MailImported events) and the cursor past
  it commit in ONE transaction; a batch that did not commit is fetched again from the old cursor;
* refs already referenced or quarantined for (account, folder) are skipped, so a repeated batch, a cursor
  the server forgot (``CursorExpired`` → start again from None) or a remap never imports a message twice;
* one round per account at a time: a PostgreSQL advisory lock on the account id, held on a connection of its
  own for the round (a dead worker's connection drops, and the lock with it).

Network calls (the provider, blob puts, filter rule moves) run outside transactions, except the contacts
lookups of the matcher, which need the batch's rows (its result is filed with them), and of re-matching at
the start of the round (imports/refile.py, in a transaction of its own).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from kontor.platform.blobs import BlobStore
from kontor.platform.db import Database
from kontor.platform.groupware.errors import (
    CursorExpired, NeedsReauthorisation, NotFound, ProviderError, Throttled,
)
from kontor.platform.outbox import add_events
from kontor.protos.events.v1 import mail_pb2

from kontor.mail_import import mime
from kontor.mail_import.accounts import service as accounts_service
from kontor.mail_import.accounts.models import MailAccount
from kontor.mail_import.contacts_client import MatchingUnavailable
from kontor.mail_import.imports import health, remap, store
from kontor.mail_import.imports import log as import_log
from kontor.mail_import.imports.models import ImportLogEntry
from kontor.mail_import.imports.reconcile import Reconciliation, reconcile, stored_count
from kontor.mail_import.imports.refile import rematch_unfiled
from kontor.mail_import.mails import links, matching
from kontor.mail_import.mails.models import Mail
from kontor.mail_import.providers.base import ImportBatch, MailProvider, RawMessage, Remap
from kontor.mail_import.rules.apply import importer_rules, move_matching

log = logging.getLogger(__name__)

PRODUCER = "mail-import"
DEFAULT_BATCH_SIZE = 200  # as the import_batch_size setting
PREPARE_CONCURRENCY = 8  # messages parsed and put into the blob store at once (worker threads, see _prepare_all)
REPEAT_AFTER = timedelta(hours=24)  # a warning that stands is logged again after this


@dataclass(frozen=True)
class Matching:
    """What automatic filing needs (mails/matching.py): contacts as the round's background identity, and the
    key of our own Message-IDs. A round without it stores mail unfiled (``rematch`` files it later)."""

    contacts: object  # kontor.mail_import.contacts_client.ContactsClient
    message_id_key: bytes


@dataclass
class RoundReport:
    """outcome: ok | busy (another round holds the account) | skipped (no such account) | disabled |
    throttled | needs_auth | failed."""

    outcome: str
    state: str = ""
    imported: int = 0  # new mails
    referenced: int = 0  # new references to mails already in the CRM (another mailbox had them)
    quarantined: int = 0
    skipped: int = 0  # refs already stored (a repeated batch, a restart after CursorExpired)
    remapped: int = 0
    gone: int = 0
    batches: int = 0
    cursor_expired: bool = False
    unfiled: int = 0  # mails stored while matching was unavailable
    rematched: int = 0  # mails stored unfiled by earlier rounds and filed by this one (imports/refile.py)
    moved_by_rules: int = 0  # messages the importer's filter rules moved into the import folder
    reconciliation: Reconciliation | None = None
    error: str = ""
    progress_done: int = 0
    progress_total: int = 0


ProgressHook = Callable[[RoundReport], Awaitable[None] | None]


def lock_key(account_id: uuid.UUID) -> int:
    """A signed 64-bit advisory lock key for the account (namespaced, so other users of advisory locks in the
    same database do not collide with us)."""
    return int.from_bytes(hashlib.sha256(b"kontor.mail-import.round:" + account_id.bytes).digest()[:8], "big",
                          signed=True)


@contextlib.asynccontextmanager
async def account_lock(db: Database, account_id: uuid.UUID) -> AsyncIterator[bool]:
    """True when this caller holds the account's round lock for the block, False when someone else does."""
    key = lock_key(account_id)
    async with db.engine.connect() as conn:
        held = bool(await conn.scalar(select(func.pg_try_advisory_lock(key))))
        await conn.commit()  # the lock is session-level: it outlives this (empty) transaction
        try:
            yield held
        finally:
            if held:
                with contextlib.suppress(Exception):  # a broken connection released the lock already
                    await conn.scalar(select(func.pg_advisory_unlock(key)))
                    await conn.commit()


@dataclass
class _Round:
    db: Database
    provider: MailProvider
    tenant_id: uuid.UUID
    account_id: uuid.UUID
    blobs: BlobStore
    batch_size: int
    limits: mime.Limits
    matching: Matching | None
    on_progress: ProgressHook | None
    at: datetime
    account: MailAccount | None = None
    folder_id: str = ""
    own_addresses: set[str] = field(default_factory=set)
    report: RoundReport = field(default_factory=lambda: RoundReport(outcome="ok"))
    attempt_unrecorded: bool = False  # record_failure: health.begin never ran, _fail records the attempt

    @property
    def namespace(self) -> str:
        return str(self.tenant_id)


async def run_round(db: Database, provider: MailProvider, *, tenant_id: uuid.UUID, account_id: uuid.UUID,
                    blobs: BlobStore, batch_size: int = DEFAULT_BATCH_SIZE, limits: mime.Limits | None = None,
                    matching: Matching | None = None, on_progress: ProgressHook | None = None,
                    now: datetime | None = None) -> RoundReport:
    """One round for one account with an opened provider. Never raises for provider or mail trouble: the
    outcome and the account's state say what happened (``health.py``)."""
    async with account_lock(db, account_id) as held:
        if not held:
            return RoundReport(outcome="busy")
        return await run_locked_round(db, provider, tenant_id=tenant_id, account_id=account_id, blobs=blobs,
                                      batch_size=batch_size, limits=limits, matching=matching,
                                      on_progress=on_progress, now=now)


async def run_locked_round(db: Database, provider: MailProvider, *, tenant_id: uuid.UUID, account_id: uuid.UUID,
                           blobs: BlobStore, batch_size: int = DEFAULT_BATCH_SIZE, limits: mime.Limits | None = None,
                           matching: Matching | None = None, on_progress: ProgressHook | None = None,
                           now: datetime | None = None) -> RoundReport:
    """``run_round`` for a caller that holds ``account_lock`` already (it opened the provider under it)."""
    r = _Round(db, provider, tenant_id, account_id, blobs, max(1, batch_size), limits or mime.Limits(),
               matching, on_progress, now or health.now())
    return await _locked(r)


async def _locked(r: _Round) -> RoundReport:
    async with r.db.unit_of_work(r.tenant_id) as session:
        account = await session.get(MailAccount, r.account_id)
        if account is None or account.deleted_at is not None:
            return RoundReport(outcome="skipped")
        row = await health.state_of(session, tenant_id=r.tenant_id, account_id=r.account_id, lock=True)
        if not account.enabled:
            if row.state != "disabled":
                health.disabled(row)
            return RoundReport(outcome="disabled", state="disabled")
        was = row.state
        health.begin(row, r.at)
        cursor, stored_folder = row.cursor, row.folder_id
        r.account = account
        r.own_addresses = {(account.address_key or account.address).lower()}
    if r.matching is not None:  # mail stored unfiled by earlier rounds (contacts was down): file it now
        r.report.rematched = await rematch_unfiled(r.db, tenant_id=r.tenant_id, account_id=r.account_id,
                                                   contacts=r.matching.contacts,
                                                   message_id_key=r.matching.message_id_key, at=r.at)
    try:
        folder = await r.provider.resolve_folder(r.account.import_folder_id or r.account.import_folder)
        r.folder_id = folder.id
        await _apply_rules(r, folder.id)
        if folder.id != stored_folder:
            cursor = None  # another folder (or the first round): read it from its beginning
        total = (await r.provider.count(folder.id)).total
        async with r.db.unit_of_work(r.tenant_id) as session:
            row = await health.state_of(session, tenant_id=r.tenant_id, account_id=r.account_id, lock=True)
            if r.account.import_folder_id != folder.id:
                await accounts_service.record_resolved_folder(session, r.account_id, r.account.import_folder,
                                                              folder.id)
            if row.folder_id != folder.id:
                row.folder_id, row.cursor = folder.id, None
            row.progress_total = total
            row.progress_done = min(await stored_count(session, r.account_id, folder.id), total)
            r.report.progress_total, r.report.progress_done = row.progress_total, row.progress_done
        cursor = await _read_folder(r, cursor)
        result = await reconcile(r.db, r.provider, tenant_id=r.tenant_id, account_id=r.account_id,
                                 folder_id=r.folder_id, at=r.at)
        if result.gap > 0:
            # Mail that arrived after the last batch is no gap: read on once, then count again.
            await _read_folder(r, cursor)
            result = await reconcile(r.db, r.provider, tenant_id=r.tenant_id, account_id=r.account_id,
                                     folder_id=r.folder_id, at=r.at)
        r.report.reconciliation = result
        r.report.gone += result.gone
        async with r.db.unit_of_work(r.tenant_id) as session:
            row = await health.state_of(session, tenant_id=r.tenant_id, account_id=r.account_id, lock=True)
            health.finished(row, r.at, gap=result.gap)
            row.progress_total = result.folder_count
            row.progress_done = result.imported_count + result.quarantined_count
            changed = r.report.imported or r.report.referenced or r.report.quarantined or r.report.remapped
            if changed or was != row.state:  # a quiet poll every few minutes is no news for the log
                _log(r, session, "import.finished", folder_count=result.folder_count,
                     imported_count=result.imported_count, quarantined_count=result.quarantined_count,
                     new=r.report.imported, referenced=r.report.referenced, quarantined=r.report.quarantined)
            if result.gone:
                _log(r, session, "import.gone", count=result.gone)
            if result.gap > 0:
                _log(r, session, "import.gap", level="warning", count=result.gap)
            r.report.state = row.state
        return r.report
    except Exception as exc:  # noqa: BLE001 - every failure becomes the account's state and a log line
        return await _failure(r, exc)


async def _failure(r: _Round, exc: Exception) -> RoundReport:
    if isinstance(exc, Throttled):
        return await _fail(r, "throttled", lambda row: health.throttled(row, r.at, exc.retry_after),
                           "import.throttled", "warning")
    if isinstance(exc, NeedsReauthorisation):
        return await _fail(r, "needs_auth", lambda row: health.needs_auth(row, f"needs_auth:{exc.code or ''}"),
                           "import.needs_auth", "error")
    if isinstance(exc, NotFound) and not r.folder_id:  # resolve_folder: the import folder does not exist
        return await _fail(r, "failed", "folder_missing", "import.folder_missing", "error")
    log.warning("import round failed", exc_info=not isinstance(exc, ProviderError),
                extra={"account_id": str(r.account_id), "error": type(exc).__name__})
    return await _fail(r, "failed", type(exc).__name__, "import.failed", "error", error=type(exc).__name__)


async def record_failure(db: Database, *, tenant_id: uuid.UUID, account_id: uuid.UUID, exc: Exception,
                         now: datetime | None = None) -> RoundReport:
    """A round that could not start (no usable credential, sign-in refused when connecting, server down):
    the same state and log line as a failure inside ``run_locked_round``. Call it holding ``account_lock``."""
    r = _Round(db, None, tenant_id, account_id, None, 1, mime.Limits(), None, None,  # type: ignore[arg-type]
               now or health.now(), attempt_unrecorded=True)
    return await _failure(r, exc)


async def _fail(r: _Round, outcome: str, transition, code: str, level: str, **details) -> RoundReport:
    """Ends the round unfinished. ``transition``: a function of the state row, or the error code of a failure
    (state failing, backoff by the failures in a row)."""
    async with r.db.unit_of_work(r.tenant_id) as session:
        row = await health.state_of(session, tenant_id=r.tenant_id, account_id=r.account_id, lock=True)
        if r.attempt_unrecorded:  # with the failure it ended in: no reader sees the attempt with the old state
            row.last_attempt_at = r.at
        if isinstance(transition, str):
            health.failing(row, r.at, transition, await health.failures_in_a_row(session, row))
        else:
            transition(row)
        if code in ("import.throttled", "import.failed"):
            details["retry_at"] = row.retry_at.isoformat() if row.retry_at else ""
        _log(r, session, code, level=level, **details)
        r.report.state = row.state
    r.report.outcome = outcome
    r.report.error = row.last_error_code
    return r.report


def _log(r: _Round, session, code: str, level: str = "info", **details) -> None:
    import_log.add(session, tenant_id=r.tenant_id, account_id=r.account_id, code=code, level=level, **details)


async def _apply_rules(r: _Round, import_folder_id: str) -> None:
    """The filter rules the importer applies (rules/apply.py): read in a short transaction, the moves outside
    any. A failure (the server refused a move, a source folder is gone, throttling) is a warning line in the
    import log, never the round's end: the import folder is imported as it is."""
    error, rules_affected = "", 0
    rules: dict = {}
    try:
        async with r.db.unit_of_work(r.tenant_id) as session:
            rules = await importer_rules(session, r.account_id)
        if not rules:
            return
        applied = await move_matching(r.provider, r.account_id, rules, import_folder_id)
        r.report.moved_by_rules += applied.moved
        if applied.missing_sources:
            error, rules_affected = "source_folder_missing", len(applied.missing_sources)
    except Exception as exc:  # noqa: BLE001 - rules are a convenience; the import must go on
        log.warning("filter rules failed", exc_info=not isinstance(exc, ProviderError),
                    extra={"account_id": str(r.account_id), "error": type(exc).__name__})
        error, rules_affected = type(exc).__name__, sum(len(group) for group in rules.values())
    if error:
        details = {"error": error, "rules": rules_affected}
        async with r.db.unit_of_work(r.tenant_id) as session:
            if not await _said_lately(r, session, "import.rules_failed", details):
                _log(r, session, "import.rules_failed", level="warning", **details)


async def _said_lately(r: _Round, session, code: str, details: dict) -> bool:
    """Whether the account's newest ``code`` line says the same and is younger than ``REPEAT_AFTER``: a
    standing problem (a rule's source folder deleted) is one line a day, not one per round."""
    latest = await session.scalar(select(ImportLogEntry).where(
        ImportLogEntry.account_id == r.account_id, ImportLogEntry.code == code,
    ).order_by(ImportLogEntry.id.desc()).limit(1))
    return latest is not None and latest.details == details and latest.at > r.at - REPEAT_AFTER


# ---- reading the folder ---------------------------------------------------------------------------------------


async def _read_folder(r: _Round, cursor: dict | None) -> dict | None:
    """Batches from ``cursor`` until the provider says done; answers the cursor stored last.

    While a batch is stored, the next one is already being fetched (``ahead``, from the batch's cursor, which
    stays in memory until the batch commits), so the server's work overlaps ours. Nothing else uses the
    provider meanwhile. A round that fails drops the fetch ahead; its batch is fetched again next time."""
    ahead: asyncio.Future | None = None
    try:
        while True:
            try:
                fetching, ahead = ahead, None
                result = await (fetching if fetching is not None
                                else r.provider.next_batch(r.folder_id, cursor, r.batch_size))
            except CursorExpired:
                if cursor is None:
                    raise
                cursor = None  # read the folder again; refs already stored are skipped
                r.report.cursor_expired = True
                async with r.db.unit_of_work(r.tenant_id) as session:
                    _log(r, session, "import.cursor_expired", level="warning")
                continue
            if isinstance(result, Remap):
                cursor = await _remap(r, result)
                continue
            if not result.done:
                ahead = asyncio.ensure_future(r.provider.next_batch(r.folder_id, result.cursor, r.batch_size))
            await _store_batch(r, result.messages, cursor=result.cursor, removed=result.removed)
            cursor = result.cursor
            if result.done:
                return cursor
    finally:
        if ahead is not None:
            ahead.cancel()
            await asyncio.gather(ahead, return_exceptions=True)


async def _remap(r: _Round, result: Remap) -> dict:
    async with r.db.unit_of_work(r.tenant_id) as session:
        outcome = await remap.apply(session, result, account_id=r.account_id, folder_id=r.folder_id, at=r.at)
    refs = list(outcome.to_fetch)
    for start in range(0, len(refs), r.batch_size):
        chunk = refs[start:start + r.batch_size]
        messages = await r.provider.fetch(r.folder_id, result.cursor, chunk)
        last = start + r.batch_size >= len(refs)
        # The remap's cursor only with the last chunk: a crash before it repeats the (idempotent) remap.
        await _store_batch(r, messages, cursor=result.cursor if last else None, removed=frozenset())
    if not refs:
        await _store_batch(r, (), cursor=result.cursor, removed=frozenset())
    r.report.remapped += outcome.remapped
    async with r.db.unit_of_work(r.tenant_id) as session:
        _log(r, session, "import.remapped", remapped=outcome.remapped, fetched=len(refs), retired=outcome.retired)
    return result.cursor


async def _store_batch(r: _Round, messages: tuple[RawMessage, ...] | list[RawMessage], *, cursor: dict | None,
                       removed: frozenset[str]) -> None:
    """Stores one batch and (when given) the cursor past it in one transaction."""
    async with r.db.unit_of_work(r.tenant_id) as session:
        known = await store.known_refs(session, r.account_id, r.folder_id, (m.ref for m in messages))
    fresh: dict[str, RawMessage] = {}
    for message in messages:
        if message.ref not in known:
            fresh.setdefault(message.ref, message)
    prepared = await _prepare_all(r, list(fresh.values()))
    async with r.db.unit_of_work(r.tenant_id) as session:
        written = await store.write(session, prepared, tenant_id=r.tenant_id, account_id=r.account_id,
                                    folder_id=r.folder_id, own_addresses=r.own_addresses,
                                    revive=[ref for ref, gone in known.items() if gone])
        records = await _file(r, session, written.new_references)
        await add_events(session, [_mail_imported(r, mail, records.get(mail.id, ([], [])))
                                    for mail, _parsed in written.created],
                         tenant_id=r.tenant_id, producer=PRODUCER)
        for item in written.quarantined:
            _log(r, session, "import.quarantined", level="warning", reason=item.reason, size=item.size)
        gone = await store.mark_gone(session, r.account_id, r.folder_id, removed, r.at) if removed else 0
        row = await health.state_of(session, tenant_id=r.tenant_id, account_id=r.account_id, lock=True)
        if cursor is not None:
            row.cursor = cursor
        row.progress_done += len(written.created) + len(written.referenced) + len(written.quarantined)
        row.progress_total = max(row.progress_total, row.progress_done)  # mail arrived during the round
        r.report.progress_done, r.report.progress_total = row.progress_done, row.progress_total
    r.report.imported += len(written.created)
    r.report.referenced += len(written.referenced)
    r.report.quarantined += len(written.quarantined)
    r.report.skipped += len(messages) - len(fresh)
    r.report.gone += gone
    r.report.batches += 1
    if r.on_progress is not None:
        maybe = r.on_progress(r.report)
        if maybe is not None:
            await maybe


async def _prepare_all(r: _Round, messages: list[RawMessage]) -> list[store.Prepared]:
    """``store.prepare`` for the batch, PREPARE_CONCURRENCY at a time: the blob puts (file writes and fsyncs in
    worker threads) of one message overlap the parsing of the next. Answers in the batch's order."""
    gate = asyncio.Semaphore(PREPARE_CONCURRENCY)

    async def one(message: RawMessage) -> store.Prepared:
        async with gate:
            return await store.prepare(message, blobs=r.blobs, namespace=r.namespace, limits=r.limits)

    tasks = [asyncio.ensure_future(one(m)) for m in messages]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:  # a blob store outage: the round fails as before, with no put left running
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


async def _file(r: _Round, session, mails: list[tuple[Mail, mime.ParsedMail]]
                ) -> dict[uuid.UUID, tuple[list, list[str]]]:
    """Automatic links for the batch's mails (matcher of mails/matching.py), in the batch's transaction.

    Answers, per mail id, (records linked now, contact person ids among them whose address is the sender's),
    for MailImported. Matching trouble never costs a mail: it is stored unfiled and re-matched later."""
    if r.matching is None or not mails or r.account is None:
        r.report.unfiled += len(mails) if r.matching is None else 0
        return {}
    try:
        # The one call site of automatic matching during import.
        async with session.begin_nested():  # a failed lookup must not roll back the batch's rows
            proposals = await matching.match_batch(session, tenant_id=r.tenant_id, account=r.account, mails=mails,
                                                   contacts=r.matching.contacts,
                                                   message_id_key=r.matching.message_id_key)
            inserted = await links.apply_automatic(session, tenant_id=r.tenant_id,
                                                   proposals=[p for found in proposals.values() for p in found])
    except MatchingUnavailable:
        r.report.unfiled += len(mails)
        return {}
    filed: dict[uuid.UUID, tuple[list, list[str]]] = {}
    for p in inserted:
        records, from_people = filed.setdefault(p.mail_id, ([], []))
        records.append(p.record)
        if p.from_sender and p.record.type == "contact_person":
            from_people.append(str(p.record.id))
    return filed


def _mail_imported(r: _Round, mail: Mail, filed: tuple[list, list[str]]) -> tuple[mail_pb2.MailImported, str]:
    """The MailImported event of a new mail and its subject, for ``add_events``."""
    records, from_people = filed
    return mail_pb2.MailImported(
        mail_id=str(mail.id), account_id=str(r.account_id), direction=mail.direction,
        from_address=mail.from_address, sent_at=mail.sent_at.astimezone(UTC).isoformat() if mail.sent_at else "",
        records=[mail_pb2.MailRecordRef(type=rec.type, id=str(rec.id)) for rec in records],
        from_contact_person_ids=from_people,
    ), str(mail.id)


__all__ = ["DEFAULT_BATCH_SIZE", "ImportBatch", "Matching", "RoundReport", "account_lock", "lock_key",
           "record_failure", "run_locked_round", "run_round"]
