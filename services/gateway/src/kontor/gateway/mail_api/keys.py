"""Groupware ids in URLs: folder ids and message refs travel as base64url keys.

IMAP folder names ("CRM/Import", "Gesendete Elemente") and Graph ids ("AAMkAD...=", with "-" and "_") hold
characters that a path segment cannot carry unambiguously ("/", "%", "="), so /api/v1/mail never shows them
raw: every ``folder_id`` and ``ref`` in its paths, bodies and answers is the id's UTF-8 in base64url without
padding (RFC 4648 section 5). Clients treat it as opaque and pass it back as received. Part paths ("1.2")
are safe as they are.
"""

from __future__ import annotations

import base64
import binascii
import re

from kontor.platform.errors import InvalidArgument

KEY_PATTERN = r"^[A-Za-z0-9_-]{1,2800}$"
PART_PATTERN = r"^[1-9][0-9]{0,4}(\.[1-9][0-9]{0,4}){0,31}$"
_KEY = re.compile(KEY_PATTERN)
_PART = re.compile(PART_PATTERN)
KEY_DESCRIPTION = ("Opaque and URL-safe: the groupware's id in base64url without padding, as the API gave it "
                   "(e.g. `Q1JNL0ltcG9ydA` for the IMAP folder CRM/Import)")


def encode(raw: str) -> str:
    """The key of a groupware id; "" stays "" (no folder, no ref)."""
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=") if raw else ""


def decode(key: str, field: str) -> str:
    """The groupware id of a key; anything that is not a key we could have made answers 422 naming ``field``."""
    if not _KEY.match(key or ""):
        raise InvalidArgument(field, "must be a key as the API gave it (base64url without padding)")
    try:
        raw = base64.urlsafe_b64decode(key + "=" * (-len(key) % 4)).decode()
    except (binascii.Error, ValueError):
        raise InvalidArgument(field, "is no valid base64url key") from None
    if not raw or any(ord(char) < 32 for char in raw):
        raise InvalidArgument(field, "is no valid key")
    return raw


def part_path(value: str, field: str = "part_path") -> str:
    """A MIME part path such as "2" or "1.2" (IMAP numbering)."""
    if not _PART.match(value):
        raise InvalidArgument(field, 'must be a MIME part path such as "2" or "1.2"')
    return value
