"""Filing scenarios through the gateway, for Graph (emulator) and IMAP (pymap): matching by address, domain
and thread; manual filing that survives re-matching; removed links that stay removed; rights on filed mail;
shared mailboxes; sending with auto-filing, and replies that file themselves."""

from __future__ import annotations

import base64
import uuid

import pytest

from tests.integration.mail_world import MailWorld, balanced, links, mime, ok
from tests.integration.test_companies_api import _problem


@pytest.fixture(scope="module")
def world(mail_world) -> MailWorld:
    return mail_world


def _stranger() -> str:
    return f"someone@{uuid.uuid4().hex[:8]}.example"


def test_matching_by_address_by_domain_and_by_thread(world):
    box = world.box("rep")
    kunde, muster = world.companies["kunde"]["id"], world.companies["muster"]["id"]
    karl = world.persons["karl"]["id"]
    by_address, by_domain, by_thread = (world.unique("Question"), world.unique("Order"), world.unique("Re: Question"))
    first_id = f"<{uuid.uuid4().hex}@{world.kunde_domain}>"
    box.deliver(mime(subject=by_address, sender=world.karl, to=box.address, message_id=first_id),
                to_import_folder=True)
    box.deliver(mime(subject=by_domain, sender=f"einkauf@{world.muster_domain}", to=box.address),
                to_import_folder=True)
    assert balanced(box.import_now())

    assert links(box.mail_of(by_address)) == {("contact_person", karl): "auto", ("company", kunde): "auto"}
    assert links(box.mail_of(by_domain)) == {("company", muster): "auto"}

    # A colleague of Karl's from a free-mail address answers in the thread: filed where the thread is.
    box.deliver(mime(subject=by_thread, sender=_stranger(), to=box.address, in_reply_to=first_id),
                to_import_folder=True)
    assert balanced(box.import_now())
    assert links(box.mail_of(by_thread)) == {("contact_person", karl): "thread", ("company", kunde): "thread"}
    filed = [m["subject"] for m in world.record_mails("company", kunde, box.api)]
    assert by_address in filed and by_thread in filed and by_domain not in filed


def test_manual_filing_survives_re_matching_and_removed_links_stay_removed(world):
    rep, rep2 = world.box("rep"), world.box("rep2")
    kunde, muster = world.companies["kunde"]["id"], world.companies["muster"]["id"]
    karl = world.persons["karl"]["id"]
    subject = world.unique("Contract")
    raw = mime(subject=subject, sender=world.karl, to=f"{rep.address}, {rep2.address}")
    rep.deliver(raw, to_import_folder=True)
    assert balanced(rep.import_now())
    mail = rep.mail_of(subject)
    assert links(mail) == {("contact_person", karl): "auto", ("company", kunde): "auto"}

    # Anna files it to Muster by hand, takes over the link to Kunde AG, and unfiles it from Karl.
    [filed] = world.file(rep.api, [mail["id"]], [("company", muster), ("company", kunde)])
    assert links(filed) == {("contact_person", karl): "auto", ("company", kunde): "manual",
                            ("company", muster): "manual"}
    after_removal = world.unfile(rep.api, mail["id"], "contact_person", karl)
    assert links(after_removal) == {("company", kunde): "manual", ("company", muster): "manual"}
    assert mail["id"] not in [m["id"] for m in world.record_mails("contact_person", karl)]

    # The same mail arrives in Bernd's mailbox: matched again, which changes nothing of what Anna did.
    rep2.deliver(raw, to_import_folder=True)
    assert balanced(rep2.import_now())
    again = ok(world.mail(mail["id"]))
    assert links(again) == {("company", kunde): "manual", ("company", muster): "manual"}
    assert sorted(again["account_ids"]) == sorted([rep.account["id"], rep2.account["id"]])
    assert mail["id"] not in [m["id"] for m in world.record_mails("contact_person", karl)]

    # Filing it there again by hand is the one way back.
    [refiled] = world.file(rep.api, [mail["id"]], [("contact_person", karl)])
    assert links(refiled)[("contact_person", karl)] == "manual"


