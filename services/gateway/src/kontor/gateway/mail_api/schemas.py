"""REST shapes of /api/v1/mail (what /docs shows). Limits only; mail-import owns the rules and its
INVALID_ARGUMENT names the field that broke one. Folder ids and message refs are keys (keys.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from kontor.gateway.mail_api.keys import KEY_DESCRIPTION, KEY_PATTERN, PART_PATTERN

_UUID = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
Id = Annotated[str, Field(pattern=_UUID, examples=["3f2b8c1e-0000-4000-8000-000000000000"])]
Key = Annotated[str, Field(pattern=KEY_PATTERN, description=KEY_DESCRIPTION)]
Email = Annotated[str, Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")]
RecordType = Literal["company", "contact_person", "deal", "project"]
Security = Literal["tls", "starttls", "none"]
_VERSION = "Increases with every change; send it back as If-Match"
_EXAMPLE_ID = "3f2b8c1e-0000-4000-8000-000000000000"


class Body(BaseModel):
    # A 422 for a malformed body never echoes what was sent (it may hold a password or mail content).
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)


# ------------------------------------------------------------------ accounts

class GraphSettings(Body):
    azure_tenant_id: str = Field(default="", max_length=64, description="Entra ID directory (tenant) id")
    client_id: str = Field(default="", max_length=64, description="The app registration's application (client) id")
    authority_url: str = Field(default="", max_length=500,
                               description="Sign-in authority; empty: https://login.microsoftonline.com")
    base_url: str = Field(default="", max_length=500, description="Graph API base; empty: "
                          "https://graph.microsoft.com/v1.0")
    ca_bundle_path: str = Field(default="", max_length=500, description="CA bundle (a file on the mail-import "
                                "hosts) for a private CA")


class ImapSettings(Body):
    host: str = Field(default="", max_length=253, description="IMAP server")
    port: int = Field(default=0, ge=0, le=65535, description="0: 993 for tls, 143 otherwise")
    security: Security | Literal[""] = Field(default="", description='tls (implicit, default), starttls, or none '
                                             "(loopback and development only)")
    username: str = Field(default="", max_length=320, description="Empty: the account's address")
    smtp_host: str = Field(default="", max_length=253, description="SMTP submission for sending; empty: the "
                           "IMAP host")
    smtp_port: int = Field(default=0, ge=0, le=65535, description="0: 465 for tls, 587 for starttls, 25 for none")
    smtp_security: Security | Literal[""] = ""
    sent_folder: str = Field(default="", max_length=500, description="Where sent mail is stored; empty: the "
                             r"folder marked \Sent, else Sent")


class CertificateWrite(Body):
    certificate_pem: SecretStr = Field(description="PEM certificate")
    private_key_pem: SecretStr = Field(description="Its unencrypted PEM private key")


class CredentialsWrite(Body):
    """Write-only: send exactly one. No response ever contains any of them."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True,
                              json_schema_extra={"examples": [{"password": "app-password-123"}]})

    password: SecretStr | None = Field(default=None, description="IMAP/SMTP password or app password")
    client_secret: SecretStr | None = Field(default=None, description="Graph: the app registration's secret")
    certificate: CertificateWrite | None = Field(default=None, description="Graph: certificate sign-in")


class AccountCreate(Body):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True, json_schema_extra={"examples": [
        {"kind": "personal", "provider": "imap", "address": "anna@firma.example", "display_name": "Anna Muster",
         "imap": {"host": "imap.firma.example", "security": "tls"}, "import_folder": "CRM/Import",
         "credentials": {"password": "app-password-123"}},
        {"kind": "shared", "team_id": _EXAMPLE_ID, "provider": "graph", "address": "support@firma.example",
         "graph": {"azure_tenant_id": "contoso.onmicrosoft.com", "client_id": "6731de76-14a6-49ae-97bc-6eba6914391e"},
         "import_folder": "inbox", "credentials": {"client_secret": "s3cr3t"}}]})

    kind: Literal["personal", "shared"] = Field(default="personal", description="personal: a user's own mailbox; "
                                                "shared: a team's (support@, sales@; managers create these)")
    owner_user_id: Id | None = Field(default=None, description="personal: whose it is; default: you (another "
                                     "user's: managers)")
    team_id: Id | None = Field(default=None, description="shared: the team whose members use it")
    provider: Literal["graph", "imap"] = Field(description="graph: Exchange / Microsoft 365; imap: any IMAP server")
    address: Email
    display_name: str = Field(default="", max_length=200)
    graph: GraphSettings | None = Field(default=None, description="provider graph only")
    imap: ImapSettings | None = Field(default=None, description="provider imap only")
    import_folder: str = Field(default="", max_length=500, description='The folder watched: a folder id, a '
                               'well-known name ("inbox") or a path ("CRM/Import")')
    credentials: CredentialsWrite | None = None
    enabled: bool = True


