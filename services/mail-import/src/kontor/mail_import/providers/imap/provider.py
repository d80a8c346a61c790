"""``MailProvider`` over IMAP (imapclient in a worker thread) with SMTP submission for ``send``.

One provider holds one IMAP connection, opened by ``async with``; every blocking call runs in a worker thread
under a thread lock (imapclient is not thread-safe, and a cancelled await leaves its thread running: the
next call must still wait for it). SMTP uses its own connection per ``send``.
"""

from __future__ import annotations

import asyncio
import logging
import threading

from kontor.mail_import.imap.config import ImapAccount
from kontor.mail_import.imap.cursor import NewMessages
from kontor.mail_import.imap.cursor import Remap as ImapRemap
from kontor.mail_import.imap.mover import move_messages
from kontor.mail_import.imap.reader import ImapFolderReader
from kontor.mail_import.imap.session import ImapSession, mapped_errors
from kontor.mail_import.providers.base import (
    FolderCount,
    ImportBatch,
    MailFolder,
    MessagePage,
    RawMessage,
    Remap,
    RemapEntry,
    RuleConditions,
)
from kontor.mail_import.providers.imap import folders as folder_list
from kontor.mail_import.providers.imap.errors import provider_errors
from kontor.mail_import.providers.imap.refs import (
    cursor_from_dict,
    cursor_to_dict,
    page_token,
    parse_page_token,
    uid_of,
)
from kontor.mail_import.providers.imap.sent import append_sent, sent_folder
from kontor.mail_import.providers.imap.summaries import FETCH_ITEMS, summary
from kontor.mail_import.smtp.envelope import EnvelopeError, envelope_of
from kontor.mail_import.smtp.settings import SmtpSettings
from kontor.mail_import.smtp.submit import submit
from kontor.platform.groupware.errors import CursorExpired, InvalidRequest, NotFound, ProviderError

log = logging.getLogger(__name__)

_NO_RULES = "IMAP servers run no rules from us; the importer applies them"
_BODY = b"BODY[]"


def _ordered_uids(text: str) -> list[int]:
    """A COPYUID set in the order the server listed it (ranges ascending): the pairing is positional."""
    out: list[int] = []
    for part in text.split(","):
        low, _, high = part.partition(":")
        first, last = int(low), int(high or low)
        out.extend(range(min(first, last), max(first, last) + 1))
    return out


def _copyuid_pairs(responses: list) -> dict[int, int]:
    """Old UID → new UID from ``[COPYUID validity source-set dest-set]`` response codes (RFC 4315)."""
    pairs: dict[int, int] = {}
    for response in responses:
        text = response.decode("ascii", "replace") if isinstance(response, bytes) else str(response)
        fields = text.split()
        if len(fields) < 3:
            continue
        try:
            source, target = _ordered_uids(fields[1]), _ordered_uids(fields[2])
        except ValueError:
            continue
        if len(source) == len(target):
            pairs.update(zip(source, target, strict=True))
    return pairs


