"""The IMAP reader and mover for asyncio code: each blocking imapclient call runs in a worker thread.

Why a thread and not an asyncio IMAP library: imapclient parses every response (FETCH literals,
INTERNALDATE, SELECT codes) and implements MOVE, UIDPLUS, ENABLE and STARTTLS; the asyncio candidate
(aioimaplib) hands back raw response lines to be parsed by hand. One connection serves one account's
round, so a thread per active round is cheap. A lock keeps calls on one connection strictly sequential
(imapclient is not thread-safe).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable

from kontor.mail_import.imap.config import ImapAccount
from kontor.mail_import.imap.cursor import FetchedMessage, FolderCursor, FolderStatus, NewMessages, Remap
from kontor.mail_import.imap.mover import move_messages
from kontor.mail_import.imap.reader import Expunged, ImapFolderReader
from kontor.mail_import.imap.session import ImapSession


class AsyncImapFolder:
    """``async with AsyncImapFolder(account, "Import") as folder: batch = await folder.next_batch(cursor)``."""

    def __init__(self, account: ImapAccount, folder: str, batch_size: int = 50) -> None:
        self.session = ImapSession(account)
        self.reader = ImapFolderReader(self.session, folder, batch_size)
        # A thread lock, not an asyncio one: a cancelled await leaves its worker thread running, and the next
        # call must still wait for it before touching the connection.
        self._lock = threading.Lock()

    async def _call(self, fn, *args):
        def locked():
            with self._lock:
                return fn(*args)

        return await asyncio.to_thread(locked)

    async def __aenter__(self) -> AsyncImapFolder:
        await self._call(self.session.open)
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self._call(self.session.close)

    async def status(self) -> FolderStatus:
        return await self._call(self.reader.status)

    async def next_batch(self, cursor: FolderCursor | None) -> NewMessages | Remap:
        return await self._call(self.reader.next_batch, cursor)

    async def fetch_uids(self, cursor: FolderCursor, uids: list[int]) -> tuple[FetchedMessage, ...]:
        return await self._call(self.reader.fetch_uids, cursor, uids)

    async def expunged(self, cursor: FolderCursor, known_uids: frozenset[int] | set[int]) -> Expunged:
        return await self._call(self.reader.expunged, cursor, known_uids)

    async def move_in(self, source: str, uids: Iterable[int]) -> str:
        """Move ``uids`` from ``source`` into this (the import) folder."""
        return await self._call(move_messages, self.session, source, list(uids), self.reader.folder)
