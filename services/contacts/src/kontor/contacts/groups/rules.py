"""Rules of dynamic customer groups: strict validation, the SQL condition, and the same rule in Python.

A rule is ``{"conditions": [{"field": ..., "op": ..., "value": ...}, ...]}``;
a company belongs to the group when every condition holds (AND). The SQL form
is evaluated at read time, so membership always follows the companies; the
Python form (``matches``) states the meaning once more, and a property test
checks both agree on the real database.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, func
from sqlalchemy.sql.elements import ColumnElement

from kontor.platform.errors import InvalidArgument

from kontor.contacts.companies.duplicates import text_key
from kontor.contacts.companies.models import Company

MAX_CONDITIONS = 20
MAX_VALUE = 100
# Ordered from small to large: "revenue_tier gte 100k-1m" means 100k-1m or >1m.
REVENUE_TIERS = ("<10k", "10k-100k", "100k-1m", ">1m")
KINDS = ("lead", "customer")
# field -> operators it allows.
OPERATORS: dict[str, tuple[str, ...]] = {
    "revenue_tier": ("eq", "gte"), "industry": ("eq",), "region": ("eq",), "country": ("eq",),
    "city": ("eq",), "postal_code": ("prefix",), "kind": ("eq",),
}


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    value: str


def _condition(raw: Any, at: str) -> Condition:
    if not isinstance(raw, Mapping):
        raise InvalidArgument(at, 'must be an object {"field": ..., "op": ..., "value": ...}')
    unknown = sorted(set(raw) - {"field", "op", "value"})
    if unknown:
        raise InvalidArgument(f"{at}.{unknown[0]}", "is not part of a condition; use field, op and value")
    field, op, value = raw.get("field"), raw.get("op"), raw.get("value")
    if field not in OPERATORS:
        raise InvalidArgument(f"{at}.field", f"use one of {', '.join(OPERATORS)}")
    if op not in OPERATORS[field]:
        raise InvalidArgument(f"{at}.op", f"{field} allows {', '.join(OPERATORS[field])}")
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_VALUE or "\x00" in value:
        raise InvalidArgument(f"{at}.value", f"must be non-empty text of at most {MAX_VALUE} characters")
    value = value.strip()
    if field == "revenue_tier" and value not in REVENUE_TIERS:
        raise InvalidArgument(f"{at}.value", f"use one of {', '.join(REVENUE_TIERS)}")
    if field == "kind" and value not in KINDS:
        raise InvalidArgument(f"{at}.value", f"use one of {', '.join(KINDS)}")
    if field == "country":
        if len(value) != 2 or not value.isascii() or not value.isalpha():
            raise InvalidArgument(f"{at}.value", "must be an ISO 3166-1 alpha-2 code such as DE, AT or CH")
        value = value.upper()
    return Condition(field, op, value)


def parse(raw: Any, *, at: str = "rule") -> tuple[Condition, ...]:
    """The validated conditions of ``raw``; InvalidArgument naming the exact field otherwise."""
    if not isinstance(raw, Mapping):
        raise InvalidArgument(at, 'must be an object {"conditions": [...]}')
    unknown = sorted(set(raw) - {"conditions"})
    if unknown:
        raise InvalidArgument(f"{at}.{unknown[0]}", "is not part of a rule; a rule has only conditions")
    conditions = raw.get("conditions")
    if not isinstance(conditions, list) or not conditions:
        raise InvalidArgument(f"{at}.conditions", "give at least one condition; a rule without any would "
                                                  "match every company")
    if len(conditions) > MAX_CONDITIONS:
        raise InvalidArgument(f"{at}.conditions", f"at most {MAX_CONDITIONS} conditions")
    return tuple(_condition(c, f"{at}.conditions[{i}]") for i, c in enumerate(conditions))


def to_json(conditions: tuple[Condition, ...]) -> dict:
    return {"conditions": [{"field": c.field, "op": c.op, "value": c.value} for c in conditions]}


def _tier_rank(column: ColumnElement) -> ColumnElement:
    return case({tier: rank for rank, tier in enumerate(REVENUE_TIERS, start=1)}, value=column, else_=0)


def _sql(c: Condition) -> ColumnElement:
    if c.field == "revenue_tier":
        rank = REVENUE_TIERS.index(c.value) + 1
        return _tier_rank(Company.revenue_tier) >= rank if c.op == "gte" else Company.revenue_tier == c.value
    if c.field == "city":
        return Company.city_key == text_key(c.value)
    if c.field == "postal_code":
        return Company.postal_code.startswith(c.value, autoescape=True)
    if c.field in ("industry", "region"):
        # lower() on both sides in SQL: one case mapping (the database's) for stored and asked value.
        return func.lower(getattr(Company, c.field)) == func.lower(c.value)
    return getattr(Company, c.field) == c.value  # country (stored upper-case), kind


def to_sql(conditions: tuple[Condition, ...]) -> ColumnElement:
    """The WHERE condition selecting the companies that match every condition."""
    return and_(*(_sql(c) for c in conditions))


_PYTHON: dict[str, Callable[[Condition, Mapping[str, str]], bool]] = {
    "revenue_tier": lambda c, co: (co["revenue_tier"] == c.value if c.op == "eq" else
                                   co["revenue_tier"] in REVENUE_TIERS[REVENUE_TIERS.index(c.value):]),
    "city": lambda c, co: text_key(co["city"]) == text_key(c.value),
    "postal_code": lambda c, co: co["postal_code"].startswith(c.value),
    "industry": lambda c, co: co["industry"].lower() == c.value.lower(),
    "region": lambda c, co: co["region"].lower() == c.value.lower(),
    "country": lambda c, co: co["country"] == c.value,
    "kind": lambda c, co: co["kind"] == c.value,
}


def matches(conditions: tuple[Condition, ...], company: Mapping[str, str]) -> bool:
    """The rule over a company's fields in plain Python (the reference the SQL form is tested against)."""
    return all(_PYTHON[c.field](c, company) for c in conditions)
