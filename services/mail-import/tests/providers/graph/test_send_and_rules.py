"""sendMail with MIME (Sent Items copy, headers kept) and inbox messageRules doing the filing on delivery."""

from __future__ import annotations

from kontor.emulators.graph.mail_testing import make_mime
from kontor.mail_import.providers.base import RuleConditions


async def test_send_delivers_the_mime_and_keeps_a_copy_in_sent_items(provider, outlook, graph_tenant):
    bob = graph_tenant.add_mailbox(f"bob@{graph_tenant.domain}")["userPrincipalName"]
    mime = make_mime(sender=graph_tenant.upn, to=bob, subject="Angebot", message_id="<crm.deal.1@kontor.example>",
                     in_reply_to="<q-1@example.com>")
    await provider.send(mime.encode())
    [entry] = outlook.sent()
    assert (entry["internetMessageId"], entry["deliveredTo"], entry["savedToSentItems"]) == (
        "<crm.deal.1@kontor.example>", [bob], True)
    sent = (await provider.messages("sentitems", page_size=10)).items
    assert [(s.subject, s.message_id) for s in sent] == [("Angebot", "<crm.deal.1@kontor.example>")]
    raw = await provider.raw_message("sentitems", sent[0].ref)
    assert b"In-Reply-To: <q-1@example.com>" in raw


def _subjects(outlook, folder):
    return sorted(m["subject"] for m in outlook.messages(folder))


async def test_rule_moves_matching_mail_delivered_to_the_inbox(provider, outlook):
    crm = outlook.folder("CRM")
    rule_id = await provider.create_rule("Kunden", RuleConditions(sender_domains=("kunde.example",),
                                                                  subject_contains=("angebot",)), crm["id"])
    outlook.deliver(subject="Ihr Angebot", sender="a@kunde.example")
    outlook.deliver(subject="Ihr Angebot", sender="a@other.example")  # wrong domain
    outlook.deliver(subject="Hallo", sender="b@kunde.example")  # wrong subject
    assert _subjects(outlook, crm["id"]) == ["Ihr Angebot"]
    assert len(outlook.messages("inbox")) == 2

    # update: now by sender address and without attachments only; the old conditions are gone
    await provider.update_rule(rule_id, "Kunden", RuleConditions(sender_addresses=("Chef@Partner.example",),
                                                                  has_attachment=False), crm["id"])
    outlook.deliver(subject="plain", sender="chef@partner.example")
    outlook.deliver(subject="with file", sender="chef@partner.example", attachment=("a.pdf", b"%PDF"))
    outlook.deliver(subject="Ihr Angebot 2", sender="a@kunde.example")
    assert _subjects(outlook, crm["id"]) == ["Ihr Angebot", "plain"]

    await provider.delete_rule(rule_id)
    await provider.delete_rule(rule_id)  # gone already: still fine
    outlook.deliver(subject="after", sender="chef@partner.example")
    assert _subjects(outlook, crm["id"]) == ["Ihr Angebot", "plain"]


async def test_rules_are_appended_and_match_recipients_and_attachments(provider, outlook, graph_tenant):
    a, b = outlook.folder("A"), outlook.folder("B")
    first = await provider.create_rule("to sales", RuleConditions(recipient_addresses=("sales@x.example",)), a["id"])
    second = await provider.create_rule("files", RuleConditions(has_attachment=True), b["id"])
    with graph_tenant.graph() as graph:
        rules = graph.get("/mailFolders/inbox/messageRules").json()["value"]
    assert [(r["id"], r["sequence"]) for r in rules] == [(first, 1), (second, 2)]
    assert rules[0]["actions"] == {"moveToFolder": a["id"], "stopProcessingRules": False}
    outlook.deliver(subject="cc sales", cc="sales@x.example")
    outlook.deliver(subject="file", attachment=("x.bin", b"1"))
    outlook.deliver(subject="none")
    assert (_subjects(outlook, a["id"]), _subjects(outlook, b["id"])) == (["cc sales"], ["file"])
