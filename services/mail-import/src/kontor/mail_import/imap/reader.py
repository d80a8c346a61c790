"""Incremental reading of one import folder against a caller-stored ``FolderCursor``.

Every round SELECTs the folder read-only (EXAMINE) and compares UIDVALIDITY first: if it changed, no
stored UID is trusted and the round answers a ``Remap`` (every message with its Message-ID and size)
instead of new mail, so the importer rewrites its references rather than importing everything again.

New mail is "UID > cursor.last_uid", fetched oldest first in batches with BODY.PEEK[] (never sets \\Seen),
RFC822.SIZE and INTERNALDATE. Expunge detection asks for VANISHED UIDs since the cursor's HIGHESTMODSEQ
when the server offers QRESYNC (RFC 7162), and otherwise compares the caller's known UIDs against
UID SEARCH — correct on every server, just more traffic.
"""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass, replace

from kontor.mail_import.imap.cursor import (
    FetchedMessage,
    FolderCursor,
    FolderStatus,
    NewMessages,
    Remap,
    RemapEntry,
)
from kontor.mail_import.imap.errors import ImapCommandError, UidValidityChanged
from kontor.mail_import.imap.session import ImapSession, mapped_errors
from kontor.mail_import.imap.uidset import parse_vanished

_BODY = b"BODY[]"
_MESSAGE_ID_FIELD = "BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"
_REMAP_CHUNK = 500  # header-only fetches are small; keeps one response bounded on huge folders


@dataclass(frozen=True)
class Expunged:
    """UIDs from the caller's known set that are gone from the folder, and the cursor to store after."""

    uids: frozenset[int]
    cursor: FolderCursor


def _message_id(header_block: bytes | None) -> str | None:
    if not header_block:
        return None
    # compat32 keeps a malformed header as text instead of raising; folded values are unfolded.
    value = email.message_from_bytes(header_block, policy=email.policy.compat32).get("Message-ID")
    if value is None:
        return None
    value = " ".join(str(value).split())
    return value or None


