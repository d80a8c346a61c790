"""Access engine rules that need no database: rule inputs, rule matching, the visibility clause's shape."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, strategies as st
from pydantic import ValidationError
from sqlalchemy import true
from sqlalchemy.dialects import postgresql

from kontor.platform.auth import Principal
from kontor.platform.errors import InvalidArgument

from kontor.contacts.access.visibility import sees_everything, user_id_of, visible_filter
from kontor.contacts.assignment.models import AssignmentRule
from kontor.contacts.assignment.schemas import RecordAttributes, RuleInput
from kontor.contacts.assignment.rules import _matches
from kontor.contacts.substitution.schemas import SubstitutionCreate

TENANT = uuid.uuid4()


def _rule(**fields) -> AssignmentRule:
    data = RuleInput(name="r", priority=1, **fields)
    return AssignmentRule(**data.model_dump())


@pytest.mark.parametrize(("fields", "bad_field"), [
    ({"kind": "round_robin"}, "team_id"),
    ({"kind": "industry", "values": ["IT"]}, "user_id"),
    ({"kind": "industry", "user_id": uuid.uuid4()}, "values"),
    ({"kind": "postal_code", "user_id": uuid.uuid4(), "postal_code_from": "1000", "postal_code_to": "999"},
     "postal_code_from"),
    ({"kind": "postal_code", "user_id": uuid.uuid4(), "postal_code_from": "2000", "postal_code_to": "1999"},
     "postal_code_from"),
])
def test_a_rule_names_the_field_it_misses(fields, bad_field):
    with pytest.raises(InvalidArgument) as exc:
        RuleInput(name="r", priority=1, **fields)
    assert exc.value.field == bad_field


def test_unknown_kinds_and_roles_are_refused_by_field():
    with pytest.raises(ValidationError) as exc:
        RuleInput(name="r", priority=1, kind="zodiac", user_id=uuid.uuid4())
    assert exc.value.errors()[0]["loc"] == ("kind",)
    with pytest.raises(ValidationError) as exc:
        RuleInput(name="r", priority=1, kind="industry", values=["x"], user_id=uuid.uuid4(), role="boss")
    assert exc.value.errors()[0]["loc"] == ("role",)


def test_postal_code_ranges_are_inclusive_and_need_the_same_length():
    rule = _rule(kind="postal_code", user_id=uuid.uuid4(), postal_code_from="1000", postal_code_to="1999")
    assert [_matches(rule, RecordAttributes(postal_code=code)) for code in ("1000", "1999", " 1500 ", "2000",
                                                                            "10115", "999")] == \
        [True, True, True, False, False, False]


def test_industry_and_revenue_rules_ignore_case_and_spaces():
    industry = _rule(kind="industry", user_id=uuid.uuid4(), values=[" IT ", "Handel"])
    assert industry.values == ["handel", "it"]
    assert _matches(industry, RecordAttributes(industry="it"))
    assert _matches(industry, RecordAttributes(industry="HANDEL"))
    assert not _matches(industry, RecordAttributes(industry="Automotive"))
    revenue = _rule(kind="revenue_tier", user_id=uuid.uuid4(), values=[">1m"])
    assert _matches(revenue, RecordAttributes(revenue_tier=">1m"))
    assert not _matches(revenue, RecordAttributes(revenue_tier="<10k"))


@given(st.text(max_size=8))
def test_round_robin_takes_every_record(code):
    rule = _rule(kind="round_robin", team_id=uuid.uuid4())
    assert _matches(rule, RecordAttributes(postal_code=code))


def test_a_substitution_window_must_not_be_empty():
    at = datetime(2030, 1, 1, tzinfo=UTC)
    with pytest.raises(InvalidArgument) as exc:
        SubstitutionCreate(substitute_user_id=uuid.uuid4(), starts_at=at, ends_at=at).window()
    assert exc.value.field == "ends_at"
    assert SubstitutionCreate(substitute_user_id=uuid.uuid4(), starts_at=at,
                              ends_at=at + timedelta(seconds=1)).window()[0] == at
    with pytest.raises(ValidationError) as naive:
        SubstitutionCreate(substitute_user_id=uuid.uuid4(), starts_at=datetime(2030, 1, 1), ends_at=at)
    assert naive.value.errors()[0]["loc"] == ("starts_at",)


def test_managers_and_services_see_everything_others_are_filtered():
    for roles in (("org_manager",), ("superadmin",), ("service",)):
        principal = Principal(subject="x", tenant_id=TENANT, roles=roles)
        assert sees_everything(principal) and visible_filter(principal, "company") is true()
    rep = Principal(subject=str(uuid.uuid4()), tenant_id=TENANT, roles=("sales_rep",))
    sql = str(visible_filter(rep, "company").compile(dialect=postgresql.dialect()))
    assert "substitutions" in sql and "engagements" in sql and "user_teams" in sql


def test_a_subject_that_is_no_user_id_sees_only_company_wide_records():
    stranger = Principal(subject="user-sales_rep", tenant_id=TENANT, roles=("sales_rep",))
    assert user_id_of(stranger) is None
    sql = str(visible_filter(stranger, "company").compile(dialect=postgresql.dialect(),
                                                          compile_kwargs={"literal_binds": True}))
    assert sql == "companies.access_level = 'company'"


def test_unknown_record_types_see_nothing():
    rep = Principal(subject=str(uuid.uuid4()), tenant_id=TENANT, roles=("sales_rep",))
    assert str(visible_filter(rep, "invoice")) == "false"
