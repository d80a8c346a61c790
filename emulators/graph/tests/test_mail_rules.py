"""Inbox messageRules: CRUD, validation naming the field, and rules applied to newly delivered mail."""

from __future__ import annotations

import pytest

from kontor.emulators.graph.mail_testing import deliver, make_mime


def _folder(mail, name):
    return mail.post("/mailFolders", json={"displayName": name}).json()["id"]


def _where(mt, ids):
    listed = mt.control.get(f"/mailboxes/{mt.upn}/mail/messages").json()["value"]
    return {m["immutableId"]: m["folderId"] for m in listed}[ids["immutableId"]]


def test_rule_crud(mail):
    crm = _folder(mail, "CRM")
    rule = {"displayName": "Kunden", "sequence": 1, "isEnabled": True,
            "conditions": {"senderContains": ["@kunde.de"]}, "actions": {"moveToFolder": crm, "stopProcessingRules": True}}
    made = mail.post("/mailFolders/inbox/messageRules", json=rule)
    assert made.status_code == 201
    rid = made.json()["id"]
    assert made.json()["actions"] == rule["actions"]
    assert made.json()["conditions"] == {"senderContains": ["@KUNDE.DE"]}  # Exchange upper-cases it
    assert [r["id"] for r in mail.get("/mailFolders/inbox/messageRules").json()["value"]] == [rid]
    patched = mail.patch(f"/mailFolders/inbox/messageRules/{rid}", json={"isEnabled": False})
    assert patched.status_code == 200 and patched.json()["isEnabled"] is False
    assert mail.get(f"/mailFolders/inbox/messageRules/{rid}").json()["displayName"] == "Kunden"
    assert mail.delete(f"/mailFolders/inbox/messageRules/{rid}").status_code == 204
    assert mail.get(f"/mailFolders/inbox/messageRules/{rid}").status_code == 404
    assert mail.get("/mailFolders/sentitems/messageRules").status_code == 400


@pytest.mark.parametrize(("body", "field"), [
    ({"sequence": 1, "actions": {"markAsRead": True}}, "displayName"),
    ({"displayName": "x", "sequence": 0, "actions": {"markAsRead": True}}, "sequence"),
    ({"displayName": "x", "sequence": 1, "actions": {"moveToFolder": "nope"}}, "actions.moveToFolder"),
    ({"displayName": "x", "sequence": 1, "actions": {"forwardTo": []}}, "actions.forwardTo"),
    ({"displayName": "x", "sequence": 1, "actions": {"markAsRead": True}, "conditions": {"subjectContains": "x"}},
     "conditions.subjectContains"),
])
def test_bad_rules_are_refused_naming_the_field(mail, body, field):
    r = mail.post("/mailFolders/inbox/messageRules", json=body)
    assert r.status_code == 400 and r.json()["error"]["message"].startswith(field)


def test_rules_move_new_mail_by_sender_recipient_subject_and_attachment(mail, mt):
    crm, att, sub = _folder(mail, "CRM"), _folder(mail, "Anhänge"), _folder(mail, "Rechnungen")
    rules = [
        {"displayName": "from", "sequence": 1, "conditions": {"fromAddresses": [{"emailAddress": {"address": "boss@kunde.de"}}]},
         "actions": {"moveToFolder": crm, "stopProcessingRules": True}},
        {"displayName": "subject", "sequence": 2, "conditions": {"subjectContains": ["rechnung"]},
         "actions": {"moveToFolder": sub, "stopProcessingRules": True}},
        {"displayName": "attachments", "sequence": 3, "conditions": {"hasAttachments": True},
         "actions": {"moveToFolder": att}},
        {"displayName": "domain to sales", "sequence": 4,
         "conditions": {"senderContains": ["@partner.de"], "sentToAddresses": [{"emailAddress": {"address": "sales@x.de"}}]},
         "actions": {"moveToFolder": crm}},
    ]
    for r in rules:
        assert mail.post("/mailFolders/inbox/messageRules", json=r).status_code == 201
    inbox = mail.get("/mailFolders/inbox").json()["id"]
    boss = deliver(mt, make_mime(sender="boss@kunde.de", subject="Rechnung 7", to=mt.upn))
    invoice = deliver(mt, make_mime(sender="acc@firma.de", subject="Ihre RECHNUNG", to=mt.upn, attachment=("r.pdf", b"x")))
    attached = deliver(mt, make_mime(sender="a@b.de", subject="Fotos", to=mt.upn, attachment=("p.jpg", b"y")))
    partner_sales = deliver(mt, make_mime(sender="p@partner.de", to="sales@x.de", cc=mt.upn))
    partner_other = deliver(mt, make_mime(sender="p@partner.de", to=mt.upn))
    plain = deliver(mt, make_mime(sender="x@y.de", to=mt.upn))
    assert _where(mt, boss) == crm  # first matching rule stops the run
    assert _where(mt, invoice) == sub
    assert _where(mt, attached) == att
    assert _where(mt, partner_sales) == crm  # both predicates hold
    assert _where(mt, partner_other) == inbox
    assert _where(mt, plain) == inbox


def test_rules_skip_disabled_and_mail_not_delivered_to_inbox(mail, mt):
    crm = _folder(mail, "CRM")
    rid = mail.post("/mailFolders/inbox/messageRules", json={
        "displayName": "all", "sequence": 1, "conditions": {"subjectContains": ["a"]},
        "actions": {"moveToFolder": crm}}).json()["id"]
    elsewhere = deliver(mt, make_mime(subject="a", to=mt.upn), folder="drafts")
    assert _where(mt, elsewhere) == mail.get("/mailFolders/drafts").json()["id"]
    mail.patch(f"/mailFolders/inbox/messageRules/{rid}", json={"isEnabled": False})
    off = deliver(mt, make_mime(subject="a", to=mt.upn))
    assert _where(mt, off) == mail.get("/mailFolders/inbox").json()["id"]
    mail.patch(f"/mailFolders/inbox/messageRules/{rid}", json={"isEnabled": True, "exceptions": {"senderContains": ["vip"]}})
    assert _where(mt, deliver(mt, make_mime(subject="a", sender="vip@x.de", to=mt.upn))) != crm
    assert _where(mt, deliver(mt, make_mime(subject="a", to=mt.upn))) == crm