class AccountUpdate(Body):
    """Only the fields sent change; a settings object sent replaces the stored one."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True,
                              json_schema_extra={"examples": [{"import_folder": "CRM/Import", "enabled": True}]})

    display_name: str | None = Field(default=None, max_length=200)
    import_folder: str | None = Field(default=None, max_length=500)
    enabled: bool | None = None
    graph: GraphSettings | None = None
    imap: ImapSettings | None = None


class AccountRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"id": _EXAMPLE_ID, "kind": "personal", "owner_user_id": _EXAMPLE_ID, "team_id": None, "provider": "imap",
         "address": "anna@firma.example", "display_name": "Anna Muster", "graph": None,
         "imap": {"host": "imap.firma.example", "port": 993, "security": "tls", "username": "", "smtp_host": "",
                  "smtp_port": 0, "smtp_security": "", "sent_folder": ""},
         "import_folder": "CRM/Import", "enabled": True, "has_credentials": True, "version": 1,
         "created_at": "2026-03-23T09:00:00Z", "updated_at": "2026-03-23T09:00:00Z"}]})

    id: str
    kind: str = Field(description="personal or shared")
    owner_user_id: str | None
    team_id: str | None
    provider: str = Field(description="graph or imap")
    address: str
    display_name: str
    graph: GraphSettings | None
    imap: ImapSettings | None
    import_folder: str
    enabled: bool
    has_credentials: bool = Field(description="Whether a secret is stored (it is never shown)")
    version: int = Field(description=_VERSION)
    created_at: datetime | None
    updated_at: datetime | None


class AccountList(BaseModel):
    items: list[AccountRead]
    next_page_token: str = Field(description="Empty on the last page")


class ConnectionTestRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"ok": False, "code": "needs_auth", "message": "Die Anmeldung wurde abgelehnt: Passwort erneuern.",
         "import_folder_id": "", "import_folder_total": 0}]})

    ok: bool
    code: str = Field(description="ok, needs_auth, unreachable, certificate, folder_missing, throttled or error")
    message: str = Field(description="What failed and what to do, in your language (Accept-Language)")
    import_folder_id: str = Field(description="The import folder as the server resolved it (a key; "
                                  "empty when not found)")
    import_folder_total: int


# ------------------------------------------------------------------ import

class ImportHealthRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"account_id": _EXAMPLE_ID, "state": "gap", "healthy": False,
         "reasons": ["2 messages in the folder are neither imported nor quarantined"],
         "last_success_at": "2026-03-23T09:00:00Z", "last_attempt_at": "2026-03-23T09:05:00Z", "retry_at": None,
         "last_error_code": "", "progress_done": 120, "progress_total": 120, "folder_count": 122,
         "imported_count": 119, "quarantined_count": 1, "gap": 2, "reconciled_at": "2026-03-23T09:05:00Z"}]})

    account_id: str
    state: str = Field(description="never_synced, importing, healthy, gap, throttled, needs_auth, failing or "
                                   "disabled")
    healthy: bool = Field(description="Only when the last round succeeded and its reconciliation found no gap")
    reasons: list[str] = Field(description="Why not healthy, in your language (Accept-Language)")
    last_success_at: datetime | None
    last_attempt_at: datetime | None
    retry_at: datetime | None
    last_error_code: str
    progress_done: int = Field(description="Progress of the running or last round")
    progress_total: int
    folder_count: int = Field(description="Reconciliation: messages in the import folder")
    imported_count: int
    quarantined_count: int
    gap: int = Field(description="folder_count - imported_count - quarantined_count")
    reconciled_at: datetime | None


class ImportLogLineRead(BaseModel):
    at: datetime | None
    level: str
    code: str
    message: str = Field(description="In your language; codes and counts, never mail content")
    counts: dict[str, int]


class ImportLogRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [
        {"at": "2026-03-23T09:05:00Z", "level": "info", "code": "round_done", "message": "120 imported",
         "counts": {"imported": 120, "quarantined": 1}}]}]})

    items: list[ImportLogLineRead] = Field(description="Newest first")


class QuarantinedMailRead(BaseModel):
    id: str
    account_id: str
    folder_id: str = Field(description="Key of the folder it was found in")
    ref: str = Field(description="Key of the message in that folder")
    reason: str = Field(description="empty, raw_too_large, headers_too_large, no_headers, too_many_parts, "
                                    "nesting_too_deep or unparseable")
    detail: str
    size: int
    raw_kept: bool = Field(description="False when the raw message was too large to keep")
    quarantined_at: datetime | None


class QuarantineList(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [
        {"id": _EXAMPLE_ID, "account_id": _EXAMPLE_ID, "folder_id": "Q1JNL0ltcG9ydA", "ref": "MTIzNDU6NDI",
         "reason": "too_many_parts", "detail": "10001 parts, limit 10000", "size": 5242880, "raw_kept": True,
         "quarantined_at": "2026-03-23T09:05:00Z"}], "next_page_token": ""}]})

    items: list[QuarantinedMailRead]
    next_page_token: str


# ------------------------------------------------------------------ rules

class RuleConditions(Body):
    """All given conditions must hold; a list matches when any entry matches. At least one condition."""

    sender_addresses: list[Annotated[str, Field(max_length=320)]] = Field(default_factory=list, max_length=100)
    sender_domains: list[Annotated[str, Field(max_length=253)]] = Field(
        default_factory=list, max_length=100, description='"example.com" also matches sub.example.com')
    recipient_addresses: list[Annotated[str, Field(max_length=320)]] = Field(
        default_factory=list, max_length=100, description="To or Cc")
    subject_contains: list[Annotated[str, Field(max_length=200)]] = Field(
        default_factory=list, max_length=100, description="Case-insensitive parts of the subject")
    has_attachment: bool | None = None


class RuleConditionsRead(BaseModel):
    sender_addresses: list[str]
    sender_domains: list[str]
    recipient_addresses: list[str]
    subject_contains: list[str]
    has_attachment: bool | None


_CONDITIONS_EXAMPLE = {"sender_domains": ["kunde.example"], "subject_contains": ["Angebot"]}


class RuleCreate(Body):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True, json_schema_extra={"examples": [
        {"name": "Kunde an CRM", "conditions": _CONDITIONS_EXAMPLE, "source_folder": "inbox"}]})

    name: str = Field(min_length=1, max_length=200)
    conditions: RuleConditions
    source_folder: str = Field(default="", max_length=500, description='Where matching mail is taken from: a '
                               'folder id, well-known name or path; default "inbox"')
    enabled: bool = True


class RuleUpdate(Body):
    """Only the fields sent change; conditions sent replace the stored ones."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True,
                              json_schema_extra={"examples": [{"enabled": False}]})

    name: str | None = Field(default=None, min_length=1, max_length=200)
    conditions: RuleConditions | None = None
    enabled: bool | None = None
    position: int | None = Field(default=None, ge=0, le=10000)


class RuleRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"id": _EXAMPLE_ID, "account_id": _EXAMPLE_ID, "name": "Kunde an CRM", "conditions": {
            "sender_addresses": [], "sender_domains": ["kunde.example"], "recipient_addresses": [],
            "subject_contains": ["Angebot"], "has_attachment": None}, "source_folder": "inbox", "enabled": True,
         "position": 0, "applied_by": "server", "version": 1}]})

    id: str
    account_id: str
    name: str
    conditions: RuleConditionsRead
    source_folder: str
    enabled: bool
    position: int
    applied_by: str = Field(description="server (a rule on the mail server) or importer")
    version: int = Field(description=_VERSION)


class RuleList(BaseModel):
    items: list[RuleRead] = Field(description="In the order they apply")


class RuleTest(Body):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True, json_schema_extra={"examples": [
        {"conditions": _CONDITIONS_EXAMPLE, "source_folder": "inbox", "limit": 50}]})

    conditions: RuleConditions
    source_folder: str = Field(default="", max_length=500, description='Default "inbox"')
    limit: int = Field(default=50, ge=1, le=200, description="How many recent messages to test against")


# ------------------------------------------------------------------ mailbox

class Address(Body):
    email: str = Field(max_length=320)
    name: str = Field(default="", max_length=200)


class RecordRef(Body):
    type: RecordType
    id: Id


