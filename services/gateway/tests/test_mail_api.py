"""The REST edge of mail-import (/api/v1/mail): conversion between mail-import's messages and the REST shapes,
keys for groupware ids, If-Match, the send size limit, downloads and the Accept-Language forwarding, against
fake stubs (mail-import's rules are its own; the real stack is in tests/integration/test_mail_api.py)."""

from __future__ import annotations

import base64
import uuid
from types import SimpleNamespace

import grpc
import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.testclient import TestClient
from hypothesis import given, strategies as st

from kontor.platform.errors import InvalidArgument
from kontor.platform.http import _install_problem_handlers
from kontor.protos.mail.v1 import accounts_pb2, mailbox_pb2, mails_pb2, rules_pb2

from kontor.gateway.edge import languages
from kontor.gateway.mail_api import accounts, convert, keys, mailbox, mails, rules
from kontor.gateway.mail_api.schemas import AccountCreate, CredentialsWrite

ACCOUNT = str(uuid.uuid4())
MAIL = str(uuid.uuid4())
COMPANY = str(uuid.uuid4())
GRAPH_ID = "AAMkADA5=/x-y_z+=="  # Graph ids carry "=", "-", "_", "+" and "/"
FOLDER = "CRM/Import 2026 %"


class _Recorder:
    """A fake stub: records every request with the language it was made in, answers from ``answers``."""

    def __init__(self, **answers):
        self.answers = answers
        self.calls: list[tuple[str, object, str]] = []

    def __getattr__(self, name):
        if name not in self.answers:
            raise AttributeError(name)
        answer = self.answers[name]

        def method(request, **_):
            self.calls.append((name, request, languages.current()))
            if callable(answer):
                return answer(request)

            async def unary():
                return answer
            return unary()

        return method


def _account(**fields) -> accounts_pb2.MailAccount:
    base = dict(id=ACCOUNT, kind="personal", owner_user_id=str(uuid.uuid4()), provider="imap",
                address="anna@firma.example", import_folder=FOLDER, enabled=True, has_credentials=True, version=3,
                imap=accounts_pb2.ImapSettings(host="imap.firma.example", security="tls"))
    base.update(fields)
    return accounts_pb2.MailAccount(**base)


def _app(stubs, max_bytes: int = 4096) -> TestClient:
    app = FastAPI()
    _install_problem_handlers(app)  # what every service app gets: errors as problem+json
    api = APIRouter(dependencies=[Depends(languages.remember)])
    stub_of = lambda: stubs  # noqa: E731
    api.include_router(accounts.router(stub_of))
    api.include_router(rules.router(stub_of))
    api.include_router(mailbox.router(stub_of, timeout_s=5))
    api.include_router(mailbox.send_router(stub_of, max_bytes=max_bytes))
    api.include_router(mails.router(stub_of, timeout_s=5))
    app.include_router(api)
    return TestClient(app)


# ------------------------------------------------------------------ keys

@given(st.text(alphabet=st.characters(min_codepoint=32, blacklist_categories=("Cs",)), min_size=1, max_size=300))
def test_every_groupware_id_survives_its_key_and_the_key_is_url_safe(raw):
    key = keys.encode(raw)
    assert keys.decode(key, "folder_id") == raw
    assert set(key) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@pytest.mark.parametrize("key", ["", "a/b", "abc=", "%41", "A", keys.encode("a\x00b")])
def test_a_key_the_api_cannot_have_made_names_the_field(key):
    with pytest.raises(InvalidArgument) as error:
        keys.decode(key, "folder_id")
    assert error.value.field == "folder_id"


# ------------------------------------------------------------------ conversion

def test_account_read_shows_the_settings_of_its_provider_and_never_a_secret():
    read = convert.account_read(_account())
    assert read.provider == "imap" and read.imap.host == "imap.firma.example" and read.graph is None
    assert read.has_credentials and read.version == 3 and read.team_id is None
    graph = convert.account_read(_account(provider="graph", graph=accounts_pb2.GraphSettings(client_id="c")))
    assert graph.graph.client_id == "c" and graph.imap is None
    assert "password" not in read.model_dump_json() and "secret" not in read.model_dump_json()