class ImapFolderReader:
    """Reads one folder of an open ``ImapSession``."""

    def __init__(self, session: ImapSession, folder: str, batch_size: int = 50) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.session = session
        self.folder = folder
        self.batch_size = batch_size
        self._enabled = False
        self._qresync = False

    # -- SELECT ---------------------------------------------------------------------------------------------
    def _enable_extensions(self) -> None:
        """ENABLE QRESYNC (or CONDSTORE) once per connection, so SELECT reports HIGHESTMODSEQ."""
        if self._enabled:
            return
        self._enabled = True
        session = self.session
        if not session.has("ENABLE"):
            return
        wanted = "QRESYNC" if session.has("QRESYNC") else "CONDSTORE" if session.has("CONDSTORE") else None
        if wanted is None:
            return
        with mapped_errors("ENABLE"):
            enabled = [c.upper() if isinstance(c, str) else c.decode().upper()
                       for c in session.client.enable(wanted)]
        self._qresync = "QRESYNC" in enabled

    def status(self) -> FolderStatus:
        """EXAMINE the folder (read-only: reading never changes flags) and report its counters."""
        self._enable_extensions()
        with mapped_errors(f"EXAMINE {self.folder}"):
            response = self.session.client.select_folder(self.folder, readonly=True)
        if b"UIDVALIDITY" not in response:
            raise ImapCommandError("EXAMINE", "server sent no UIDVALIDITY; UIDs cannot be trusted")
        modseq = response.get(b"HIGHESTMODSEQ")
        return FolderStatus(
            uidvalidity=int(response[b"UIDVALIDITY"]),
            uidnext=int(response.get(b"UIDNEXT", 0)),  # optional in IMAP4rev1; 0 means "not told"
            exists=int(response.get(b"EXISTS", 0)),
            highestmodseq=int(modseq) if modseq is not None else None,
        )

    # -- new mail -------------------------------------------------------------------------------------------
    def next_batch(self, cursor: FolderCursor | None) -> NewMessages | Remap:
        """The next batch of new messages after ``cursor`` (None: the folder was never read), or a ``Remap``."""
        status = self.status()
        if cursor is None:
            cursor = FolderCursor(status.uidvalidity, 0, status.highestmodseq)
        if cursor.uidvalidity != status.uidvalidity:
            return self._remap(cursor, status)
        if cursor.highestmodseq is None and status.highestmodseq is not None:
            cursor = replace(cursor, highestmodseq=status.highestmodseq)
        if status.uidnext and status.uidnext <= cursor.last_uid + 1:
            return NewMessages((), cursor, 0)  # UIDNEXT says nothing arrived: no SEARCH needed
        new_uids = self._uids_above(cursor.last_uid)
        batch = new_uids[: self.batch_size]
        messages = self._fetch(batch)
        advanced = replace(cursor, last_uid=batch[-1]) if batch else cursor
        return NewMessages(messages, advanced, len(new_uids) - len(batch))

    def fetch_uids(self, cursor: FolderCursor, uids: list[int]) -> tuple[FetchedMessage, ...]:
        """Fetch given UIDs (e.g. remap entries that matched nothing imported); raises on a UIDVALIDITY change."""
        self._check_validity(cursor)
        out: list[FetchedMessage] = []
        ordered = sorted(set(uids))
        for start in range(0, len(ordered), self.batch_size):
            out.extend(self._fetch(ordered[start:start + self.batch_size]))
        return tuple(out)

    def _uids_above(self, last_uid: int) -> list[int]:
        with mapped_errors("UID SEARCH"):
            found = self.session.client.search(["UID", f"{last_uid + 1}:*"])
        # "n:*" always matches the highest UID even when it is below n (RFC 3501 6.4.8), so filter.
        return sorted(uid for uid in found if uid > last_uid)

    def _fetch(self, uids: list[int]) -> tuple[FetchedMessage, ...]:
        if not uids:
            return ()
        with mapped_errors("UID FETCH"):
            response = self.session.client.fetch(uids, ["BODY.PEEK[]", "RFC822.SIZE", "INTERNALDATE"])
        messages = []
        for uid in uids:
            item = response.get(uid)
            if item is None or item.get(_BODY) is None:
                continue  # expunged between SEARCH and FETCH: nothing to import
            messages.append(FetchedMessage(uid=uid, size=int(item.get(b"RFC822.SIZE", len(item[_BODY]))),
                                           internaldate=item.get(b"INTERNALDATE"), raw=bytes(item[_BODY])))
        return tuple(messages)

    # -- UIDVALIDITY change -----------------------------------------------------------------------------------
    def _remap(self, cursor: FolderCursor, status: FolderStatus) -> Remap:
        with mapped_errors("UID SEARCH"):
            uids = sorted(self.session.client.search(["ALL"]))
        entries: list[RemapEntry] = []
        for start in range(0, len(uids), _REMAP_CHUNK):
            chunk = uids[start:start + _REMAP_CHUNK]
            with mapped_errors("UID FETCH"):
                response = self.session.client.fetch(chunk, ["RFC822.SIZE", _MESSAGE_ID_FIELD])
            for uid in chunk:
                item = response.get(uid)
                if item is None:
                    continue
                header = next((v for k, v in item.items() if k.startswith(b"BODY[HEADER.FIELDS")), None)
                entries.append(RemapEntry(uid, _message_id(header), int(item.get(b"RFC822.SIZE", 0))))
        new_cursor = FolderCursor(status.uidvalidity, max(uids, default=0), status.highestmodseq)
        return Remap(cursor.uidvalidity, tuple(entries), new_cursor)

    # -- expunges ---------------------------------------------------------------------------------------------
    def _check_validity(self, cursor: FolderCursor) -> FolderStatus:
        status = self.status()
        if status.uidvalidity != cursor.uidvalidity:
            raise UidValidityChanged(cursor.uidvalidity, status.uidvalidity)
        return status

    def expunged(self, cursor: FolderCursor, known_uids: set[int] | frozenset[int]) -> Expunged:
        """Which of ``known_uids`` (imported from this folder) are no longer in it."""
        status = self._check_validity(cursor)
        known = {uid for uid in known_uids if uid <= cursor.last_uid}
        if not known:
            return Expunged(frozenset(), replace(cursor, highestmodseq=status.highestmodseq))
        if self._qresync and cursor.highestmodseq is not None:
            gone = known & self._vanished_since(cursor.highestmodseq, max(known))
        else:
            with mapped_errors("UID SEARCH"):
                present = set(self.session.client.search(["UID", f"1:{max(known)}"]))
            gone = known - present
        return Expunged(frozenset(gone), replace(cursor, highestmodseq=status.highestmodseq))

    def _vanished_since(self, modseq: int, up_to_uid: int) -> frozenset[int]:
        """UID FETCH ... (CHANGEDSINCE m VANISHED): the server lists UIDs expunged since ``modseq``.

        imapclient has no VANISHED support, so this goes through its imaplib connection; the VANISHED
        responses are collected from imaplib's untagged-response store (RFC 7162 3.2.6).
        """
        imap = self.session.client._imap  # noqa: SLF001 - the documented way to reach imaplib under imapclient
        with mapped_errors("UID FETCH CHANGEDSINCE"):
            imap.untagged_responses.pop("VANISHED", None)
            typ, data = imap.uid("FETCH", f"1:{up_to_uid}", f"(UID) (CHANGEDSINCE {modseq} VANISHED)")
            if typ != "OK":
                raise ImapCommandError("UID FETCH CHANGEDSINCE", str(data))
            vanished = imap.untagged_responses.pop("VANISHED", [])
        return parse_vanished(v for v in vanished if v)