def test_a_filed_mail_is_visible_through_its_records_and_hidden_from_everyone_else(world):
    box = world.box("rep")
    secret, public = world.unique("Confidential"), world.unique("Public")
    geheim, kunde = world.companies["geheim"]["id"], world.companies["kunde"]["id"]
    box.deliver(mime(subject=secret, sender=f"chef@{world.geheim_domain}", to=box.address), to_import_folder=True)
    box.deliver(mime(subject=public, sender=world.karl, to=box.address), to_import_folder=True)
    assert balanced(box.import_now())
    hidden, shown = box.mail_of(secret), box.mail_of(public)
    assert links(hidden) == {("company", geheim): "auto"}  # Anna is assigned to Geheim KG, so she may file to it

    # Bernd uses none of the mailboxes and may not see Geheim KG: that mail does not exist for him.
    _problem(world.mail(hidden["id"], world.rep2), 404)
    _problem(world.rep2.get(f"/mail/mails/{hidden['id']}/raw"), 404)
    visible = ok(world.mail(shown["id"], world.rep2))  # Kunde AG is visible to everyone
    assert visible["account_ids"] == []  # and Anna's mailbox is not his
    assert ok(world.mail(hidden["id"], world.manager))["subject"] == secret

    # He may not file to a record he cannot see; nothing is filed then.
    _problem(world.rep2.post("/mail/filings", json={"mail_ids": [shown["id"]],
                                                    "records": [{"type": "company", "id": geheim}]}), 404)
    assert ("company", geheim) not in links(ok(world.mail(shown["id"])))
    # Unfiled from Kunde AG, the public mail is Anna's alone again.
    world.unfile(box.api, shown["id"], "company", kunde)
    world.unfile(box.api, shown["id"], "contact_person", world.persons["karl"]["id"])
    _problem(world.mail(shown["id"], world.rep2), 404)
    assert ok(world.mail(shown["id"], box.api))["links"] == []


def test_a_shared_mailbox_is_its_teams(world):
    box = world.box("support")
    subject = world.unique("Printer broken")
    box.deliver(mime(subject=subject, sender=_stranger(), to=box.address), to_import_folder=True)
    assert balanced(box.import_now())

    member, outsider = world.support, world.outsider
    assert box.account["id"] in [a["id"] for a in ok(member.get("/mail/accounts"))["items"]]
    assert box.account["id"] not in [a["id"] for a in ok(outsider.get("/mail/accounts"))["items"]]
    [summary] = box.find(subject, api=member)
    message = box.message(summary, api=member)
    assert message["subject"] == subject and message["mail_id"]
    mail = ok(world.mail(message["mail_id"], member))
    assert mail["links"] == [] and mail["account_ids"] == [box.account["id"]]

    _problem(outsider.get(box.path), 404)
    _problem(outsider.get(box.path + "/folders"), 404)
    _problem(outsider.get(f"{box.path}/folders/{summary['folder_id']}/messages/{summary['ref']}"), 404)
    _problem(world.mail(message["mail_id"], outsider), 404)


def test_sent_mail_is_filed_and_the_reply_files_itself(world):
    box = world.box("rep")
    muster = world.companies["muster"]["id"]
    customer = _stranger()  # an address nobody knows: only the thread can file the reply
    subject = world.unique("Our offer")
    sent = ok(box.api.post(box.path + "/send", json={
        "to": [{"email": customer, "name": "Kundin"}], "subject": subject, "text": "Anbei das Angebot.",
        "records": [{"type": "company", "id": muster}],
        "attachments": [{"file": {"filename": "Angebot.pdf", "content_type": "application/pdf",
                                  "content_base64": base64.b64encode(b"%PDF-1.4 x").decode()}}]}), 201)
    assert sent["direction"] == "sent" and sent["subject"] == subject
    assert links(sent) == {("company", muster): "sent"}
    assert sent["message_id"].startswith("<crm.company.")
    assert sent["id"] in [m["id"] for m in world.record_mails("company", muster, box.api)]

    # It went out with that Message-ID.
    if world.provider == "imap":
        out = [m for m in world.smtp.received if sent["message_id"].encode() in m.content]
        assert len(out) == 1 and out[0].rcpt_tos == [customer]
    else:
        out = [m for m in world.control("GET", f"/mailboxes/{box.address}/mail/sent")["value"]
               if sent["message_id"] in str(m)]
        assert len(out) == 1

    reply = "Re: " + subject
    box.deliver(mime(subject=reply, sender=customer, to=box.address, in_reply_to=sent["message_id"]),
                to_import_folder=True)
    assert balanced(box.import_now())
    answer = box.mail_of(reply)
    assert links(answer) == {("company", muster): "thread"}

    # Anna answers from the CRM: her reply is in the thread (for the customer's mail program too) and filed.
    again = ok(box.api.post(box.path + "/send", json={
        "to": [{"email": customer}], "subject": "Re: " + reply, "text": "Gern.", "reply_to_mail_id": answer["id"]}),
        201)
    assert ("company", muster) in links(again)
    raw = box.api.get(f"/mail/mails/{again['id']}/raw").content
    assert b"\nIn-Reply-To: " + answer["message_id"].encode() + b"\r\n" in raw
    assert sent["message_id"].encode() in raw.split(b"\r\n\r\n")[0]  # References: the whole thread