class ImapMailProvider:
    """One IMAP account's mailbox; sends through ``smtp`` (None: this account cannot send)."""

    server_rules = False

    def __init__(self, account: ImapAccount, *, smtp: SmtpSettings | None, sent_folder: str = "",
                 batch_size: int = 50) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.account = account
        self.smtp = smtp
        self.sent_folder = sent_folder
        self.batch_size = batch_size
        self._session = ImapSession(account)
        self._readers: dict[str, ImapFolderReader] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:  # the settings' own reprs leave the passwords out
        return f"ImapMailProvider(account={self.account!r}, smtp={self.smtp!r})"

    async def _call(self, fn, *args):
        def locked():
            with self._lock:
                return fn(*args)

        with provider_errors():
            return await asyncio.to_thread(locked)

    def _reader(self, folder: str) -> ImapFolderReader:
        reader = self._readers.get(folder)
        if reader is None:
            reader = self._readers[folder] = ImapFolderReader(self._session, folder, self.batch_size)
        return reader

    # -- connection ------------------------------------------------------------------------------------------
    def _open(self) -> None:
        self._session.open()
        # aware datetimes (the server's zone) for INTERNALDATE instead of imapclient's naive local time
        self._session.client.normalise_times = False

    async def __aenter__(self) -> ImapMailProvider:
        await self._call(self._open)
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self._call(self._session.close)

    # -- import folder --------------------------------------------------------------------------------------
    def _resolve(self, name_or_id: str) -> MailFolder:
        found = folder_list.find_folder(folder_list.list_folders(self._session), name_or_id)
        if found is None or not found.selectable:
            raise NotFound("no such folder on the IMAP server", code="folder_missing")
        return folder_list.with_counts(self._session, found)

    async def resolve_folder(self, name_or_id: str) -> MailFolder:
        if not isinstance(name_or_id, str) or not name_or_id.strip():
            raise InvalidRequest("folder name must not be empty", code="invalid_folder")
        return await self._call(self._resolve, name_or_id)

    def _next_batch(self, folder_id: str, cursor: dict | None, batch_size: int):
        reader = self._reader(folder_id)
        reader.batch_size = batch_size
        return reader.next_batch(cursor_from_dict(cursor))

    async def next_batch(self, folder_id: str, cursor: dict | None, batch_size: int) -> ImportBatch | Remap:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise InvalidRequest("batch_size must be a positive integer", code="invalid_batch_size")
        result = await self._call(self._next_batch, folder_id, cursor, batch_size)
        if isinstance(result, ImapRemap):
            log.info("imap folder remapped", extra={"entries": len(result.entries)})
            return Remap(entries=tuple(RemapEntry(str(e.uid), e.message_id, e.size) for e in result.entries),
                         cursor=cursor_to_dict(result.cursor))
        assert isinstance(result, NewMessages)
        return ImportBatch(
            messages=tuple(RawMessage(str(m.uid), m.raw, m.internaldate) for m in result.messages),
            removed=frozenset(),  # expunges: the importer compares count(with_refs=True) with what it stored
            cursor=cursor_to_dict(result.cursor),
            done=result.remaining == 0,
        )

    async def fetch(self, folder_id: str, cursor: dict, refs: list[str]) -> tuple[RawMessage, ...]:
        stored = cursor_from_dict(cursor)
        if stored is None:
            raise InvalidRequest("fetch needs the folder's cursor", code="invalid_cursor")
        uids = [uid_of(ref) for ref in refs]
        fetched = await self._call(self._reader(folder_id).fetch_uids, stored, uids)
        return tuple(RawMessage(str(m.uid), m.raw, m.internaldate) for m in fetched)

    def _count(self, folder_id: str, with_refs: bool) -> FolderCount:
        status = self._reader(folder_id).status()
        if not with_refs:
            return FolderCount(total=status.exists)
        with mapped_errors("UID SEARCH"):
            uids = self._session.client.search(["ALL"])
        return FolderCount(total=status.exists, refs=frozenset(str(uid) for uid in uids))

    async def count(self, folder_id: str, *, with_refs: bool = False) -> FolderCount:
        return await self._call(self._count, folder_id, with_refs)

    # -- mailbox ----------------------------------------------------------------------------------------------
    def _folders(self) -> tuple[MailFolder, ...]:
        return tuple(folder_list.with_counts(self._session, f) for f in folder_list.list_folders(self._session))

    async def folders(self) -> tuple[MailFolder, ...]:
        return await self._call(self._folders)

    def _messages(self, folder_id: str, page_size: int, token: tuple[int, int] | None) -> MessagePage:
        status = self._reader(folder_id).status()
        below = None
        if token is not None:
            uidvalidity, below = token
            if uidvalidity != status.uidvalidity:
                raise CursorExpired("the folder changed its UIDVALIDITY; list it again from the start",
                                    code="uidvalidity_changed")
        client = self._session.client
        if below is not None and below <= 1:
            uids: list[int] = []
        else:
            with mapped_errors("UID SEARCH"):
                found = client.search(["ALL"] if below is None else ["UID", f"1:{below - 1}"])
            uids = sorted((uid for uid in found if below is None or uid < below), reverse=True)
        page = uids[:page_size]
        items = {}
        if page:
            with mapped_errors("UID FETCH"):
                items = client.fetch(page, FETCH_ITEMS)
        summaries = tuple(summary(folder_id, uid, items[uid]) for uid in page if uid in items)
        more = len(uids) > page_size
        return MessagePage(items=summaries, next_page_token=page_token(status.uidvalidity, page[-1]) if more else None)

    async def messages(self, folder_id: str, *, page_size: int, page_token: str | None = None) -> MessagePage:
        if isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1:
            raise InvalidRequest("page_size must be a positive integer", code="invalid_page_size")
        token = parse_page_token(page_token) if page_token is not None else None
        return await self._call(self._messages, folder_id, page_size, token)

    def _raw_message(self, folder_id: str, uid: int) -> bytes:
        self._reader(folder_id).status()  # EXAMINE: read-only, and BODY.PEEK leaves \Seen alone
        with mapped_errors("UID FETCH"):
            item = self._session.client.fetch([uid], ["BODY.PEEK[]"]).get(uid)
        if item is None or item.get(_BODY) is None:
            raise NotFound("no such message in the folder", code="message_missing")
        return bytes(item[_BODY])

    async def raw_message(self, folder_id: str, ref: str) -> bytes:
        return await self._call(self._raw_message, folder_id, uid_of(ref))

    def _move(self, source: str, uids: list[int], target: str) -> dict[int, int]:
        imap = self._session.client._imap  # noqa: SLF001 - imaplib keeps response codes in untagged_responses
        imap.untagged_responses.pop("COPYUID", None)
        how = move_messages(self._session, source, uids, target)
        # read the dict again: SELECT inside the mover gives imaplib a fresh one
        pairs = _copyuid_pairs(imap.untagged_responses.pop("COPYUID", []))
        log.info("imap messages moved", extra={"count": len(uids), "imap_move": how, "with_new_uids": len(pairs)})
        return pairs

    async def move(self, source_folder_id: str, refs: list[str], target_folder_id: str) -> dict[str, str]:
        uids = [uid_of(ref) for ref in refs]
        if not uids:
            return {}
        pairs = await self._call(self._move, source_folder_id, uids, target_folder_id)
        return {str(uid): str(pairs[uid]) if uid in pairs else "" for uid in uids}

    # -- sending ------------------------------------------------------------------------------------------------
    def _save_copy(self, message: bytes) -> None:
        append_sent(self._session, sent_folder(self._session, self.sent_folder), message)

    async def send(self, raw: bytes, *, save_copy: bool = True) -> None:
        if self.smtp is None:
            raise InvalidRequest("no SMTP server is configured for this account", code="smtp_not_configured")
        try:
            envelope = envelope_of(raw)
        except EnvelopeError as exc:
            raise InvalidRequest(str(exc), code="invalid_message") from None
        with provider_errors():
            await asyncio.to_thread(submit, self.smtp, envelope)
        if not save_copy:
            return
        try:
            await self._call(self._save_copy, envelope.message)
        except ProviderError as exc:
            # The mail is out: raising would make the caller send it again. The missing copy is logged instead.
            log.warning("sent copy not stored", extra={"error": type(exc).__name__, "code": exc.code})

    # -- server-side rules: none on IMAP ------------------------------------------------------------------------
    async def create_rule(self, name: str, conditions: RuleConditions, target_folder_id: str) -> str:
        raise InvalidRequest(_NO_RULES, code="rules_unsupported")

    async def update_rule(self, rule_id: str, name: str, conditions: RuleConditions, target_folder_id: str) -> None:
        raise InvalidRequest(_NO_RULES, code="rules_unsupported")

    async def delete_rule(self, rule_id: str) -> None:
        raise InvalidRequest(_NO_RULES, code="rules_unsupported")