class AddressRead(BaseModel):
    email: str
    name: str


class RecordRefRead(BaseModel):
    type: str = Field(description="company, contact_person, deal or project")
    id: str


class FolderRead(BaseModel):
    id: str = Field(description=KEY_DESCRIPTION)
    name: str
    parent_id: str | None = Field(description="Key of the parent folder; null at the top")
    total: int
    unread: int
    role: str = Field(description="inbox, sentitems, drafts, deleteditems, junkemail, archive or empty")
    import_folder: bool = Field(description="The account's import folder")


class FolderList(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [
        {"id": "SU5CT1g", "name": "INBOX", "parent_id": None, "total": 812, "unread": 3, "role": "inbox",
         "import_folder": False},
        {"id": "Q1JNL0ltcG9ydA", "name": "Import", "parent_id": "Q1JN", "total": 40, "unread": 2, "role": "",
         "import_folder": True}]}]})

    items: list[FolderRead]


class MessageSummaryRead(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    ref: str = Field(description="Key of the message in its folder")
    folder_id: str = Field(description="Key of its folder")
    subject: str
    sender: AddressRead | None = Field(alias="from")
    to: list[AddressRead]
    cc: list[AddressRead]
    received_at: datetime | None
    unread: bool
    has_attachments: bool


class MessagePage(BaseModel):
    items: list[MessageSummaryRead] = Field(description="Newest first")
    next_page_token: str = Field(description="Empty on the last page")


class AttachmentRead(BaseModel):
    path: str = Field(description='MIME part path ("2", "1.2"): download at .../parts/{path}')
    filename: str
    content_type: str
    size: int
    content_ref: str = Field(description='"sha256:<hex>" of the content')
    content_id: str
    disposition: str = Field(description="attachment or inline")


class LinkRead(BaseModel):
    record: RecordRefRead
    origin: str = Field(description="auto (address or domain), thread (reply in a filed thread), sent (written "
                                    "from the record) or manual (filed by a person)")
    created_by: str
    created_at: datetime | None


class MailboxMessageRead(MessageSummaryRead):
    message_id: str
    text: str
    html: str = Field(description="The HTML body when there is one; sanitising it for display is the client's job")
    attachments: list[AttachmentRead]
    mail_id: str | None = Field(description="The CRM mail it is, when imported or filed")
    links: list[LinkRead]


class MoveBody(Body):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True, json_schema_extra={"examples": [
        {"folder_id": "SU5CT1g", "refs": ["MTIzNDU6NDI"], "target_folder_id": "Q1JNL0ltcG9ydA"}]})

    folder_id: Key = Field(description="Key of the folder the messages are in")
    refs: list[Key] = Field(min_length=1, max_length=100)
    target_folder_id: Key


class MovedRead(BaseModel):
    ref: str
    new_ref: str = Field(description="Its key in the target folder; empty when the server does not say")


class MoveRead(BaseModel):
    items: list[MovedRead]


class UploadedAttachment(Body):
    filename: str = Field(min_length=1, max_length=255)
    content_type: str = Field(default="application/octet-stream", max_length=127)
    content_base64: str = Field(description="The file in standard base64 (RFC 4648 section 4)")


class MailPartAttachment(Body):
    mail_id: Id = Field(description="A CRM mail you may read")
    part_path: str = Field(pattern=PART_PATTERN, description="Its attachment's path")


class OutgoingAttachment(Body):
    """Exactly one of: a file uploaded with the mail, or a part of a CRM mail."""

    file: UploadedAttachment | None = None
    mail_part: MailPartAttachment | None = None


class MessageRef(Body):
    account_id: Id
    folder_id: Key
    ref: Key


class ReplyToMessage(Body):
    folder_id: Key
    ref: Key