def test_create_refuses_settings_of_the_other_provider_naming_them():
    body = AccountCreate(provider="graph", address="a@b.example", imap={"host": "imap.b.example"})
    with pytest.raises(InvalidArgument) as error:
        convert.create_account_pb(body)
    assert error.value.field == "imap"
    request = convert.create_account_pb(AccountCreate(provider="graph", address="a@b.example",
                                                      credentials={"client_secret": "s"}))
    assert request.WhichOneof("settings") == "graph" and request.credentials.client_secret == "s"
    assert request.enabled is True


@pytest.mark.parametrize("body", [{}, {"password": "p", "client_secret": "s"}])
def test_credentials_are_exactly_one_secret(body):
    with pytest.raises(InvalidArgument) as error:
        convert.credentials_pb(CredentialsWrite(**body))
    assert error.value.field == "credentials"
    certificate = convert.credentials_pb(CredentialsWrite(certificate={"certificate_pem": "C", "private_key_pem": "K"}))
    assert certificate.certificate.private_key_pem == "K"


def test_mailbox_ids_leave_as_keys_and_from_keeps_its_name():
    summary = mailbox_pb2.MessageSummary(ref=GRAPH_ID, folder_id=FOLDER, subject="Angebot",
                                         to=[mails_pb2.Address(email="k@kunde.example")])
    getattr(summary, "from").CopyFrom(mails_pb2.Address(email="anna@firma.example", name="Anna"))
    read = convert.summary_read(summary).model_dump(by_alias=True)
    assert keys.decode(read["ref"], "ref") == GRAPH_ID and keys.decode(read["folder_id"], "folder_id") == FOLDER
    assert read["from"] == {"email": "anna@firma.example", "name": "Anna"}
    no_sender = convert.summary_read(mailbox_pb2.MessageSummary(ref="1")).model_dump(by_alias=True)
    assert no_sender["from"] is None and no_sender["received_at"] is None


def test_rule_conditions_keep_an_unset_attachment_condition_unset():
    rule = rules_pb2.FilterRule(id="r", conditions=rules_pb2.RuleConditions(sender_domains=["kunde.example"]))
    assert convert.rule_read(rule).conditions.has_attachment is None
    rule.conditions.has_attachment = False
    assert convert.rule_read(rule).conditions.has_attachment is False


# ------------------------------------------------------------------ routes

def test_patch_needs_if_match_and_sends_the_version_and_only_the_fields_sent():
    stubs = SimpleNamespace(mail_accounts=_Recorder(UpdateAccount=_account(version=4)))
    client = _app(stubs)
    missing = client.patch(f"/api/v1/mail/accounts/{ACCOUNT}", json={"enabled": False})
    assert missing.status_code == 428 and stubs.mail_accounts.calls == []
    response = client.patch(f"/api/v1/mail/accounts/{ACCOUNT}", json={"enabled": False},
                            headers={"If-Match": '"3"'})
    assert response.status_code == 200 and response.headers["ETag"] == '"4"'
    (_, request, _), = stubs.mail_accounts.calls
    assert request.expected_version == 3 and request.HasField("enabled") and not request.enabled
    assert not request.HasField("display_name") and not request.HasField("imap")


def test_credentials_answer_the_account_without_the_secret():
    stubs = SimpleNamespace(mail_accounts=_Recorder(SetCredentials=_account()))
    response = _app(stubs).put(f"/api/v1/mail/accounts/{ACCOUNT}/credentials", json={"password": "geheim-123"})
    assert response.status_code == 200 and response.json()["has_credentials"] is True
    assert "geheim-123" not in response.text
    assert stubs.mail_accounts.calls[0][1].credentials.password == "geheim-123"


def test_a_bad_body_is_refused_naming_the_field_without_echoing_it():
    stubs = SimpleNamespace(mail_accounts=_Recorder(CreateAccount=_account()))
    response = _app(stubs).post("/api/v1/mail/accounts", json={
        "provider": "imap", "address": "not-an-address", "credentials": {"password": "geheim-123"}})
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["address"]
    assert "geheim-123" not in response.text and stubs.mail_accounts.calls == []


