"""Mail folders and messages: well-known folders, listing and paging, message JSON, $value, attachments, move."""

from __future__ import annotations

import base64

import pytest

from kontor.emulators.graph.mail_testing import IMMUTABLE, deliver, make_mime
from kontor.emulators.graph.testing import new_tenant


def test_well_known_folders_and_child_folders(mail):
    top = mail.get("/mailFolders").json()["value"]
    names = {f["displayName"] for f in top}
    assert {"Inbox", "Sent Items", "Deleted Items", "Drafts"} <= names
    inbox = mail.get("/mailFolders/inbox").json()
    assert inbox["displayName"] == "Inbox" and inbox["id"] in {f["id"] for f in top}
    assert mail.get(f"/mailFolders/{inbox['id']}").json()["id"] == inbox["id"]
    made = mail.post("/mailFolders/inbox/childFolders", json={"displayName": "CRM Import"})
    assert made.status_code == 201 and made.json()["parentFolderId"] == inbox["id"]
    children = mail.get("/mailFolders/inbox/childFolders").json()["value"]
    assert [c["displayName"] for c in children] == ["CRM Import"]
    assert mail.get("/mailFolders/inbox").json()["childFolderCount"] == 1
    assert mail.post("/mailFolders/inbox/childFolders", json={"displayName": "crm import"}).status_code == 409
    bad = mail.post("/mailFolders/inbox/childFolders", json={"displayName": ""})
    assert bad.status_code == 400 and "displayName" in bad.json()["error"]["message"]
    missing = mail.get("/mailFolders/nosuchfolder")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "ErrorItemNotFound"


def test_message_json_and_raw_mime_unchanged(mail, mt):
    mime = make_mime(subject="Angebot Q3", sender='"Kunde" <kunde@example.com>', to=mt.upn, cc="chef@example.com",
                     body="Sehr geehrte Frau Anna,\nanbei das Angebot.", message_id="<offer-1@example.com>",
                     attachment=("angebot.pdf", b"%PDF-1.4 fake"))
    ids = deliver(mt, mime)
    listed = mail.get("/mailFolders/inbox/messages").json()["value"]
    assert [m["id"] for m in listed] == [ids["id"]]
    m = mail.get(f"/messages/{ids['id']}").json()
    assert m["subject"] == "Angebot Q3"
    assert m["internetMessageId"] == "<offer-1@example.com>"
    assert m["from"] == {"emailAddress": {"name": "Kunde", "address": "kunde@example.com"}}
    assert [r["emailAddress"]["address"] for r in m["toRecipients"]] == [mt.upn]
    assert [r["emailAddress"]["address"] for r in m["ccRecipients"]] == ["chef@example.com"]
    assert m["hasAttachments"] is True and m["isRead"] is False
    assert m["parentFolderId"] == mail.get("/mailFolders/inbox").json()["id"]
    assert m["@odata.etag"] == f'W/"{m["changeKey"]}"' and m["conversationId"] and m["receivedDateTime"].endswith("Z")
    assert m["body"]["contentType"] == "html"
    text = mail.get(f"/messages/{ids['id']}", headers={"Prefer": 'outlook.body-content-type="text"'}).json()
    assert text["body"] == {"contentType": "text", "content": "Sehr geehrte Frau Anna,\nanbei das Angebot.\n"}
    raw = mail.get(f"/messages/{ids['id']}/$value")
    assert raw.status_code == 200 and raw.content == mime.encode()
    atts = mail.get(f"/messages/{ids['id']}/attachments").json()["value"]
    assert [(a["name"], a["@odata.type"]) for a in atts] == [("angebot.pdf", "#microsoft.graph.fileAttachment")]
    assert base64.b64decode(atts[0]["contentBytes"]) == b"%PDF-1.4 fake" and atts[0]["size"] == 13
    assert mail.get(f"/messages/{ids['id']}/attachments/{atts[0]['id']}/$value").content == b"%PDF-1.4 fake"


def test_replies_share_the_conversation(mail, mt):
    first = deliver(mt, make_mime(subject="Frage", message_id="<q1@example.com>", to=mt.upn))
    reply = deliver(mt, make_mime(subject="Re: Frage", message_id="<a1@example.com>", in_reply_to="<q1@example.com>", to=mt.upn))
    other = deliver(mt, make_mime(subject="Anderes", to=mt.upn))
    conv = {k: mail.get(f"/messages/{v['id']}").json()["conversationId"] for k, v in
            {"first": first, "reply": reply, "other": other}.items()}
    assert conv["first"] == conv["reply"] != conv["other"]


