"""Moving messages between folders: how filter rules put mail into the import folder on IMAP.

MOVE (RFC 6851) when the server offers it: atomic, UIDs leave the source in one step. Otherwise
COPY, then \\Deleted on exactly the copied UIDs, then UID EXPUNGE of exactly those (UIDPLUS, RFC 4315).
Without UIDPLUS only a plain EXPUNGE exists, which also removes any other message a user had marked
\\Deleted in that folder; that is what every IMAP client does there, and the copy is made first, so
nothing of ours is lost if the connection drops half-way (at worst the mail is in both folders, and
the import deduplicates by Message-ID).
"""

from __future__ import annotations

from collections.abc import Iterable

from imapclient import DELETED

from kontor.mail_import.imap.session import ImapSession, mapped_errors
from kontor.mail_import.imap.uidset import format_uid_set

_CHUNK = 500  # keeps command lines short for servers with line-length limits


def move_messages(session: ImapSession, source: str, uids: Iterable[int], target: str) -> str:
    """Move ``uids`` from ``source`` to ``target``; returns how: "MOVE", "COPY+UID EXPUNGE" or "COPY+EXPUNGE"."""
    ordered = sorted(set(uids))
    client = session.client
    with mapped_errors(f"SELECT {source}"):
        client.select_folder(source)
    if session.has("MOVE"):
        how = "MOVE"
    elif session.has("UIDPLUS"):
        how = "COPY+UID EXPUNGE"
    else:
        how = "COPY+EXPUNGE"
    for start in range(0, len(ordered), _CHUNK):
        chunk = format_uid_set(ordered[start:start + _CHUNK])
        if how == "MOVE":
            with mapped_errors("UID MOVE"):
                client.move(chunk, target)
            continue
        with mapped_errors("UID COPY"):
            client.copy(chunk, target)
        with mapped_errors("UID STORE"):
            client.add_flags(chunk, [DELETED], silent=True)
        with mapped_errors("EXPUNGE"):
            if how == "COPY+UID EXPUNGE":
                client.uid_expunge(chunk)
            else:
                client.expunge()
    # No CLOSE: it would silently expunge whatever else is marked \Deleted in the source. The folder stays
    # selected until the next SELECT/EXAMINE, which deselects without expunging.
    return how
