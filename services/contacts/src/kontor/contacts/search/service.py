"""Typo-tolerant, ranked search over the companies and contact persons a caller may see.

Each query word must be *word-similar* (pg_trgm ``<%``) to the record's
search text, so "mustr gmbh berlin" finds "Muster GmbH, 10115 Berlin": every
word is found, one with a typo. ``<%`` is answered by the GIN trigram index
on the generated ``search_text`` columns (migration 0006); a one-word query by
the indexes of the shorter per-field texts (migration 0008, ``_ranked``). Records
are ranked by the mean word similarity of the query words; ties by name and id.

Reads start from ``visible_companies`` / ``visible_persons``, so search never
shows more than the lists do. Pages are offsets into the ranking (the ranking
has no stable key to continue from); deep paging is capped, refine instead.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass

from sqlalchemy import Float, Select, cast, func, literal_column, select, union
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from kontor.platform import pagination
from kontor.platform.auth import Principal
from kontor.platform.errors import InvalidArgument

from kontor.contacts.access.guard import require_right
from kontor.contacts.companies.models import Company
from kontor.contacts.companies.service import visible_companies
from kontor.contacts.identity.rights import has_right
from kontor.contacts.persons.models import ContactPerson
from kontor.contacts.persons.service import visible_persons
from kontor.contacts.search.normalise import query_words

COMPANY, PERSON = "company", "person"
# Search type -> entity type of the rights table.
TYPES = {COMPANY: "company", PERSON: "contact_person"}
_ALIASES = {"company": COMPANY, "companies": COMPANY, "person": PERSON, "persons": PERSON,
            "contact_person": PERSON}
# How similar a query word must be to some part of the record (pg_trgm default 0.6 misses "mstr" ~ "muster").
WORD_SIMILARITY_THRESHOLD = 0.5
MAX_OFFSET = 500
# Matches ranked per record type: a full page of the largest size. Each costs a recheck and a score
# (microseconds apiece); 500 put common words at p95 > 100 ms (bench/search_latency.py).
MAX_CANDIDATES = pagination.MAX_PAGE_SIZE
# The per-field search texts of both tables (migration 0008): together what search_text covers.
FIELD_TEXTS = ("search_name", "search_other")


@dataclass(frozen=True)
class Hit:
    type: str
    id: uuid.UUID
    title: str
    subtitle: str
    score: float
    company_id: uuid.UUID


def parse_types(values: list[str]) -> list[str]:
    """["company", "person"] from what the caller sent (also comma-separated); empty means both."""
    wanted: list[str] = []
    for value in values:
        for name in filter(None, (part.strip().lower() for part in value.split(","))):
            if name not in _ALIASES:
                raise InvalidArgument("types", "use company and/or person")
            wanted.append(_ALIASES[name])
    return list(dict.fromkeys(wanted))


async def _searchable_types(session: AsyncSession, principal: Principal, requested: list[str]) -> list[str]:
    """The requested types (403 when a right is missing), or every type the caller may read."""
    if requested:
        for kind in requested:
            await require_right(session, principal, TYPES[kind], "read")
        return requested
    allowed = [kind for kind, entity in TYPES.items()
               if await has_right(session, roles=principal.roles, entity_type=entity, action="read")]
    if not allowed:
        await require_right(session, principal, "company", "read")  # raises with the usual message
    return allowed


def _decode_offset(token: str, fingerprint: str) -> int:
    if not token:
        return 0
    try:
        body = json.loads(base64.urlsafe_b64decode(token.encode()))
        offset, made_for = int(body["o"]), str(body["f"])
    except (binascii.Error, UnicodeDecodeError, ValueError, KeyError, TypeError):
        raise InvalidArgument("page_token", "is not a token from a previous page; start again without it") from None
    if made_for != fingerprint or not 0 <= offset <= MAX_OFFSET:
        raise InvalidArgument("page_token", "belongs to another search; start again without it")
    return offset


def _encode_offset(offset: int, fingerprint: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset, "f": fingerprint}).encode()).decode()


def _ranked(query: Select, entity: type, table: str, words: list[str], limit: int):
    """(SELECT of (entity, score) best first, the entity alias to order ties by).

    At most MAX_CANDIDATES matches are ranked: a word as common as "gmbh" matches a third of all companies,
    and scoring them all costs more than the ranking of such a vague query is worth. Refining helps.

    Several words: the trigram index on ``search_text`` intersects the words, few candidates are left to
    recheck. One word: the index offers every record sharing half of its trigrams ("Apen": all 5,000 "Alpen"),
    and most fail the recheck; each field's own index (``search_name``, ``search_other``, migration 0008) lets
    them be rechecked against that field alone, a third of the text. A word then has to match within one
    field (a word glued across name and city no longer does).
    """
    search_text = literal_column(f"{table}.search_text")
    normal = [func.kontor_search_text(word) for word in words]
    if len(normal) == 1:
        per_field = [query.with_only_columns(entity.id).where(normal[0].op("<%")(literal_column(f"{table}.{field}")))
                     .limit(MAX_CANDIDATES) for field in FIELD_TEXTS]
        query = select(entity).where(entity.id.in_(union(*per_field)))
    else:
        for word in normal:
            query = query.where(word.op("<%")(search_text))
    candidates = query.add_columns(search_text.label("search_text")).limit(MAX_CANDIDATES).subquery()
    row = aliased(entity, candidates)
    text = candidates.c.search_text
    score = sum((func.word_similarity(word, text) for word in normal), start=cast(0.0, Float)) / len(words)
    return select(row, score.label("score")).order_by(literal_column("score").desc()).limit(limit), row


async def _companies(session: AsyncSession, principal: Principal, words: list[str], limit: int) -> list[Hit]:
    query, company = _ranked(visible_companies(session, principal), Company, "companies", words, limit)
    rows = (await session.execute(query.order_by(company.name_key, company.id))).all()
    return [Hit(COMPANY, c.id, c.name, " ".join(filter(None, (c.postal_code, c.city))), float(score), c.id)
            for c, score in rows]


async def _persons(session: AsyncSession, principal: Principal, words: list[str], limit: int) -> list[Hit]:
    query, person = _ranked(visible_persons(session, principal), ContactPerson, "contact_persons", words, limit)
    rows = (await session.execute(query.order_by(func.lower(person.last_name), person.id))).all()
    return [Hit(PERSON, p.id, " ".join(filter(None, (p.first_name, p.last_name))),
                next((e["address"] for e in p.emails if e.get("primary")), ""), float(score), p.company_id)
            for p, score in rows]


async def search(
    session: AsyncSession, *, principal: Principal, query: str, types: list[str], page_size: int, page_token: str,
) -> tuple[list[Hit], str]:
    """One page of hits, best first, and the token of the next page ("" when there is none)."""
    words = query_words(query)
    if not words or sum(map(len, words)) < 2:
        raise InvalidArgument("q", "type at least 2 letters or digits to search for")
    kinds = await _searchable_types(session, principal, types)
    size = pagination.page_size(page_size)
    fingerprint = " ".join(words) + "|" + ",".join(kinds)
    offset = _decode_offset(page_token, fingerprint)
    await session.execute(select(func.set_config("pg_trgm.word_similarity_threshold",
                                                 str(WORD_SIMILARITY_THRESHOLD), True)))
    limit = offset + size + 1
    hits: list[Hit] = []
    if COMPANY in kinds:
        hits += await _companies(session, principal, words, limit)
    if PERSON in kinds:
        hits += await _persons(session, principal, words, limit)
    hits.sort(key=lambda hit: (-hit.score, hit.title.casefold(), str(hit.id)))
    page = hits[offset:offset + size]
    more = len(hits) > offset + size and offset + size <= MAX_OFFSET
    return page, _encode_offset(offset + size, fingerprint) if more else ""
