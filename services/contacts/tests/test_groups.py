"""Rules of dynamic customer groups: strict validation naming the field, and what a rule means."""

import pytest
from hypothesis import given, strategies as st
from sqlalchemy.dialects import postgresql

from kontor.platform.errors import InvalidArgument

from kontor.contacts.groups import rules
from kontor.contacts.groups.schemas import GroupCreate
from kontor.contacts.groups.service import _validated_rule

GOOD = {"conditions": [{"field": "revenue_tier", "op": "gte", "value": "100k-1m"},
                       {"field": "city", "op": "eq", "value": " Berlin "}]}


def _field_of(raw) -> str:
    with pytest.raises(InvalidArgument) as exc:
        rules.parse(raw)
    return exc.value.field


@pytest.mark.parametrize(("raw", "field"), [
    ([], "rule"),
    ({}, "rule.conditions"),
    ({"conditions": []}, "rule.conditions"),
    ({"conditions": [{"field": "city", "op": "eq", "value": "B"}], "or": []}, "rule.or"),
    ({"conditions": [GOOD["conditions"][0], {"field": "color", "op": "eq", "value": "red"}]},
     "rule.conditions[1].field"),
    ({"conditions": [{"field": "city", "op": "gte", "value": "B"}]}, "rule.conditions[0].op"),
    ({"conditions": [{"field": "postal_code", "op": "eq", "value": "10"}]}, "rule.conditions[0].op"),
    ({"conditions": [{"field": "revenue_tier", "op": "gte", "value": "huge"}]}, "rule.conditions[0].value"),
    ({"conditions": [{"field": "kind", "op": "eq", "value": "partner"}]}, "rule.conditions[0].value"),
    ({"conditions": [{"field": "country", "op": "eq", "value": "DEU"}]}, "rule.conditions[0].value"),
    ({"conditions": [{"field": "city", "op": "eq", "value": "  "}]}, "rule.conditions[0].value"),
    ({"conditions": [{"field": "city", "op": "eq", "value": 7}]}, "rule.conditions[0].value"),
    ({"conditions": [{"field": "city", "op": "eq", "value": "B\x00"}]}, "rule.conditions[0].value"),
    ({"conditions": [{"field": "city", "op": "eq", "value": "B", "not": True}]}, "rule.conditions[0].not"),
    ({"conditions": ["city = Berlin"]}, "rule.conditions[0]"),
    ({"conditions": [GOOD["conditions"][0]] * 21}, "rule.conditions"),
])
def test_bad_rules_name_the_field_at_fault(raw, field):
    assert _field_of(raw) == field


def test_a_good_rule_is_normalised():
    assert rules.to_json(rules.parse(GOOD)) == {"conditions": [
        {"field": "revenue_tier", "op": "gte", "value": "100k-1m"}, {"field": "city", "op": "eq", "value": "Berlin"}]}
    country = rules.parse({"conditions": [{"field": "country", "op": "eq", "value": "at"}]})
    assert country[0].value == "AT"


def test_static_groups_take_no_rule_and_dynamic_ones_need_one():
    assert _validated_rule("static", None) == {}
    with pytest.raises(InvalidArgument) as exc:
        _validated_rule("static", GOOD)
    assert exc.value.field == "rule"
    with pytest.raises(InvalidArgument):
        _validated_rule("dynamic", None)
    assert GroupCreate(name="A", kind="dynamic", rule=GOOD).rule == GOOD


_COMPANY = st.fixed_dictionaries({
    "revenue_tier": st.sampled_from(("", *rules.REVENUE_TIERS)),
    "city": st.sampled_from(("Berlin", "BERLIN ", "Köln")),
    "postal_code": st.sampled_from(("", "10115", "1011", "20095")), "industry": st.sampled_from(("IT", "it", "Bau")),
    "region": st.sampled_from(("", "Bayern", "bayern")), "country": st.sampled_from(("", "DE", "AT")),
    "kind": st.sampled_from(rules.KINDS),
})


@given(company=_COMPANY, tier=st.sampled_from(rules.REVENUE_TIERS))
def test_revenue_tier_gte_means_this_tier_or_a_larger_one(company, tier):
    rule = rules.parse({"conditions": [{"field": "revenue_tier", "op": "gte", "value": tier}]})
    has = company["revenue_tier"]
    expected = bool(has) and rules.REVENUE_TIERS.index(has) >= rules.REVENUE_TIERS.index(tier)
    assert rules.matches(rule, company) is expected


@given(company=_COMPANY, first=st.sampled_from(GOOD["conditions"]),
       second=st.sampled_from([{"field": "kind", "op": "eq", "value": "lead"},
                               {"field": "postal_code", "op": "prefix", "value": "101"}]))
def test_conditions_combine_with_and(company, first, second):
    both = rules.parse({"conditions": [first, second]})
    each = [rules.parse({"conditions": [c]}) for c in (first, second)]
    assert rules.matches(both, company) == all(rules.matches(r, company) for r in each)


def test_the_sql_uses_bound_parameters_and_escapes_prefixes():
    rule = rules.parse({"conditions": [{"field": "postal_code", "op": "prefix", "value": "1_%"},
                                       {"field": "industry", "op": "eq", "value": "x' OR 1=1 --"}]})
    compiled = rules.to_sql(rule).compile(dialect=postgresql.dialect())
    assert "OR 1=1" not in str(compiled)
    assert "x' OR 1=1 --" in compiled.params.values()  # a value, never SQL text
    assert any(v == "1/_/%" for v in compiled.params.values())  # LIKE wildcards are literal characters
