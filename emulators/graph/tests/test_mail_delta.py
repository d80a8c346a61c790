"""Messages delta on a folder: paging to a deltaLink, later rounds with changes and @removed, 410 when expired."""

from __future__ import annotations

import pytest

from kontor.emulators.graph.mail_testing import IMMUTABLE, deliver, make_mime

PAGE2 = {"Prefer": "odata.maxpagesize=2"}


def _round(mail, url, headers=PAGE2):
    entries, requests = [], 0
    while True:
        r = mail.get(url, headers=headers)
        requests += 1
        assert r.status_code == 200, r.text
        body = r.json()
        assert len(body["value"]) <= 2
        entries += body["value"]
        if "@odata.deltaLink" in body:
            assert "@odata.nextLink" not in body
            return entries, body["@odata.deltaLink"], requests
        url = body["@odata.nextLink"]


def test_first_round_pages_and_later_rounds_report_changes(mail, mt):
    made = [deliver(mt, make_mime(subject=f"M{i}", to=mt.upn)) for i in range(5)]
    entries, link, requests = _round(mail, "/mailFolders/inbox/messages/delta")
    assert requests == 3
    assert sorted(e["id"] for e in entries) == sorted(m["id"] for m in made)
    assert all(e["@odata.type"] == "#microsoft.graph.message" and "@odata.etag" in e for e in entries)
    assert "$deltatoken=" in link
    assert _round(mail, link)[0] == []

    mail.patch(f"/messages/{made[0]['id']}", json={"isRead": True})
    moved = mail.post(f"/messages/{made[1]['id']}/move", json={"destinationId": "deleteditems"}).json()
    mt.control.post(f"/mailboxes/{mt.upn}/mail/messages/{made[2]['id']}/move", json={"destination": "drafts"})
    mt.control.delete(f"/mailboxes/{mt.upn}/mail/messages/{made[3]['id']}", params={"hard": "true"})
    added = deliver(mt, make_mime(subject="new", to=mt.upn))
    before = link
    entries, link, _ = _round(mail, link)
    changed = {e["id"]: e for e in entries if "@removed" not in e}
    removed = {e["id"]: e["@removed"] for e in entries if "@removed" in e}
    assert set(changed) == {made[0]["id"], added["id"]}
    assert changed[made[0]["id"]]["isRead"] is True
    # removed under the ids the client was given, though the moves gave the messages new ones
    assert removed == {made[i]["id"]: {"reason": "deleted"} for i in (1, 2, 3)}
    assert moved["id"] != made[1]["id"]
    assert _round(mail, link)[0] == []
    # a delta link can be used again: the older one still answers the same changes
    assert sorted(e["id"] for e in _round(mail, before)[0]) == sorted(e["id"] for e in entries)


def test_immutable_ids_in_delta_and_moving_back(mail, mt):
    made = deliver(mt, make_mime(subject="x", to=mt.upn))
    entries, link, _ = _round(mail, "/mailFolders/inbox/messages/delta", headers={**PAGE2, **IMMUTABLE})
    assert [e["id"] for e in entries] == [made["immutableId"]]
    mt.control.post(f"/mailboxes/{mt.upn}/mail/messages/{made['immutableId']}/move", json={"destination": "drafts"})
    entries, link, _ = _round(mail, link, headers={**PAGE2, **IMMUTABLE})
    assert entries == [{"@odata.type": "#microsoft.graph.message", "id": made["immutableId"], "@removed": {"reason": "deleted"}}]
    mt.control.post(f"/mailboxes/{mt.upn}/mail/messages/{made['immutableId']}/move", json={"destination": "inbox"})
    entries, _, _ = _round(mail, link, headers={**PAGE2, **IMMUTABLE})
    assert [(e["id"], "@removed" in e) for e in entries] == [(made["immutableId"], False)]


def test_select_is_kept_in_links(mail, mt):
    for i in range(3):
        deliver(mt, make_mime(subject=f"S{i}", to=mt.upn))
    r = mail.get("/mailFolders/inbox/messages/delta", params={"$select": "subject,isRead"}, headers=PAGE2).json()
    assert all(set(e) == {"@odata.type", "@odata.etag", "id", "subject", "isRead"} for e in r["value"])
    nxt = mail.get(r["@odata.nextLink"], headers=PAGE2).json()
    assert all(set(e) == {"@odata.type", "@odata.etag", "id", "subject", "isRead"} for e in nxt["value"])


def test_expired_token_answers_410(mail, mt):
    deliver(mt, make_mime(to=mt.upn))
    for _ in range(2):
        deliver(mt, make_mime(to=mt.upn))
    first = mail.get("/mailFolders/inbox/messages/delta", headers=PAGE2).json()
    _, link, _ = _round(mail, first["@odata.nextLink"])
    expired = mt.control.post(f"/mailboxes/{mt.upn}/mail/delta/expire", json={}).json()["expired"]
    assert expired >= 1
    for url in (link, first["@odata.nextLink"]):
        r = mail.get(url)
        assert r.status_code == 410 and r.json()["error"]["code"] == "SyncStateNotFound"
    unknown = mail.get("/mailFolders/inbox/messages/delta", params={"$deltatoken": "nonsense"})
    assert unknown.status_code == 410
    fresh = mail.get("/mailFolders/inbox/messages/delta")  # a client starts over and gets everything
    assert fresh.status_code == 200 and len(fresh.json()["value"]) == 3


def test_token_of_another_folder_is_not_accepted(mail, mt):
    _, link, _ = _round(mail, "/mailFolders/inbox/messages/delta")
    token = link.split("$deltatoken=")[1]
    r = mail.get("/mailFolders/drafts/messages/delta", params={"$deltatoken": token})
    assert r.status_code == 410


def test_change_type_created_reports_only_new_mail(mail, mt):
    old = [deliver(mt, make_mime(subject=f"O{i}", to=mt.upn)) for i in range(2)]
    entries, link, _ = _round(mail, "/mailFolders/inbox/messages/delta?changeType=created")
    assert len(entries) == 2  # the first round has everything
    mail.patch(f"/messages/{old[0]['id']}", json={"isRead": True})
    mt.control.delete(f"/mailboxes/{mt.upn}/mail/messages/{old[1]['id']}", params={"hard": "true"})
    new = deliver(mt, make_mime(subject="N", to=mt.upn))
    entries, _, _ = _round(mail, link)
    assert [e["id"] for e in entries] == [new["id"]]
    assert mail.get("/mailFolders/inbox/messages/delta", params={"changeType": "moved"}).status_code == 400
