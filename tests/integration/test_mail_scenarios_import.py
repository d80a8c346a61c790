"""Mail import scenarios through the gateway, for Graph (emulator) and IMAP (pymap): the import folder and its
health, manual moves, filter rules, dedup across mailboxes, a UIDVALIDITY change (Graph: an expired delta
token) and throttling (Graph: 429 with Retry-After; IMAP: the server refusing connections)."""

from __future__ import annotations

import uuid

import pytest

from tests.integration.mail_world import MailWorld, balanced, mime, ok, parse


@pytest.fixture(scope="module")
def world(mail_world) -> MailWorld:
    return mail_world


def _finished(box) -> dict:
    """The counts of the last round's "import.finished" log line."""
    return next(line for line in box.log() if line["code"] == "import.finished")["counts"]


def _new_since(box, earlier: list[dict]) -> int:
    """Mails the rounds since the log read ``earlier`` imported as new (a quiet round may log nothing)."""
    return sum(line["counts"].get("new", 0) for line in box.log()
               if line["code"] == "import.finished" and line not in earlier)


def test_import_keeps_the_raw_mail_and_the_health_adds_up(world):
    box = world.box("rep")
    offer, note = world.unique("Offer"), world.unique("Note")
    raw = mime(subject=offer, sender=world.karl, to=box.address, attachment=b"%PDF-1.4 offer")
    box.deliver(raw, to_import_folder=True)
    box.deliver(mime(subject=note, sender=f"info@{world.muster_domain}", to=box.address), to_import_folder=True)

    health = box.import_now()
    assert balanced(health), health
    assert health["last_success_at"] and health["reasons"] == [] and health["last_error_code"] == ""
    counts = _finished(box)
    assert counts["new"] >= 2 and counts["folder_count"] == health["folder_count"]

    mail = box.mail_of(offer)
    assert mail["subject"] == offer and mail["from"]["email"] == world.karl and mail["direction"] == "received"
    assert [a["filename"] for a in mail["attachments"]] == ["Angebot.pdf"]
    assert mail["attachments"][0]["content_ref"].startswith("sha256:")
    assert mail["account_ids"] == [box.account["id"]]
    stored = box.api.get(f"/mail/mails/{mail['id']}/raw")
    assert stored.status_code == 200 and stored.headers["content-type"].startswith("message/rfc822")
    assert stored.content == raw  # kept unchanged
    part = box.api.get(f"/mail/mails/{mail['id']}/parts/{mail['attachments'][0]['path']}")
    assert part.status_code == 200 and part.content == b"%PDF-1.4 offer"

    # Nothing new: another round imports nothing again.
    earlier = box.log()
    again = box.import_now()
    assert balanced(again) and again["imported_count"] == health["imported_count"], again
    assert _new_since(box, earlier) == 0
    assert len(box.find(offer)) == 1 and box.mail_of(offer)["id"] == mail["id"]


def test_a_message_moved_into_the_import_folder_by_hand_is_imported(world):
    box = world.box("rep")
    subject = world.unique("Moved by hand")
    box.deliver(mime(subject=subject, sender=f"someone@{uuid.uuid4().hex[:8]}.example", to=box.address))
    inbox, target = box.folder_key(role="inbox"), box.folder_key(import_folder=True)
    [message] = [m for m in box.messages(inbox) if m["subject"] == subject]
    assert box.message(message)["mail_id"] is None  # in the inbox it is no CRM mail yet

    moved = ok(box.api.post(box.path + "/messages/move", json={
        "folder_id": inbox, "refs": [message["ref"]], "target_folder_id": target}))
    assert [item["ref"] for item in moved["items"]] == [message["ref"]]
    assert [m for m in box.messages(inbox) if m["subject"] == subject] == []

    health = box.import_now()
    assert balanced(health), health
    assert box.mail_of(subject)["subject"] == subject


def test_a_rule_moves_matching_inbox_mail_into_the_import_folder(world):
    box = world.box("rep2")
    sender = f"vertrieb@{world.muster_domain}"
    earlier = world.unique("Angebot earlier")
    box.deliver(mime(subject=earlier, sender=sender, to=box.address))
    conditions = {"sender_addresses": [sender], "subject_contains": ["angebot"]}

    # Tested against recent mail before it is saved: the earlier offer matches.
    tested = ok(box.api.post(box.path + "/rules/test", json={"conditions": conditions, "source_folder": "inbox"}))
    assert earlier in [m["subject"] for m in tested["matches"]] and tested["tested"] >= 1

    rule = ok(box.api.post(box.path + "/rules", json={"name": "Muster offers", "conditions": conditions}), 201)
    assert rule["applied_by"] == ("server" if world.provider == "graph" else "importer"), rule
    assert [r["id"] for r in ok(box.api.get(box.path + "/rules"))["items"]] == [rule["id"]]

    matching, other_sender, other_subject = (world.unique("Angebot Q3"), world.unique("Angebot from elsewhere"),
                                             world.unique("Lunch"))
    box.deliver(mime(subject=matching, sender=sender, to=box.address))
    box.deliver(mime(subject=other_sender, sender=f"vertrieb@{world.kunde_domain}", to=box.address))
    box.deliver(mime(subject=other_subject, sender=sender, to=box.address))

    health = box.import_now()
    assert balanced(health), health
    assert box.mail_of(matching)["subject"] == matching
    inbox = [m["subject"] for m in box.messages(box.folder_key(role="inbox"))]
    assert other_sender in inbox and other_subject in inbox and matching not in inbox
    assert box.find(other_sender) == [] and box.find(other_subject) == []


