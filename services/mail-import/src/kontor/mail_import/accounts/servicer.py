"""gRPC edge of mail accounts (kontor.mail.v1.MailAccountService): translate, open the unit of work, call the
service. Rights: entity type "mail_account" of contacts' rights model; record rules in accounts/service.py."""

from __future__ import annotations

import logging
from collections.abc import Callable

import grpc
from google.protobuf.empty_pb2 import Empty

from kontor.platform.db import Database
from kontor.platform.errors import InvalidArgument
from kontor.platform.groupware.errors import NeedsReauthorisation, NotFound, ProviderError, Throttled, TransientError
from kontor.platform.pagination import page_size as checked_page_size, parse_uuid
from kontor.platform.secrets_box import SecretBox, SecretUnreadable
from kontor.protos.mail.v1 import accounts_pb2 as pb
from kontor.protos.mail.v1 import accounts_pb2_grpc as pb_grpc

from kontor.mail_import import texts
from kontor.mail_import.accounts import service
from kontor.mail_import.accounts.connect import open_account, provider_for
from kontor.mail_import.accounts.models import MailAccount
from kontor.mail_import.accounts.schemas import AccountCreate, AccountUpdate, Credentials
from kontor.mail_import.contacts_client import ContactsClient
from kontor.mail_import.edge import authorised, timestamp
from kontor.mail_import.settings import MailImportSettings

log = logging.getLogger(__name__)

ENTITY = "mail_account"
GRAPH_FIELDS = ("azure_tenant_id", "client_id", "authority_url", "base_url", "ca_bundle_path")
IMAP_FIELDS = ("host", "port", "security", "username", "smtp_host", "smtp_port", "smtp_security", "sent_folder")

texts.register({
    "connection.no_credentials": {
        "en": "No credentials are stored for this account; set its password or app secret.",
        "de": "Für dieses Konto sind keine Zugangsdaten gespeichert; bitte Passwort oder App-Secret hinterlegen."},
    "connection.credentials_unreadable": {
        "en": "The stored credentials cannot be decrypted (the key was changed); set them again.",
        "de": "Die gespeicherten Zugangsdaten lassen sich nicht entschlüsseln (der Schlüssel wurde geändert); "
              "bitte neu hinterlegen."},
})


def account_to_proto(account: MailAccount, credential_kind: str | None) -> pb.MailAccount:
    message = pb.MailAccount(
        id=str(account.id), kind=account.kind, owner_user_id=str(account.owner_user_id or ""),
        team_id=str(account.team_id or ""), provider=account.provider, address=account.address,
        display_name=account.display_name, import_folder=account.import_folder, enabled=account.enabled,
        has_credentials=credential_kind is not None,  # never the secret: only whether there is one
        version=account.version, created_at=timestamp(account.created_at), updated_at=timestamp(account.updated_at),
    )
    settings = account.settings or {}
    if account.provider == "graph":
        message.graph.CopyFrom(pb.GraphSettings(**{f: settings.get(f) or "" for f in GRAPH_FIELDS}))
    else:
        message.imap.CopyFrom(pb.ImapSettings(**{f: settings.get(f) or (0 if f.endswith("port") else "")
                                                 for f in IMAP_FIELDS}))
    return message


def credentials_from(message: pb.Credentials, field: str = "credentials") -> Credentials:
    secret = message.WhichOneof("secret")
    if secret is None:
        raise InvalidArgument(field, "send password, client_secret or certificate")
    if secret == "certificate":
        return Credentials(certificate_pem=message.certificate.certificate_pem,
                           private_key_pem=message.certificate.private_key_pem)
    return Credentials(**{secret: getattr(message, secret)})


# Plain dicts, validated inside AccountCreate / AccountUpdate, so an error names e.g. "graph.client_id".
def _graph(message: pb.GraphSettings) -> dict:
    return {f: getattr(message, f) for f in GRAPH_FIELDS}


def _imap(message: pb.ImapSettings) -> dict:
    values = {f: getattr(message, f) for f in IMAP_FIELDS}
    values["security"] = values["security"] or "tls"
    values["smtp_security"] = values["smtp_security"] or "starttls"
    return values


def _connection_outcome(exc: Exception) -> str:
    """TestConnectionResponse.code for what failed; the provider's message is not shown (it may name the server's
    answer in detail, which belongs to the log of an operator, not to the user's screen)."""
    if isinstance(exc, SecretUnreadable):
        return "needs_auth"
    if isinstance(exc, NeedsReauthorisation):
        return "needs_auth"
    if isinstance(exc, NotFound):
        return "folder_missing"
    if isinstance(exc, Throttled):
        return "throttled"
    if isinstance(exc, ProviderError) and "certificate" in (exc.code or ""):
        return "certificate"
    if isinstance(exc, TransientError | OSError | TimeoutError):
        return "unreachable"
    return "error"


_TEXT_OF = {"ok": "connection.ok", "needs_auth": "connection.auth_failed", "unreachable": "connection.unreachable",
            "certificate": "connection.certificate", "folder_missing": "connection.folder_missing",
            "throttled": "connection.throttled", "error": "connection.failed"}


