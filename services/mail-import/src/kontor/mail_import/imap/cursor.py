"""What the reader hands back and what the caller stores between rounds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class FolderCursor:
    """Where the last round stopped in one folder; the caller persists it after it stored a batch.

    UIDs only mean something together with ``uidvalidity``. ``highestmodseq`` is set only when the server
    offers CONDSTORE; it lets expunge detection ask for just the changes since then (QRESYNC).
    """

    uidvalidity: int
    last_uid: int = 0
    highestmodseq: int | None = None


@dataclass(frozen=True)
class FolderStatus:
    """What SELECT said about the folder."""

    uidvalidity: int
    uidnext: int
    exists: int
    highestmodseq: int | None


@dataclass(frozen=True)
class FetchedMessage:
    uid: int
    size: int  # RFC822.SIZE as the server counts it
    internaldate: datetime | None
    raw: bytes  # BODY[] exactly as the server sent it; kept unchanged


@dataclass(frozen=True)
class NewMessages:
    """One batch of messages newer than the cursor, oldest first.

    ``cursor`` already points past this batch: store it together with the messages, so a crash between
    batches resumes after the last stored one. ``remaining`` counts new messages still on the server
    after this batch (0: caught up).
    """

    messages: tuple[FetchedMessage, ...]
    cursor: FolderCursor
    remaining: int


@dataclass(frozen=True)
class RemapEntry:
    uid: int
    message_id: str | None  # the Message-ID header, None when missing or empty
    size: int


@dataclass(frozen=True)
class Remap:
    """The folder's UIDVALIDITY changed: every message it holds now, by new UID, with Message-ID and size.

    The importer matches entries to what it already imported (Message-ID, size as tie-breaker) and rewrites
    the stored UIDs instead of importing again. ``cursor`` (the new UIDVALIDITY, past the highest UID listed)
    is what to store once that is done; entries that match nothing imported are fetched with
    ``ImapFolderReader.fetch_uids`` and imported as new mail.
    """

    old_uidvalidity: int
    entries: tuple[RemapEntry, ...]
    cursor: FolderCursor
