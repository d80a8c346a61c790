"""Keyset pagination with opaque page tokens (newest first by created time, then id)."""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import datetime

from kontor.platform.errors import InvalidArgument

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def page_size(requested: int, field: str = "page_size") -> int:
    if requested < 0 or requested > MAX_PAGE_SIZE:
        raise InvalidArgument(field, f"must be between 1 and {MAX_PAGE_SIZE} (0 for the default of {DEFAULT_PAGE_SIZE})")
    return requested or DEFAULT_PAGE_SIZE


def encode_token(created_at: datetime, row_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(f"{created_at.isoformat()}|{row_id}".encode()).decode()


def decode_token(token: str, field: str = "page_token") -> tuple[datetime, uuid.UUID] | None:
    if not token:
        return None
    try:
        created, _, row_id = base64.urlsafe_b64decode(token.encode()).decode().partition("|")
        return datetime.fromisoformat(created), uuid.UUID(row_id)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidArgument(field, "is not a token from a previous page; start again without it") from None


def parse_uuid(value: str, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidArgument(field, "must be a UUID") from None