def test_message_routes_decode_keys_and_forward_the_language():
    message = mailbox_pb2.MailboxMessage(summary=mailbox_pb2.MessageSummary(ref=GRAPH_ID, folder_id=FOLDER),
                                         text="Hallo", mail_id=MAIL)
    stubs = SimpleNamespace(mailbox=_Recorder(GetMessage=message))
    response = _app(stubs).get(
        f"/api/v1/mail/accounts/{ACCOUNT}/folders/{keys.encode(FOLDER)}/messages/{keys.encode(GRAPH_ID)}",
        headers={"Accept-Language": "de-DE,de;q=0.9\x7f,en;q=0.8"})
    assert response.status_code == 200, response.text
    assert response.json()["mail_id"] == MAIL and response.json()["ref"] == keys.encode(GRAPH_ID)
    (_, request, language), = stubs.mailbox.calls
    assert (request.account_id, request.folder_id, request.ref) == (ACCOUNT, FOLDER, GRAPH_ID)
    assert language == "de-DE,de;q=0.9,en;q=0.8"


def test_a_broken_folder_key_names_folder_id_before_mail_import_is_asked():
    stubs = SimpleNamespace(mailbox=_Recorder(ListMessages=mailbox_pb2.ListMessagesResponse()))
    response = _app(stubs).get(f"/api/v1/mail/accounts/{ACCOUNT}/folders/a=b/messages")
    assert response.status_code == 422 and [e["field"] for e in response.json()["errors"]] == ["folder_id"]
    assert stubs.mailbox.calls == []


def test_send_decodes_base64_files_files_to_records_and_answers_the_crm_mail():
    sent = mailbox_pb2.SendMailResponse(mail=mails_pb2.CrmMail(id=MAIL, direction="sent"))
    stubs = SimpleNamespace(mailbox=_Recorder(SendMail=sent))
    response = _app(stubs).post(f"/api/v1/mail/accounts/{ACCOUNT}/send", json={
        "to": [{"email": "k@kunde.example"}], "subject": "Angebot", "text": "anbei",
        "records": [{"type": "company", "id": COMPANY}],
        "attachments": [{"file": {"filename": "a.pdf", "content_base64": base64.b64encode(b"%PDF").decode()}},
                        {"mail_part": {"mail_id": MAIL, "part_path": "1.2"}}],
        "reply_to_message": {"folder_id": keys.encode(FOLDER), "ref": keys.encode(GRAPH_ID)}})
    assert response.status_code == 201, response.text
    assert response.headers["Location"] == f"/api/v1/mail/mails/{MAIL}" and response.json()["direction"] == "sent"
    (_, request, _), = stubs.mailbox.calls
    assert request.attachments[0].file.content == b"%PDF" and request.attachments[1].mail_part.part_path == "1.2"
    assert [(r.type, r.id) for r in request.records] == [("company", COMPANY)]
    assert (request.reply_to_message.account_id, request.reply_to_message.ref) == (ACCOUNT, GRAPH_ID)


@pytest.mark.parametrize(("attachment", "field"), [
    ({"file": {"filename": "a.pdf", "content_base64": "nicht base64!"}}, "attachments.0.file.content_base64"),
    ({}, "attachments.0"),
])
def test_send_names_the_attachment_at_fault(attachment, field):
    stubs = SimpleNamespace(mailbox=_Recorder(SendMail=mailbox_pb2.SendMailResponse()))
    response = _app(stubs).post(f"/api/v1/mail/accounts/{ACCOUNT}/send", json={"attachments": [attachment]})
    assert response.status_code == 422 and [e["field"] for e in response.json()["errors"]] == [field]
    assert stubs.mailbox.calls == []


def test_send_over_the_size_limit_answers_413_before_mail_import_is_asked():
    stubs = SimpleNamespace(mailbox=_Recorder(SendMail=mailbox_pb2.SendMailResponse()))
    big = {"attachments": [{"file": {"filename": "a.bin", "content_base64": base64.b64encode(b"x" * 4096).decode()}}]}
    response = _app(stubs, max_bytes=4096).post(f"/api/v1/mail/accounts/{ACCOUNT}/send", json=big)
    assert response.status_code == 413 and response.json()["max_bytes"] == 4096
    chunked = _app(stubs, max_bytes=4096).post(f"/api/v1/mail/accounts/{ACCOUNT}/send",
                                               content=iter([b"{" + b" " * 3000, b" " * 3000 + b"}"]),
                                               headers={"Content-Type": "application/json"})
    assert chunked.status_code == 413 and stubs.mailbox.calls == []


