"""billing shows a client only to those whom contacts lets read its company (docs/access.md, Permission API)."""

from __future__ import annotations

import uuid

from tests.integration.helpers import poll
from tests.integration.isolation_world import Rest


def _pages(rest: Rest, page_size: int) -> list[str]:
    """Every client id the caller gets, walking the pages."""
    ids, token = [], ""
    while True:
        page = rest.ok("GET", "billing/clients", params={"page_size": page_size, **({"page_token": token} if token
                                                                                      else {})})
        ids += [c["company_id"] for c in page["items"]]
        token = page["next_page_token"]
        if not token:
            return ids


def test_billing_clients_follow_contacts_visibility(stack):
    tenant, assigned_id, other_id = uuid.uuid4(), str(uuid.uuid4()), str(uuid.uuid4())
    boss = Rest(stack, tenant, "boss", ("org_manager",))
    assigned, other = Rest(stack, tenant, assigned_id, ("sales_rep",)), Rest(stack, tenant, other_id, ("sales_rep",))
    tag = uuid.uuid4().hex[:8]
    first = boss.ok("POST", "companies", json={"name": f"Offen {tag} Eins"})
    hidden = boss.ok("POST", "companies", json={"name": f"Geheim {tag} GmbH", "access_level": "private"})
    last = boss.ok("POST", "companies", json={"name": f"Offen {tag} Zwei"})
    boss.ok("POST", f"companies/{hidden['id']}/assignments", json={"user_id": assigned_id, "role": "sales_rep"})
    poll(lambda: len(boss.ok("GET", "billing/clients")["items"]) == 3, 30)
    newest_first = [c["company_id"] for c in boss.ok("GET", "billing/clients")["items"]]
    assert set(newest_first) == {first["id"], hidden["id"], last["id"]}

    # The rep who may not see the private company gets neither it nor its name, in any page size.
    listed = other.call("GET", "billing/clients", params={"page_size": 200})
    assert listed.status_code == 200 and hidden["id"] not in listed.text and "Geheim" not in listed.text
    assert [c["company_id"] for c in listed.json()["items"]] == [i for i in newest_first if i != hidden["id"]]
    assert _pages(other, 1) == [i for i in newest_first if i != hidden["id"]]
    refused = other.call("GET", f"billing/clients/{hidden['id']}")
    assert refused.status_code == 404 and "Geheim" not in refused.text, refused.text
    assert other.ok("GET", f"billing/clients/{first['id']}")["name"] == f"Offen {tag} Eins"

    # The assigned rep and the manager see all three, newest first, page by page.
    assert _pages(assigned, 1) == newest_first == _pages(boss, 2)
    assert assigned.ok("GET", f"billing/clients/{hidden['id']}")["name"] == f"Geheim {tag} GmbH"

    # Without contacts billing cannot tell who may see what: 503, never the unfiltered list.
    stack.stop("contacts")
    try:
        for rest in (other, boss):
            for path in ("billing/clients", f"billing/clients/{first['id']}"):
                down = rest.call("GET", path)
                assert down.status_code == 503, (path, down.status_code, down.text)
                assert down.headers["content-type"] == "application/problem+json" and "Offen" not in down.text
    finally:
        stack.start("contacts")
        stack.wait_ready(["contacts"])
    poll(lambda: other.call("GET", "billing/clients").status_code == 200, 30)
