"""Rule conditions: checking (fields named), the proto and JSON forms, and matching, with properties."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kontor.platform.errors import InvalidArgument
from kontor.protos.mail.v1 import rules_pb2

from kontor.mail_import.providers.base import Mailbox, MessageSummary, RuleConditions
from kontor.mail_import.rules.conditions import checked, from_json, from_proto, matches, to_json, to_proto


def summary(*, sender: str | None = "a@kunde.example", to=("me@kontor.example",), cc=(), subject: str = "Angebot",
            attachments: bool = False) -> MessageSummary:
    return MessageSummary(ref="1", folder_id="inbox", subject=subject,
                          sender=Mailbox(sender) if sender is not None else None,
                          to=tuple(Mailbox(a) for a in to), cc=tuple(Mailbox(a) for a in cc), received_at=None,
                          unread=True, has_attachments=attachments)


# ---- checking -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("conditions", "field"), [
    (RuleConditions(), "conditions"),
    (RuleConditions(sender_domains=("kunde.example", "not a domain")), "conditions.sender_domains[1]"),
    (RuleConditions(sender_domains=("localhost",)), "conditions.sender_domains[0]"),
    (RuleConditions(sender_addresses=("kunde.example",)), "conditions.sender_addresses[0]"),
    (RuleConditions(sender_addresses=("a b@kunde.example",)), "conditions.sender_addresses[0]"),
    (RuleConditions(recipient_addresses=("x@y.example", "x@")), "conditions.recipient_addresses[1]"),
    (RuleConditions(subject_contains=("ok", "  ")), "conditions.subject_contains[1]"),
    (RuleConditions(subject_contains=tuple(f"s{i}" for i in range(21))), "conditions.subject_contains"),
])
def test_bad_conditions_name_the_field(conditions, field):
    with pytest.raises(InvalidArgument) as caught:
        checked(conditions)
    assert caught.value.field == field


def test_checking_normalises_case_spaces_duplicates_and_at_signs():
    result = checked(RuleConditions(sender_addresses=(" Chef@Partner.Example ", "chef@partner.example"),
                                    sender_domains=("@Kunde.Example",), subject_contains=("  Angebot ",)))
    assert result == RuleConditions(sender_addresses=("chef@partner.example",), sender_domains=("kunde.example",),
                                    subject_contains=("Angebot",))
    assert checked(RuleConditions(has_attachment=False)).has_attachment is False  # alone it is a condition
    assert checked(RuleConditions(sender_domains=("münchen.de",))).sender_domains == ("münchen.de",)


def test_proto_and_json_forms_round_trip():
    conditions = checked(RuleConditions(sender_domains=("kunde.example",), recipient_addresses=("s@x.example",),
                                        subject_contains=("Rechnung",), has_attachment=True))
    assert from_proto(to_proto(conditions)) == conditions
    assert from_json(to_json(conditions)) == conditions
    either = checked(RuleConditions(subject_contains=("x",)))
    assert not to_proto(either).HasField("has_attachment") and "has_attachment" not in to_json(either)
    with pytest.raises(InvalidArgument) as caught:
        from_proto(rules_pb2.RuleConditions(sender_domains=["ok.example", "-bad-.example"]))
    assert caught.value.field == "conditions.sender_domains[1]"


# ---- matching -------------------------------------------------------------------------------------------------


def test_domains_match_subdomains_but_not_lookalikes():
    rule = RuleConditions(sender_domains=("example.com",))
    assert matches(rule, summary(sender="A@Example.COM"))
    assert matches(rule, summary(sender="a@mail.sub.example.com"))
    assert not matches(rule, summary(sender="a@notexample.com"))
    assert not matches(rule, summary(sender="a@example.com.evil.example"))
    assert not matches(rule, summary(sender=None))


def test_recipients_are_to_or_cc_and_subjects_are_case_free_substrings():
    rule = RuleConditions(recipient_addresses=("sales@kontor.example",))
    assert matches(rule, summary(to=("Sales@Kontor.example",)))
    assert matches(rule, summary(to=("x@y.example",), cc=("sales@kontor.example",)))
    assert not matches(rule, summary(to=("x@y.example",)))
    assert matches(RuleConditions(subject_contains=("ANGEBOT",)), summary(subject="Ihr angebot Nr. 5"))
    assert matches(RuleConditions(subject_contains=("straße",)), summary(subject="STRASSE 5"))  # case-free
    assert not matches(RuleConditions(subject_contains=("rechnung",)), summary(subject="Angebot"))


def test_attachment_condition_and_empty_conditions():
    assert matches(RuleConditions(has_attachment=True), summary(attachments=True))
    assert not matches(RuleConditions(has_attachment=True), summary(attachments=False))
    assert matches(RuleConditions(has_attachment=False), summary(attachments=False))
    assert not matches(RuleConditions(), summary())  # never a rule that takes everything


# ---- properties -----------------------------------------------------------------------------------------------

LOCALS = st.sampled_from(["a", "b", "chef", "info"])
DOMAINS = st.sampled_from(["kunde.example", "sub.kunde.example", "partner.example", "x.partner.example",
                           "other.example"])
ADDRESSES = st.builds(lambda local, domain: f"{local}@{domain}", LOCALS, DOMAINS)
WORDS = st.sampled_from(["Angebot", "angebot", "Rechnung", "Hallo", "ANFRAGE", "re"])

summaries = st.builds(
    lambda sender, to, cc, words, attachments: summary(sender=sender, to=tuple(to), cc=tuple(cc),
                                                       subject=" ".join(words), attachments=attachments),
    st.one_of(st.none(), ADDRESSES), st.lists(ADDRESSES, max_size=3), st.lists(ADDRESSES, max_size=2),
    st.lists(WORDS, max_size=4), st.booleans())

condition_sets = st.builds(
    RuleConditions,
    sender_addresses=st.lists(ADDRESSES, max_size=3).map(tuple),
    sender_domains=st.lists(DOMAINS, max_size=3).map(tuple),
    recipient_addresses=st.lists(ADDRESSES, max_size=3).map(tuple),
    subject_contains=st.lists(WORDS, max_size=3).map(tuple),
    has_attachment=st.one_of(st.none(), st.booleans()),
).filter(lambda c: c != RuleConditions())

LIST_FIELDS = ("sender_addresses", "sender_domains", "recipient_addresses", "subject_contains")
ENTRY_OF = {"sender_addresses": ADDRESSES, "sender_domains": DOMAINS, "recipient_addresses": ADDRESSES,
            "subject_contains": WORDS}


@settings(max_examples=300, deadline=None)
@given(conditions=condition_sets, message=summaries, data=st.data())
def test_adding_an_or_entry_never_removes_matches(conditions, message, data):
    name = data.draw(st.sampled_from([f for f in LIST_FIELDS if getattr(conditions, f)]
                                     or [None]))
    if name is None:
        return  # only has_attachment set: it has no list to widen
    extra = data.draw(ENTRY_OF[name])
    wider = replace(conditions, **{name: (*getattr(conditions, name), extra)})
    if matches(conditions, message):
        assert matches(wider, message)


def _only(conditions: RuleConditions, names: set[str]) -> RuleConditions:
    return RuleConditions(**{f: getattr(conditions, f) for f in LIST_FIELDS if f in names},
                          has_attachment=conditions.has_attachment if "has_attachment" in names else None)


@settings(max_examples=300, deadline=None)
@given(conditions=condition_sets, message=summaries, data=st.data())
def test_and_of_conditions_is_the_intersection_of_their_matches(conditions, message, data):
    present = [f for f in LIST_FIELDS if getattr(conditions, f)] + (
        ["has_attachment"] if conditions.has_attachment is not None else [])
    left = set(data.draw(st.lists(st.sampled_from(present), min_size=1, unique=True)))
    right = set(present) - left
    if not right:
        return
    assert matches(conditions, message) == (matches(_only(conditions, left), message)
                                            and matches(_only(conditions, right), message))


@settings(max_examples=200, deadline=None)
@given(conditions=condition_sets, message=summaries)
def test_checked_conditions_match_like_the_raw_ones(conditions, message):
    """Normalising (case, duplicates) never changes what a rule matches."""
    assert matches(checked(conditions), message) == matches(conditions, message)