def _stream(*messages):
    def answer(_request):
        async def parts():
            for message in messages:
                yield message
        return parts()
    return answer


def test_a_part_downloads_as_an_attachment_with_its_type_and_size():
    head = mails_pb2.DownloadMailPartResponse(attachment=mails_pb2.MailAttachment(
        path="2", filename="Angebot ä.pdf", content_type="application/pdf", size=6, content_ref="sha256:ab"))
    stubs = SimpleNamespace(mails=_Recorder(DownloadMailPart=_stream(
        head, mails_pb2.DownloadMailPartResponse(chunk=b"%PD"), mails_pb2.DownloadMailPartResponse(chunk=b"F-1"))))
    response = _app(stubs).get(f"/api/v1/mail/mails/{MAIL}/parts/2")
    assert response.status_code == 200 and response.content == b"%PDF-1"
    assert response.headers["content-type"] == "application/pdf" and response.headers["content-length"] == "6"
    assert response.headers["content-disposition"].startswith("attachment;")
    assert "%C3%A4" in response.headers["content-disposition"] and response.headers["x-content-type-options"]
    assert stubs.mails.calls[0][1].part_path == "2"


def test_the_raw_message_is_message_rfc822_and_a_bad_part_path_names_it():
    stubs = SimpleNamespace(mails=_Recorder(DownloadMailPart=_stream(
        mails_pb2.DownloadMailPartResponse(chunk=b"Subject: x\r\n\r\nhi"))))
    client = _app(stubs)
    raw = client.get(f"/api/v1/mail/mails/{MAIL}/raw")
    assert raw.status_code == 200 and raw.headers["content-type"] == "message/rfc822"
    assert raw.content == b"Subject: x\r\n\r\nhi" and stubs.mails.calls[0][1].part_path == ""
    bad = client.get(f"/api/v1/mail/mails/{MAIL}/parts/1..2")
    assert bad.status_code == 422 and [e["field"] for e in bad.json()["errors"]] == ["part_path"]


def test_a_missing_mail_answers_404_problem_json():
    class _Missing(grpc.aio.AioRpcError):
        def __init__(self):
            super().__init__(grpc.StatusCode.NOT_FOUND, grpc.aio.Metadata(), grpc.aio.Metadata(), "mail not found")

    def missing(_request):
        async def fail():
            raise _Missing()
        return fail()

    stubs = SimpleNamespace(mails=_Recorder(GetMail=missing))
    response = _app(stubs).get(f"/api/v1/mail/mails/{MAIL}")
    assert response.status_code == 404 and response.headers["content-type"] == "application/problem+json"


# ------------------------------------------------------------------ language and OpenAPI

def test_accept_language_is_cleaned_to_what_metadata_can_carry():
    assert languages.clean("de-DE,de;q=0.9") == "de-DE,de;q=0.9"
    assert languages.clean("de\r\nX-Evil: 1") == "deX-Evil 1"
    assert languages.clean(None) == "" and len(languages.clean("a" * 1000)) == languages.MAX_LENGTH


def test_the_interceptor_adds_accept_language_only_when_the_request_sent_one():
    details = grpc.aio.ClientCallDetails(method="/m", timeout=None, metadata=None, credentials=None,
                                         wait_for_ready=None)
    languages._current.set("")
    assert languages._with_language(details) is details
    languages._current.set("de")
    assert dict(languages._with_language(details).metadata)["accept-language"] == "de"


def test_every_mail_operation_is_documented_with_a_summary_and_every_body_with_an_example():
    document = _app(SimpleNamespace()).app.openapi()
    operations = [(path, method, op) for path, item in document["paths"].items() for method, op in item.items()]
    assert len(operations) >= 24
    for path, method, op in operations:
        assert op.get("summary"), (path, method)
        assert any(p["name"] == "Accept-Language" for p in op["parameters"]), (path, method)
    schemas = document["components"]["schemas"]
    for name in ("AccountCreate", "CredentialsWrite", "RuleCreate", "RuleTest", "MoveBody", "SendBody",
                 "FilingBody"):
        assert schemas[name].get("examples"), name
