"""Refs (UIDs as text), cursors (plain dicts) and page tokens, checked on the way in.

A malformed value is a caller's bug or a tampered token: ``InvalidRequest`` naming what was wrong.
"""

from __future__ import annotations

from kontor.mail_import.imap.cursor import FolderCursor
from kontor.platform.groupware.errors import InvalidRequest


def _positive_int(value, what: str, *, zero_ok: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < (0 if zero_ok else 1):
        raise InvalidRequest(f"{what} must be a {'non-negative' if zero_ok else 'positive'} integer",
                             code="invalid_" + what.replace(" ", "_"))
    return value


def cursor_from_dict(cursor: dict | None) -> FolderCursor | None:
    if cursor is None:
        return None
    if not isinstance(cursor, dict):
        raise InvalidRequest("cursor must be an object", code="invalid_cursor")
    modseq = cursor.get("highestmodseq")
    return FolderCursor(
        uidvalidity=_positive_int(cursor.get("uidvalidity"), "cursor uidvalidity"),
        last_uid=_positive_int(cursor.get("last_uid", 0), "cursor last_uid", zero_ok=True),
        highestmodseq=None if modseq is None else _positive_int(modseq, "cursor highestmodseq", zero_ok=True),
    )


def cursor_to_dict(cursor: FolderCursor) -> dict:
    return {"uidvalidity": cursor.uidvalidity, "last_uid": cursor.last_uid, "highestmodseq": cursor.highestmodseq}


def uid_of(ref: str) -> int:
    if not isinstance(ref, str) or not ref.isascii() or not ref.isdigit() or int(ref) < 1:
        raise InvalidRequest("ref must be an IMAP UID (a positive integer as text)", code="invalid_ref")
    return int(ref)


def page_token(uidvalidity: int, below_uid: int) -> str:
    """Opaque to callers: the next page lists UIDs below ``below_uid`` of the folder with ``uidvalidity``."""
    return f"{uidvalidity}:{below_uid}"


def parse_page_token(token: str) -> tuple[int, int]:
    uidvalidity, _, below = token.partition(":") if isinstance(token, str) else ("", "", "")
    if not (uidvalidity.isascii() and uidvalidity.isdigit() and below.isascii() and below.isdigit()):
        raise InvalidRequest("page_token is not one this server gave out", code="invalid_page_token")
    return int(uidvalidity), int(below)