def test_paging_top_select_and_maxpagesize(mail, mt):
    for i in range(5):
        deliver(mt, make_mime(subject=f"M{i}", to=mt.upn), receivedDateTime=f"2025-03-0{i + 1}T09:00:00Z")
    page = mail.get("/mailFolders/inbox/messages", params={"$top": "2", "$select": "subject"}).json()
    assert [m["subject"] for m in page["value"]] == ["M4", "M3"]  # newest first
    assert set(page["value"][0]) == {"id", "@odata.etag", "subject"}
    seen, url, headers = [], "/mailFolders/inbox/messages", {"Prefer": "odata.maxpagesize=2"}
    while url:
        r = mail.get(url, headers=headers)
        assert r.status_code == 200 and len(r.json()["value"]) <= 2
        assert r.headers["Preference-Applied"] == "odata.maxpagesize=2"
        seen += [m["subject"] for m in r.json()["value"]]
        url = r.json().get("@odata.nextLink")
    assert seen == ["M4", "M3", "M2", "M1", "M0"]
    assert len(mail.get("/messages").json()["value"]) == 5


def test_move_changes_the_rest_id_but_not_the_immutable_id(mail, mt):
    ids = deliver(mt, make_mime(subject="Move me", to=mt.upn))
    imm = mail.get(f"/messages/{ids['id']}", headers=IMMUTABLE).json()["id"]
    assert imm == ids["immutableId"] != ids["id"]
    archive = mail.post("/mailFolders", json={"displayName": "Archiv"}).json()
    moved = mail.post(f"/messages/{ids['id']}/move", json={"destinationId": archive["id"]})
    assert moved.status_code == 201
    assert moved.json()["parentFolderId"] == archive["id"] and moved.json()["id"] != ids["id"]
    stale = mail.get(f"/messages/{ids['id']}")
    assert stale.status_code == 404 and stale.json()["error"]["code"] == "ErrorItemNotFound"
    assert mail.get(f"/messages/{moved.json()['id']}").json()["subject"] == "Move me"
    again = mail.post(f"/messages/{imm}/move", json={"destinationId": "inbox"}, headers=IMMUTABLE)
    assert again.status_code == 201 and again.json()["id"] == imm
    assert mail.get(f"/messages/{imm}", headers=IMMUTABLE).json()["parentFolderId"] == mail.get("/mailFolders/inbox").json()["id"]
    bad = mail.post(f"/messages/{imm}/move", json={"destinationId": "nowhere"})
    assert bad.status_code == 400 and "destinationId" in bad.json()["error"]["message"]


def test_user_moves_and_deletes_through_control(mail, mt):
    ids = deliver(mt, make_mime(subject="Hand", to=mt.upn))
    folder = mt.control.post(f"/mailboxes/{mt.upn}/mail/folders", json={"displayName": "CRM"}).json()
    moved = mt.control.post(f"/mailboxes/{mt.upn}/mail/messages/{ids['immutableId']}/move", json={"destination": folder["id"]}).json()
    assert moved["folderId"] == folder["id"]
    assert [m["subject"] for m in mail.get(f"/mailFolders/{folder['id']}/messages").json()["value"]] == ["Hand"]
    assert mail.delete(f"/messages/{moved['id']}").status_code == 204
    assert [m["subject"] for m in mail.get("/mailFolders/deleteditems/messages").json()["value"]] == ["Hand"]
    patched = mail.patch(f"/messages/{ids['immutableId']}", json={"isRead": True})
    assert patched.status_code == 200 and patched.json()["isRead"] is True
    assert mail.patch(f"/messages/{ids['immutableId']}", json={"isRead": "yes"}).status_code == 400


def test_malformed_mime_is_listed_not_refused(mail, mt):
    broken = ("From: =?bogus?Q?x?= <<<\r\nSubject: =?unknown-8?B?!!!?=\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n"
              "\r\n--b\r\nContent-Type: text/plain; charset=x-nonsense\r\n\r\nhallo\r\n--b")  # no closing boundary
    ids = deliver(mt, broken)
    m = mail.get(f"/messages/{ids['id']}").json()
    assert m["internetMessageId"] is None
    assert mail.get(f"/messages/{ids['id']}/$value").content == broken.encode()
    # nesting deeper than the stdlib parser's recursion: listed from its headers, MIME kept as is
    deep = "Subject: deep\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n" + "".join(
        f"--b{i - 1}\r\nContent-Type: multipart/mixed; boundary=b{i}\r\n\r\n" for i in range(1, 1500))
    deep_ids = deliver(mt, deep)
    assert mail.get(f"/messages/{deep_ids['id']}").json()["subject"] == "deep"
    assert mail.get(f"/messages/{deep_ids['id']}/$value").content == deep.encode()


def test_permissions(emulator):
    handle = new_tenant(emulator, roles=["Mail.Read"])
    try:
        deliver(handle, make_mime(to=handle.upn))
        with handle.graph() as client:
            assert client.get("/mailFolders/inbox/messages").status_code == 200
            denied = client.post("/mailFolders", json={"displayName": "X"})
            assert denied.status_code == 403 and denied.json()["error"]["code"] == "ErrorAccessDenied"
            assert client.post("/sendMail", json={"message": {}}).status_code == 403
            assert client.get("/mailFolders/inbox/messageRules").status_code == 403
    finally:
        handle.control.close()
