"""Pure mappings: rule conditions → messageRule bodies, page tokens, summaries from partial JSON."""

from __future__ import annotations

import pytest

from kontor.mail_import.providers.base import RuleConditions
from kontor.mail_import.providers.graph import mapping
from kontor.platform.groupware.errors import InvalidRequest


def test_every_condition_maps_to_its_predicate():
    conditions = RuleConditions(sender_addresses=("a@x.example",), sender_domains=("@y.example", "z.example"),
                                recipient_addresses=("s@x.example",), subject_contains=("Offer",), has_attachment=True)
    body = mapping.rule_body("R", conditions, "F1")
    assert body["conditions"] == {
        "fromAddresses": [{"emailAddress": {"address": "a@x.example"}}],
        "senderContains": ["@y.example", "@z.example"],
        "sentToAddresses": [{"emailAddress": {"address": "s@x.example"}}],
        "subjectContains": ["Offer"],
        "hasAttachments": True,
    }
    assert body["exceptions"] == {} and body["displayName"] == "R" and body["isEnabled"] is True
    assert body["actions"] == {"moveToFolder": "F1", "stopProcessingRules": False}
    assert "sequence" not in body


def test_no_attachment_is_an_exception_and_either_is_nothing():
    without = mapping.rule_body("R", RuleConditions(subject_contains=("x",), has_attachment=False), "F")
    assert without["conditions"] == {"subjectContains": ["x"]} and without["exceptions"] == {"hasAttachments": True}
    either = mapping.rule_body("R", RuleConditions(subject_contains=("x",)), "F")
    assert "hasAttachments" not in either["conditions"] and either["exceptions"] == {}


@pytest.mark.parametrize("skip", [0, 1, 50, 999_999_999])
def test_page_tokens_round_trip(skip):
    assert mapping.decode_page_token(mapping.encode_page_token(skip)) == skip


@pytest.mark.parametrize("token", ["", "!!", "skip:5", mapping.encode_page_token(5) + "x", "c2tpcDoxMDAwMDAwMDAw"])
def test_foreign_page_tokens_are_refused(token):
    with pytest.raises(InvalidRequest):
        mapping.decode_page_token(token)


def test_summary_of_a_message_without_sender_or_date():
    s = mapping.summary({"id": "m1", "isRead": True, "from": None, "toRecipients": [{"emailAddress": {}}],
                         "receivedDateTime": "garbage"}, "inbox")
    assert (s.ref, s.sender, s.to, s.received_at, s.unread, s.subject, s.message_id) == (
        "m1", None, (), None, False, "", None)