class SendBody(Body):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True, json_schema_extra={"examples": [
        {"to": [{"email": "kunde@kunde.example", "name": "Karl Kunde"}], "subject": "Ihr Angebot",
         "text": "Guten Tag,\nanbei das Angebot.", "records": [{"type": "company", "id": _EXAMPLE_ID}],
         "attachments": [{"file": {"filename": "Angebot.pdf", "content_type": "application/pdf",
                                   "content_base64": "JVBERi0xLjQK"}}]}]})

    to: list[Address] = Field(default_factory=list, max_length=500)
    cc: list[Address] = Field(default_factory=list, max_length=500)
    bcc: list[Address] = Field(default_factory=list, max_length=500)
    subject: str = Field(default="", max_length=998)
    text: str = Field(default="", max_length=5_000_000)
    html: str = Field(default="", max_length=5_000_000, description="Optional HTML alternative of text")
    attachments: list[OutgoingAttachment] = Field(default_factory=list, max_length=100)
    records: list[RecordRef] = Field(default_factory=list, max_length=50, description="Records it is written "
                                     "from: the sent mail is filed to them, and replies to it file themselves")
    reply_to_mail_id: Id | None = Field(default=None, description="Replying to this CRM mail")
    reply_to_message: ReplyToMessage | None = Field(default=None, description="Replying to a message of this "
                                                    "account's mailbox that is no CRM mail yet")


class CrmMailRead(BaseModel):
    model_config = ConfigDict(populate_by_name=True, json_schema_extra={"examples": [
        {"id": _EXAMPLE_ID, "message_id": "<a1b2@kunde.example>", "direction": "received",
         "subject": "Re: Ihr Angebot", "from": {"email": "kunde@kunde.example", "name": "Karl Kunde"}, "to": [],
         "cc": [], "sent_at": "2026-03-23T09:00:00Z", "text": "Danke!", "attachments": [],
         "links": [{"record": {"type": "company", "id": _EXAMPLE_ID}, "origin": "thread", "created_by": "",
                    "created_at": "2026-03-23T09:01:00Z"}],
         "account_ids": [_EXAMPLE_ID], "size": 2048, "imported_at": "2026-03-23T09:01:00Z"}]})

    id: str
    message_id: str
    direction: str = Field(description="received or sent")
    subject: str
    sender: AddressRead | None = Field(alias="from")
    to: list[AddressRead]
    cc: list[AddressRead]
    sent_at: datetime | None
    text: str = Field(description="Text for reading and search (HTML converted)")
    attachments: list[AttachmentRead]
    links: list[LinkRead] = Field(description="Links in force (removed ones are not listed)")
    account_ids: list[str] = Field(description="The mailboxes it was imported from that you may use")
    size: int
    imported_at: datetime | None


class MailPage(BaseModel):
    items: list[CrmMailRead] = Field(description="Newest first")
    next_page_token: str


class FilingBody(Body):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True, json_schema_extra={"examples": [
        {"mail_ids": [_EXAMPLE_ID],
         "messages": [{"account_id": _EXAMPLE_ID, "folder_id": "SU5CT1g", "ref": "MTIzNDU6NDI"}],
         "records": [{"type": "company", "id": _EXAMPLE_ID}, {"type": "deal", "id": _EXAMPLE_ID}]}]})

    mail_ids: list[Id] = Field(default_factory=list, max_length=500, description="CRM mails")
    messages: list[MessageRef] = Field(default_factory=list, max_length=500, description="Messages of your "
                                       "mailboxes, imported on the way")
    records: list[RecordRef] = Field(min_length=1, max_length=50)


class FilingRead(BaseModel):
    items: list[CrmMailRead] = Field(description="Every mail filed, with its links after filing")


class OverviewMessageRead(BaseModel):
    account_id: str
    message: MessageSummaryRead


class OverviewAppointmentRead(BaseModel):
    appointment_id: str
    subject: str = Field(description="Empty for private appointments of others")
    start: datetime | None
    end: datetime | None
    all_day: bool


class OverviewFollowUpRead(BaseModel):
    follow_up_id: str
    title: str
    due_at: datetime | None
    record: RecordRefRead | None


class OverviewRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"unread_import_mail": [], "appointments_today": [
            {"appointment_id": _EXAMPLE_ID, "subject": "Jahresgespräch", "start": "2026-03-23T09:00:00+01:00",
             "end": "2026-03-23T10:00:00+01:00", "all_day": False}],
         "follow_ups_due": [], "time_zone": "Europe/Berlin", "unavailable": []}]})

    unread_import_mail: list[OverviewMessageRead]
    appointments_today: list[OverviewAppointmentRead]
    follow_ups_due: list[OverviewFollowUpRead]
    time_zone: str = Field(description="Your time zone the day was taken in")
    unavailable: list[str] = Field(description='Parts that could not be loaded ("mail:<account id>", '
                                   '"calendar", "follow_ups"); the rest is shown')


class RuleTestRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"matches": [], "tested": 50}]})

    matches: list[MessageSummaryRead]
    tested: int = Field(description="How many recent messages were tested")