def test_the_same_mail_in_two_mailboxes_is_one_crm_mail(world):
    rep, rep2 = world.box("rep"), world.box("rep2")
    subject = world.unique("To both of you")
    raw = mime(subject=subject, sender=world.karl, to=f"{rep.address}, {rep2.address}")
    rep.deliver(raw, to_import_folder=True)
    rep2.deliver(raw, to_import_folder=True)
    assert balanced(rep.import_now()) and balanced(rep2.import_now())

    first, second = rep.mail_of(subject), rep2.mail_of(subject)
    assert first["id"] == second["id"]
    assert first["account_ids"] == [rep.account["id"]] and second["account_ids"] == [rep2.account["id"]]
    seen_by_manager = ok(world.mail(first["id"]))
    assert sorted(seen_by_manager["account_ids"]) == sorted([rep.account["id"], rep2.account["id"]])
    # Filed once per record, not once per mailbox.
    filed = [m["id"] for m in world.record_mails("company", world.companies["kunde"]["id"])]
    assert filed.count(first["id"]) == 1


def test_a_new_folder_identity_never_imports_twice(world):
    """IMAP: the import folder is recreated (new UIDVALIDITY) with the same mail: remapped, not imported again.
    Graph: the delta token expired (410): the round starts over and imports only what is new."""
    box = world.box("support")
    subjects = [world.unique("Ticket"), world.unique("Ticket")]
    raws = [mime(subject=s, sender=f"kunde@{uuid.uuid4().hex[:8]}.example", to=box.address) for s in subjects]
    for raw in raws:
        box.deliver(raw, to_import_folder=True)
    before = box.import_now()
    assert balanced(before), before
    ids = [box.mail_of(s)["id"] for s in subjects]
    earlier = box.log()

    late = world.unique("Ticket after the change")
    if world.provider == "imap":
        box.imap.recreate_folder("Import")
        for raw in raws:
            box.deliver(raw, to_import_folder=True)
    else:
        world.expire_delta(box)
    box.deliver(mime(subject=late, sender=f"kunde@{uuid.uuid4().hex[:8]}.example", to=box.address),
                to_import_folder=True)

    after = box.import_now()
    assert balanced(after), after
    assert [box.mail_of(s)["id"] for s in subjects] == ids
    assert box.mail_of(late)["subject"] == late
    assert _new_since(box, earlier) == 1  # only the late one
    if world.provider == "imap":
        assert any(line["code"] == "import.remapped" for line in box.log())
        assert after["folder_count"] == 3
    else:
        assert after["folder_count"] == before["folder_count"] + 1


def test_an_unavailable_server_shows_in_the_health_and_the_import_catches_up(world):
    """Graph: the mailbox answers 429 with Retry-After for a while; IMAP: the server refuses connections."""
    box = world.box("rep2")
    subjects = [world.unique("During the outage") for _ in range(3)]
    box.import_now()  # a cursor first, so the disturbed round is an incremental one
    for subject in subjects:
        box.deliver(mime(subject=subject, sender=world.karl, to=box.address), to_import_folder=True)
    if world.provider == "graph":
        world.throttle(box, inject={"status": 429, "count": 40, "retryAfter": 1})
    else:
        box.relay.refuse()

    disturbed = box.import_now()
    assert not disturbed["healthy"] and disturbed["reasons"], disturbed
    if world.provider == "graph":
        assert disturbed["state"] == "throttled" and disturbed["retry_at"], disturbed
        assert parse(disturbed["retry_at"]) > parse(disturbed["last_attempt_at"])
        assert world.control("GET", f"/mailboxes/{box.address}/stats")["throttled"] > 0
    else:
        assert disturbed["state"] in ("failing", "throttled") and disturbed["last_error_code"], disturbed
        box.relay.accept()
    assert any(line["level"] in ("warning", "error") for line in box.log())

    recovered = box.import_until(balanced, what="recovery")
    assert recovered["last_error_code"] == "" and recovered["reasons"] == []
    for subject in subjects:
        assert len(box.find(subject)) == 1 and box.mail_of(subject)["subject"] == subject
