"""sendMail (JSON and base64 MIME): delivery to hosted mailboxes, Sent Items, Message-ID, errors; throttling."""

from __future__ import annotations

import base64
import email
from email import policy

import pytest

from kontor.emulators.graph.mail_testing import MAIL_ROLES, deliver, make_mime
from kontor.emulators.graph.testing import new_tenant


def _message(to, **extra):
    return {"subject": "Angebot", "body": {"contentType": "Text", "content": "Anbei."},
            "toRecipients": [{"emailAddress": {"address": to}}], **extra}


def test_json_send_delivers_and_keeps_a_sent_copy(mail, mt):
    bob = mt.add_mailbox(f"bob@{mt.domain}")["userPrincipalName"]
    mid = "<crm.deal-42.a1b2@kontor.example>"
    msg = _message(bob, internetMessageId=mid, ccRecipients=[{"emailAddress": {"address": "ext@example.com"}}],
                   bccRecipients=[{"emailAddress": {"address": "hidden@example.com"}}],
                   internetMessageHeaders=[{"name": "X-Kontor-Record", "value": "deal/42"}],
                   attachments=[{"@odata.type": "#microsoft.graph.fileAttachment", "name": "a.txt",
                                 "contentType": "text/plain", "contentBytes": base64.b64encode(b"doc").decode()}])
    r = mail.post("/sendMail", json={"message": msg})
    assert r.status_code == 202 and r.content == b""
    with mt.graph(bob) as bob_mail:
        got = bob_mail.get("/mailFolders/inbox/messages").json()["value"]
        assert [(m["subject"], m["internetMessageId"], m["hasAttachments"]) for m in got] == [("Angebot", mid, True)]
        raw = bob_mail.get(f"/messages/{got[0]['id']}/$value").content
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert parsed["X-Kontor-Record"] == "deal/42" and parsed["Bcc"] is None
    assert parsed["From"].addresses[0].addr_spec == mt.upn
    sent = mail.get("/mailFolders/sentitems/messages").json()["value"]
    assert [(m["internetMessageId"], m["isRead"]) for m in sent] == [(mid, True)]
    assert [r["emailAddress"]["address"] for r in sent[0]["bccRecipients"]] == ["hidden@example.com"]
    log = mt.control.get(f"/mailboxes/{mt.upn}/mail/sent").json()["value"]
    assert [(e["internetMessageId"], e["deliveredTo"], e["savedToSentItems"]) for e in log] == [(mid, [bob], True)]


def test_mime_send_keeps_headers_and_can_skip_sent_items(mail, mt):
    bob = mt.add_mailbox(f"bob@{mt.domain}")["userPrincipalName"]
    mime = make_mime(sender=mt.upn, to=bob, subject="Re: Frage", message_id="<reply-1@kontor.example>",
                     in_reply_to="<q-1@example.com>")
    r = mail.post("/sendMail", content=base64.b64encode(mime.encode()), headers={"Content-Type": "text/plain"})
    assert r.status_code == 202
    with mt.graph(bob) as bob_mail:
        got = bob_mail.get("/mailFolders/inbox/messages").json()["value"]
        raw = bob_mail.get(f"/messages/{got[0]['id']}/$value").content
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert parsed["Message-ID"] == "<reply-1@kontor.example>" and parsed["In-Reply-To"] == "<q-1@example.com>"
    assert len(mail.get("/mailFolders/sentitems/messages").json()["value"]) == 1
    r = mail.post("/sendMail", json={"message": _message(bob), "saveToSentItems": False})
    assert r.status_code == 202
    assert len(mail.get("/mailFolders/sentitems/messages").json()["value"]) == 1
    log = mt.control.get(f"/mailboxes/{mt.upn}/mail/sent").json()["value"]
    assert log[-1]["savedToSentItems"] is False and log[-1]["internetMessageId"].endswith(f"@{mt.domain}>")


def test_delivery_runs_the_recipients_rules(mail, mt):
    bob = mt.add_mailbox(f"bob@{mt.domain}")["userPrincipalName"]
    with mt.graph(bob) as bob_mail:
        crm = bob_mail.post("/mailFolders", json={"displayName": "CRM"}).json()["id"]
        bob_mail.post("/mailFolders/inbox/messageRules", json={
            "displayName": "colleagues", "sequence": 1, "conditions": {"senderContains": [mt.domain]},
            "actions": {"moveToFolder": crm}})
        mail.post("/sendMail", json={"message": _message(bob)})
        assert [m["subject"] for m in bob_mail.get(f"/mailFolders/{crm}/messages").json()["value"]] == ["Angebot"]


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"content": b"!!not base64!!", "headers": {"Content-Type": "text/plain"}}, "ErrorMimeContentInvalidBase64String"),
    ({"json": {"message": {"subject": "no one"}}}, "ErrorInvalidRecipients"),
    ({"json": {"message": _message("not-an-address")}}, "ErrorInvalidRecipients"),
    ({"json": {"message": _message("a@b.de", internetMessageHeaders=[{"name": "Received", "value": "x"}])}},
     "InvalidInternetMessageHeader"),
    ({"json": {"message": _message("a@b.de"), "saveToSentItems": "no"}}, "RequestBodyRead"),
])
def test_bad_send_requests(mail, kwargs, code):
    r = mail.post("/sendMail", **kwargs)
    assert r.status_code == 400 and r.json()["error"]["code"] == code


def test_mail_requests_share_the_mailbox_budget(mail, mt):
    deliver(mt, make_mime(to=mt.upn))
    mt.control.put(f"/mailboxes/{mt.upn}/throttle", json={"budget": 3, "windowSeconds": 600})
    statuses = [mail.get("/mailFolders/inbox/messages").status_code for _ in range(3)]
    throttled = mail.get("/mailFolders/inbox/messages/delta")
    assert statuses == [200, 200, 200]
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) >= 1
    assert mail.post("/sendMail", json={"message": _message("a@b.de")}).status_code == 429
    assert mt.control.get(f"/mailboxes/{mt.upn}/stats").json()["throttled"] == 2


def test_other_tenants_mailbox_is_not_found(emulator, mt):
    other = new_tenant(emulator, roles=MAIL_ROLES)
    try:
        with other.graph(mt.upn) as foreign:
            r = foreign.get("/mailFolders/inbox/messages")
            assert r.status_code == 404
    finally:
        other.control.close()
