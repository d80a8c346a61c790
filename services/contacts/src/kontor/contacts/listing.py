"""Sorted keyset pages for the contacts list calls (companies, contact persons).

A sort is ``field`` or ``-field``. Ties are broken by id in the same direction,
so every row has exactly one place and no row is skipped or repeated between
pages, however many share a name. The page token carries the sort it was made
for, the last row's sort value and its id; a token from another sort is
refused instead of silently returning a wrong page.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from kontor.platform import pagination
from kontor.platform.errors import InvalidArgument


@dataclass(frozen=True)
class Sort:
    field: str
    descending: bool

    def __str__(self) -> str:
        return ("-" if self.descending else "") + self.field


def parse_sort(value: str, *, allowed: tuple[str, ...], default: str, field: str = "sort") -> Sort:
    text = value.strip() or default
    descending = text.startswith("-")
    name = text.removeprefix("-")
    if name not in allowed:
        options = ", ".join(allowed)
        raise InvalidArgument(field, f"must be one of {options}, optionally prefixed with '-' for descending")
    return Sort(field=name, descending=descending)


def encode_token(sort: Sort, value: Any, row_id: uuid.UUID) -> str:
    is_time = isinstance(value, datetime)
    body = {"s": str(sort), "v": value.isoformat() if is_time else value, "t": is_time, "i": str(row_id)}
    return base64.urlsafe_b64encode(json.dumps(body, separators=(",", ":")).encode()).decode()


def decode_token(
    token: str, sort: Sort, *, temporal: bool | None = None, field: str = "page_token",
) -> tuple[Any, uuid.UUID] | None:
    """(last sort value, last id) of the previous page. ``temporal``: whether the sort key is a timestamp."""
    if not token:
        return None
    try:
        body = json.loads(base64.urlsafe_b64decode(token.encode()))
        if temporal is not None and body["t"] is not temporal:
            raise ValueError("token value of the wrong type")
        value = datetime.fromisoformat(body["v"]) if body["t"] else str(body["v"])
        made_for, row_id = body["s"], uuid.UUID(body["i"])
        # PostgreSQL cannot compare with NUL text or with a time without zone: refuse, don't fail later.
        unusable = ("\x00" in value) if isinstance(value, str) else (value.tzinfo is None)
        if unusable:
            raise ValueError("unusable token value")
    except (binascii.Error, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError):
        raise InvalidArgument(field, "is not a token from a previous page; start again without it") from None
    if made_for != str(sort):
        raise InvalidArgument(field, f"belongs to sort {made_for!r}, not {str(sort)!r}; start again without it")
    return value, row_id


async def fetch_page(
    session: AsyncSession, query: Select, *, sort: Sort, key: ColumnElement, id_column: ColumnElement,
    page_size: int, page_token: str,
) -> tuple[list, str]:
    """One page of ``query`` (a SELECT of one entity) ordered by ``key`` then id; returns (rows, next token)."""
    size = pagination.page_size(page_size)
    after = decode_token(page_token, sort, temporal=isinstance(key.type, DateTime))
    if after is not None:
        position = tuple_(key, id_column)
        query = query.where(position < tuple_(*after) if sort.descending else position > tuple_(*after))
    order = (key.desc(), id_column.desc()) if sort.descending else (key.asc(), id_column.asc())
    result = await session.execute(query.add_columns(key.label("sort_key")).order_by(*order).limit(size + 1))
    rows = list(result.all())
    next_token = ""
    if len(rows) > size:
        entity, value = rows[size - 1]
        next_token = encode_token(sort, value, entity.id)
    return [entity for entity, _ in rows[:size]], next_token
