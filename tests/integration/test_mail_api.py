"""/api/v1/mail on the real stack: the gateway in front of the real mail-import service.

What the gateway itself promises: every mail route is in the OpenAPI document, needs a bearer token, and
refuses bad input with problem+json naming the field before mail-import is asked; what mail-import answers
comes back translated (an account created over REST reads back without its secret; another tenant's account
answers 404). The mail scenarios (import, filing, sending) are in tests/integration/test_mail_scenarios_*.py.
"""

from __future__ import annotations

import asyncio
import uuid

import grpc
import httpx
import pytest

from kontor.devstack.ports import free_port
from kontor.protos.contacts.v1 import identity_pb2, identity_pb2_grpc

ACCOUNT = "/api/v1/mail/accounts/{account_id}"
MESSAGE = ACCOUNT + "/folders/{folder_id}/messages/{ref}"
MAIL = "/api/v1/mail/mails/{mail_id}"
ROUTES = {
    ("/api/v1/mail/accounts", "get"), ("/api/v1/mail/accounts", "post"),
    (ACCOUNT, "get"), (ACCOUNT, "patch"), (ACCOUNT, "delete"),
    (ACCOUNT + "/credentials", "put"), (ACCOUNT + "/test", "post"),
    (ACCOUNT + "/import", "get"), (ACCOUNT + "/import/log", "get"), (ACCOUNT + "/import/run", "post"),
    (ACCOUNT + "/import/quarantine", "get"),
    (ACCOUNT + "/rules", "get"), (ACCOUNT + "/rules", "post"), (ACCOUNT + "/rules/test", "post"),
    ("/api/v1/mail/rules/{rule_id}", "patch"), ("/api/v1/mail/rules/{rule_id}", "delete"),
    (ACCOUNT + "/folders", "get"), (ACCOUNT + "/folders/{folder_id}/messages", "get"), (MESSAGE, "get"),
    (MESSAGE + "/parts/{part_path}", "get"), (MESSAGE + "/raw", "get"),
    (ACCOUNT + "/messages/move", "post"), (ACCOUNT + "/send", "post"), ("/api/v1/mail/overview", "get"),
    (MAIL, "get"), (MAIL + "/parts/{part_path}", "get"), (MAIL + "/raw", "get"),
    ("/api/v1/mail/filings", "post"), (MAIL + "/links/{record_type}/{record_id}", "delete"),
    ("/api/v1/mail/records/{record_type}/{record_id}/mails", "get"),
}
SOME_ID = "3f2b8c1e-0000-4000-8000-000000000000"


def _concrete(path: str) -> str:
    return path.format(account_id=SOME_ID, folder_id="SU5CT1g", ref="MQ", part_path="2", mail_id=SOME_ID,
                       rule_id=SOME_ID, record_type="company", record_id=SOME_ID)


@pytest.fixture(scope="module")
def gateway(stack) -> httpx.Client:
    with httpx.Client(base_url=stack.http("gateway"), timeout=30) as client:
        yield client


def test_the_openapi_document_lists_every_mail_route_with_a_summary(gateway):
    paths = gateway.get("/openapi.json").json()["paths"]
    documented = {(path, method) for path, item in paths.items() if path.startswith("/api/v1/mail")
                  for method in item}
    assert documented == ROUTES
    for path, method in ROUTES:
        operation = paths[path][method]
        assert operation["summary"] and "401" in operation["responses"], (path, method)