class MailAccountServicer(pb_grpc.MailAccountServiceServicer):
    def __init__(self, db: Database, contacts: ContactsClient, box: SecretBox, settings: MailImportSettings, *,
                 connect: Callable = provider_for):
        self._db, self._contacts, self._box, self._settings = db, contacts, box, settings
        self._connect = connect  # tests may hand in another provider factory

    async def _answer(self, session, account: MailAccount) -> pb.MailAccount:
        kinds = await service.credential_kinds(session, [account.id])
        return account_to_proto(account, kinds.get(account.id))

    async def CreateAccount(self, request, context: grpc.aio.ServicerContext):
        settings = request.WhichOneof("settings")
        data = AccountCreate(
            kind=request.kind, owner_user_id=parse_uuid(request.owner_user_id, "owner_user_id")
            if request.owner_user_id else None,
            team_id=parse_uuid(request.team_id, "team_id") if request.team_id else None,
            address=request.address, display_name=request.display_name,
            graph=_graph(request.graph) if settings == "graph" else None,
            imap=_imap(request.imap) if settings == "imap" else None,
            import_folder=request.import_folder,
            credentials=credentials_from(request.credentials) if request.HasField("credentials") else None,
            enabled=request.enabled if request.HasField("enabled") else True,
        )
        async with authorised(self._db, self._contacts, ENTITY, "create") as (session, caller):
            account = await service.create_account(session, caller, self._box, data)
            return await self._answer(session, account)

    async def GetAccount(self, request, context):
        account_id = parse_uuid(request.id, "id")
        async with authorised(self._db, self._contacts, ENTITY, "read") as (session, caller):
            return await self._answer(session, await service.get_account(session, caller, account_id))

    async def ListAccounts(self, request, context):
        size = checked_page_size(request.page_size)
        async with authorised(self._db, self._contacts, ENTITY, "read") as (session, caller):
            rows, token = await service.list_accounts(session, caller, page_size=size, page_token=request.page_token)
            kinds = await service.credential_kinds(session, [a.id for a in rows])
            return pb.ListAccountsResponse(accounts=[account_to_proto(a, kinds.get(a.id)) for a in rows],
                                           next_page_token=token)

    async def UpdateAccount(self, request, context):
        account_id = parse_uuid(request.id, "id")
        values: dict = {name: getattr(request, name) for name in ("display_name", "import_folder", "enabled")
                        if request.HasField(name)}
        if request.HasField("graph"):
            values["graph"] = _graph(request.graph)
        if request.HasField("imap"):
            values["imap"] = _imap(request.imap)
        data = AccountUpdate(**values)
        async with authorised(self._db, self._contacts, ENTITY, "update") as (session, caller):
            account = await service.update_account(session, caller, account_id,
                                                   expected_version=request.expected_version, data=data)
            return await self._answer(session, account)

    async def SetCredentials(self, request, context):
        account_id = parse_uuid(request.id, "id")
        if not request.HasField("credentials"):
            raise InvalidArgument("credentials", "send password, client_secret or certificate")
        credentials = credentials_from(request.credentials)
        async with authorised(self._db, self._contacts, ENTITY, "update") as (session, caller):
            account = await service.set_credentials(session, caller, self._box, account_id, credentials)
            return await self._answer(session, account)

    async def TestConnection(self, request, context):
        account_id = parse_uuid(request.id, "id")
        lang = texts.caller_language(context)
        async with authorised(self._db, self._contacts, ENTITY, "read") as (session, caller):
            await service.get_account(session, caller, account_id)  # NOT_FOUND unless the caller may use it
            try:
                opened = await open_account(session, self._box, account_id)
            except SecretUnreadable:
                return pb.TestConnectionResponse(ok=False, code="needs_auth",
                                                 message=texts.text("connection.credentials_unreadable", lang))
        if opened.credential is None:
            return pb.TestConnectionResponse(ok=False, code="needs_auth",
                                             message=texts.text("connection.no_credentials", lang))
        try:  # network: outside the transaction
            async with self._connect(opened.account, opened.credential, self._settings) as provider:
                folder = await provider.resolve_folder(opened.account.import_folder)
                count = await provider.count(folder.id)
        except Exception as exc:  # noqa: BLE001 - every failure is an answer here, never a crash
            code = _connection_outcome(exc)
            # Ids and codes only: the provider's text may quote the server's reply.
            log.info("mail account connection test failed", extra={
                "account_id": str(account_id), "outcome": code, "error": type(exc).__name__,
                "error_code": getattr(exc, "code", None)})
            return pb.TestConnectionResponse(ok=False, code=code, message=texts.text(_TEXT_OF[code], lang))
        async with self._db.unit_of_work(caller.principal.tenant_id) as session:
            await service.record_resolved_folder(session, account_id, opened.account.import_folder, folder.id)
        return pb.TestConnectionResponse(ok=True, code="ok", message=texts.text("connection.ok", lang),
                                         import_folder_id=folder.id, import_folder_total=count.total)

    async def DeleteAccount(self, request, context):
        account_id = parse_uuid(request.id, "id")
        async with authorised(self._db, self._contacts, ENTITY, "delete") as (session, caller):
            await service.delete_account(session, caller, account_id)
        return Empty()


def register(server: grpc.aio.Server, db: Database, contacts: ContactsClient, box: SecretBox,
             settings: MailImportSettings) -> list[str]:
    pb_grpc.add_MailAccountServiceServicer_to_server(MailAccountServicer(db, contacts, box, settings), server)
    return [pb.DESCRIPTOR.services_by_name["MailAccountService"].full_name]