@pytest.mark.parametrize(("path", "method"), sorted(ROUTES))
def test_every_mail_route_needs_a_bearer_token(gateway, path, method):
    response = gateway.request(method.upper(), _concrete(path), json={} if method in ("post", "put", "patch")
                               else None)
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_bad_input_answers_problem_json_naming_the_field(stack, gateway):
    auth = {"Authorization": f"Bearer {stack.token(uuid.uuid4(), subject=str(uuid.uuid4()))}"}
    cases = [
        ("GET", "/api/v1/mail/accounts/not-a-uuid", None, "account_id"),
        ("GET", f"/api/v1/mail/accounts/{SOME_ID}/folders/a=b/messages", None, "folder_id"),
        ("GET", f"/api/v1/mail/mails/{SOME_ID}/parts/1..2", None, "part_path"),
        ("POST", "/api/v1/mail/accounts", {"provider": "imap", "address": "kein-at"}, "address"),
        ("POST", "/api/v1/mail/accounts", {"provider": "graph", "address": "a@b.example",
                                           "imap": {"host": "imap.b.example"}}, "imap"),
        ("POST", "/api/v1/mail/filings", {"mail_ids": [SOME_ID], "records": []}, "records"),
        ("POST", f"/api/v1/mail/accounts/{SOME_ID}/send",
         {"attachments": [{"file": {"filename": "a.pdf", "content_base64": "kein base64!"}}]},
         "attachments.0.file.content_base64"),
    ]
    for method, path, body, field in cases:
        response = gateway.request(method, path, json=body, headers=auth)
        assert response.status_code == 422, (path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert [e["field"] for e in response.json()["errors"]] == [field], (path, response.text)


def test_patch_without_if_match_answers_428(stack, gateway):
    auth = {"Authorization": f"Bearer {stack.token(uuid.uuid4(), subject=str(uuid.uuid4()))}"}
    response = gateway.patch(f"/api/v1/mail/accounts/{SOME_ID}", json={"enabled": False}, headers=auth)
    assert response.status_code == 428 and response.headers["content-type"] == "application/problem+json"


# ------------------------------------------------------------------ through to mail-import

PASSWORD = "correct horse battery staple"


def _tenant_manager(stack) -> str:
    """A new tenant with one org manager; that manager's token."""
    slug = f"mail-{uuid.uuid4().hex[:10]}"

    async def create() -> str:
        async with grpc.aio.insecure_channel(stack.grpc("contacts")) as channel:
            root = (("authorization", f"Bearer {stack.token(uuid.uuid4(), subject='root', roles=('superadmin',))}"),)
            created = await identity_pb2_grpc.TenantServiceStub(channel).CreateTenant(
                identity_pb2.CreateTenantRequest(slug=slug, name=f"Mail {slug}", admin_email=f"admin@{slug}.example",
                                                 admin_display_name="Ada Admin", admin_password=PASSWORD),
                metadata=root, timeout=30)
            return stack.token(uuid.UUID(created.tenant.id), subject=created.admin.id, roles=("org_manager",))

    return asyncio.run(create())


def test_an_account_round_trips_without_its_secret_with_versions_and_tenant_isolation(stack, gateway):
    owner = {"Authorization": f"Bearer {_tenant_manager(stack)}"}
    stranger = {"Authorization": f"Bearer {_tenant_manager(stack)}"}
    created = gateway.post("/api/v1/mail/accounts", headers=owner, json={
        "provider": "imap", "address": "anna@firma.example", "display_name": "Anna",
        "imap": {"host": "127.0.0.1", "port": free_port(), "security": "none"}, "import_folder": "INBOX",
        "credentials": {"password": "geheim-4711"}})
    assert created.status_code == 201, created.text
    account = created.json()
    assert account["has_credentials"] is True and account["imap"]["host"] == "127.0.0.1"
    assert created.headers["ETag"] == f'"{account["version"]}"'
    assert created.headers["Location"] == f"/api/v1/mail/accounts/{account['id']}"
    assert "geheim-4711" not in created.text
    item = f"/api/v1/mail/accounts/{account['id']}"

    listed = gateway.get("/api/v1/mail/accounts", headers=owner)
    assert [a["id"] for a in listed.json()["items"]] == [account["id"]] and "geheim-4711" not in listed.text
    assert gateway.get(item, headers=stranger).status_code == 404
    assert gateway.get("/api/v1/mail/accounts", headers=stranger).json()["items"] == []

    changed = gateway.patch(item, headers={**owner, "If-Match": created.headers["ETag"]},
                            json={"display_name": "Anna Muster"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["display_name"] == "Anna Muster" and changed.json()["version"] > account["version"]
    stale = gateway.patch(item, headers={**owner, "If-Match": created.headers["ETag"]}, json={"enabled": False})
    assert stale.status_code == 412 and stale.headers["content-type"] == "application/problem+json"

    # Nothing listens on that port: the test answers "unreachable" in the language asked for.
    german = gateway.post(item + "/test", headers={**owner, "Accept-Language": "de-DE,de;q=0.9"})
    english = gateway.post(item + "/test", headers={**owner, "Accept-Language": "en-GB"})
    assert german.status_code == english.status_code == 200, german.text
    assert german.json()["ok"] is False and german.json()["code"] == english.json()["code"] == "unreachable"
    assert german.json()["message"] != english.json()["message"]
    assert "erreichbar" in german.json()["message"]

    credentials = gateway.put(item + "/credentials", headers=owner, json={"password": "neu-0815"})
    assert credentials.status_code == 200 and "neu-0815" not in credentials.text
    assert gateway.delete(item, headers=stranger).status_code == 404
    assert gateway.delete(item, headers=owner).status_code == 204
    assert gateway.get(item, headers=owner).status_code == 404


def test_an_unknown_account_answers_404_on_every_account_route(stack, gateway):
    auth = {"Authorization": f"Bearer {_tenant_manager(stack)}"}
    account = f"/api/v1/mail/accounts/{uuid.uuid4()}"
    conditions = {"sender_domains": ["kunde.example"]}
    calls = [
        ("GET", "", None), ("DELETE", "", None), ("PUT", "/credentials", {"password": "x"}), ("POST", "/test", None),
        ("GET", "/import", None), ("GET", "/import/log", None), ("POST", "/import/run", None),
        ("GET", "/import/quarantine", None), ("GET", "/rules", None),
        ("POST", "/rules", {"name": "r", "conditions": conditions}),
        ("POST", "/rules/test", {"conditions": conditions}), ("GET", "/folders", None),
        ("GET", "/folders/SU5CT1g/messages", None), ("GET", "/folders/SU5CT1g/messages/MQ", None),
        ("GET", "/folders/SU5CT1g/messages/MQ/raw", None), ("GET", "/folders/SU5CT1g/messages/MQ/parts/2", None),
        ("POST", "/messages/move", {"folder_id": "SU5CT1g", "refs": ["MQ"], "target_folder_id": "Q1JN"}),
        ("POST", "/send", {"to": [{"email": "k@kunde.example"}], "subject": "x", "text": "y"}),
    ]
    answers = {(method, suffix): gateway.request(method, account + suffix, json=body, headers=auth)
               for method, suffix, body in calls}
    assert {key: (r.status_code, r.json().get("detail")) for key, r in answers.items() if r.status_code != 404} == {}
    assert all(r.headers["content-type"] == "application/problem+json" for r in answers.values())
