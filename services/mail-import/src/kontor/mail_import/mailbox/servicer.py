"""gRPC edge of the CRM mailbox (kontor.mail.v1.MailboxService): check rights, translate, call the provider.

Rights: reading a mailbox (folders, messages, parts) takes "mail_account" read and an account the caller uses
(accounts/service.py: own personal account, their teams' shared ones, managers all; else NOT_FOUND); moving
takes "mail_account" update on top of that; sending takes "mail" create (send.py). No transaction is held while
the mail server works: the account is loaded in a short unit of work, then the provider opens on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from kontor.platform import blobs, grpc_client
from kontor.platform.auth import current_principal
from kontor.platform.db import Database
from kontor.platform.errors import InvalidArgument
from kontor.platform.groupware.errors import NotFound as FolderMissing
from kontor.platform.pagination import parse_uuid
from kontor.protos.mail.v1 import mailbox_pb2, mailbox_pb2_grpc, mails_pb2

from kontor.mail_import import mime, texts
from kontor.mail_import.accounts import service as accounts_service
from kontor.mail_import.accounts.connect import OpenProvider
from kontor.mail_import.accounts.models import MailAccount
from kontor.mail_import.contacts_client import ContactsClient
from kontor.mail_import.edge import Caller, authorised
from kontor.mail_import.mailbox import compose, service
from kontor.mail_import.mailbox.overview import OverviewBuilder
from kontor.mail_import.mailbox.send import MailPart, MessageRef, Outgoing, Sender
from kontor.mail_import.mails.schemas import RecordRef
from kontor.mail_import.mails.service import MAX_FILE_RECORDS
from kontor.mail_import.mails.servicer import CHUNK_BYTES
from kontor.mail_import.mails.servicer import to_proto as crm_mail_proto
from kontor.mail_import.providers.base import Mailbox, MessageSummary
from kontor.mail_import.settings import MailImportSettings

ENTITY = "mail_account"


def _timestamp(value: datetime | None) -> Timestamp | None:
    if value is None:
        return None
    ts = Timestamp()
    ts.FromDatetime(value.astimezone(UTC))
    return ts


def _address(mailbox: Mailbox | None) -> mails_pb2.Address | None:
    return mails_pb2.Address(email=mailbox.email, name=mailbox.name) if mailbox is not None else None


def summary_proto(s: MessageSummary) -> mailbox_pb2.MessageSummary:
    message = mailbox_pb2.MessageSummary(
        ref=s.ref, folder_id=s.folder_id, subject=s.subject, to=[_address(a) for a in s.to],
        cc=[_address(a) for a in s.cc], received_at=_timestamp(s.received_at), unread=s.unread,
        has_attachments=s.has_attachments)
    if s.sender is not None:
        getattr(message, "from").CopyFrom(_address(s.sender))
    return message


def _attachment(a: mime.Attachment) -> mails_pb2.MailAttachment:
    return mails_pb2.MailAttachment(path=a.path, filename=a.filename or "", content_type=a.content_type,
                                    size=a.size, content_ref=a.address, content_id=a.content_id or "",
                                    disposition=a.disposition or ("inline" if a.inline else "attachment"))


def _recipients(values, field_name: str) -> list[compose.Recipient]:
    found = [compose.Recipient(a.email, a.name) for a in values]
    for n, r in enumerate(found):
        compose.check_address(r, f"{field_name}[{n}]")
    return found


class MailboxServicer(mailbox_pb2_grpc.MailboxServiceServicer):
    def __init__(self, db: Database, contacts: ContactsClient, blob_store: blobs.BlobStore | None,
                 open_provider: OpenProvider, settings: MailImportSettings,
                 calendar: Callable[[], grpc.aio.Channel | None] = lambda: None, limits: mime.Limits | None = None):
        self._db = db
        self._contacts = contacts
        self._open_provider = open_provider
        self._settings = settings
        self._limits = limits or mime.Limits()
        self._sender = Sender(db, contacts, blob_store, open_provider, settings, self._limits)
        self._overview = OverviewBuilder(db, contacts, open_provider, calendar)

    async def _account(self, account_id: str, action: str = "read") -> MailAccount:
        """The account if the caller may use it (NOT_FOUND otherwise), loaded in a short unit of work."""
        account_uuid = parse_uuid(account_id, "account_id")
        async with authorised(self._db, self._contacts, ENTITY, action) as (session, caller):
            return await accounts_service.get_account(session, caller, account_uuid)

    async def ListFolders(self, request, context):
        account = await self._account(request.account_id)
        with service.provider_errors(lang=texts.caller_language(context)):
            async with self._open_provider(account) as provider:
                folders = await provider.folders()
                import_id = account.import_folder_id or await _resolved(provider, account.import_folder)
        return mailbox_pb2.ListFoldersResponse(folders=[
            mailbox_pb2.Folder(id=f.id, name=f.name, parent_id=f.parent_id or "", total=f.total, unread=f.unread,
                               role=f.role or "", import_folder=bool(import_id) and f.id == import_id)
            for f in folders])

    async def ListMessages(self, request, context):
        folder_id = service.required(request.folder_id, "folder_id")
        size = service.page_size(request.page_size)
        account = await self._account(request.account_id)
        with service.provider_errors("page_token" if request.page_token else "folder_id",
                                    texts.caller_language(context)):
            async with self._open_provider(account) as provider:
                page = await provider.messages(folder_id, page_size=size, page_token=request.page_token or None)
        return mailbox_pb2.ListMessagesResponse(messages=[summary_proto(s) for s in page.items],
                                                next_page_token=page.next_page_token or "")

    async def _raw(self, request, context) -> tuple[MailAccount, bytes]:
        folder_id = service.required(request.folder_id, "folder_id")
        ref = service.required(request.ref, "ref")
        account = await self._account(request.account_id)
        with service.provider_errors("ref", texts.caller_language(context)):
            async with self._open_provider(account) as provider:
                return account, await provider.raw_message(folder_id, ref)

    async def GetMessage(self, request, context):
        account, raw = await self._raw(request, context)
        parsed = await service.parse(raw, self._limits, texts.caller_language(context))
        async with self._db.unit_of_work(account.tenant_id) as session:
            known = await service.crm_mail_for(session, tenant_id=account.tenant_id, account_id=account.id,
                                               folder_id=request.folder_id, ref=request.ref, parsed=parsed)
        attachments = mime.all_attachments(parsed)
        sender = parsed.from_addresses[0] if parsed.from_addresses else None
        summary = mailbox_pb2.MessageSummary(
            ref=request.ref, folder_id=request.folder_id, subject=parsed.subject,
            to=[mails_pb2.Address(email=a.email, name=a.display_name) for a in parsed.to],
            cc=[mails_pb2.Address(email=a.email, name=a.display_name) for a in parsed.cc],
            received_at=_timestamp(parsed.date), has_attachments=any(not a.inline for a in attachments))
        if sender is not None:
            getattr(summary, "from").CopyFrom(mails_pb2.Address(email=sender.email, name=sender.display_name))
        message = mailbox_pb2.MailboxMessage(summary=summary, message_id=parsed.message_id or "", text=parsed.text,
                                             html=service.html_of(raw),
                                             attachments=[_attachment(a) for a in attachments])
        if known is not None:
            message.mail_id = str(known.mail.id)
            # The message is the caller's to read (their mailbox); of its links only those to records they see.
            sight = self._contacts.sight()
            for k in known.links:
                if await sight.sees(k.record_type, k.record_id):
                    message.links.append(mails_pb2.MailLink(
                        record=mails_pb2.RecordRef(type=k.record_type, id=str(k.record_id)), origin=k.origin,
                        created_by=k.created_by, created_at=_timestamp(k.created_at)))
        return message

    async def DownloadMessagePart(self, request, context):
        _account, raw = await self._raw(request, context)
        if not request.part_path:
            meta = mails_pb2.MailAttachment(path="", filename="message.eml", content_type="message/rfc822",
                                            size=len(raw), disposition="attachment")
            content = raw
        else:
            part = service.attachment(await service.parse(raw, self._limits, texts.caller_language(context)),
                                      request.part_path)
            meta, content = _attachment(part), part.content
        yield mails_pb2.DownloadMailPartResponse(attachment=meta)
        for start in range(0, len(content), CHUNK_BYTES):
            yield mails_pb2.DownloadMailPartResponse(chunk=content[start:start + CHUNK_BYTES])

    async def MoveMessages(self, request, context):
        folder_id = service.required(request.folder_id, "folder_id")
        target = service.required(request.target_folder_id, "target_folder_id")
        refs = service.check_refs(list(request.refs))
        if target == folder_id:
            raise InvalidArgument("target_folder_id", "is the folder the messages are in already")
        account = await self._account(request.account_id, "update")
        with service.provider_errors("refs", texts.caller_language(context)):
            async with self._open_provider(account) as provider:
                source_id = await _folder_id(provider, folder_id, "folder_id")
                target_id = await _folder_id(provider, target, "target_folder_id")
                if source_id == target_id:
                    raise InvalidArgument("target_folder_id", "is the folder the messages are in already")
                moved = await provider.move(source_id, refs, target_id)
        return mailbox_pb2.MoveMessagesResponse(moved=moved)

    async def SendMail(self, request, context):
        view = await self._sender.send(self._outgoing(request), lang=texts.caller_language(context))
        return mailbox_pb2.SendMailResponse(mail=crm_mail_proto(view))

    def _outgoing(self, request) -> Outgoing:
        """Every field checked before anything is read or sent (INVALID_ARGUMENT naming the field)."""
        account_id = parse_uuid(request.account_id, "account_id")
        to, cc, bcc = (_recipients(request.to, "to"), _recipients(request.cc, "cc"), _recipients(request.bcc, "bcc"))
        compose.check_recipients(to, cc, bcc)
        compose.check_subject(request.subject)
        if len(request.attachments) > compose.MAX_ATTACHMENTS:
            raise InvalidArgument("attachments", f"at most {compose.MAX_ATTACHMENTS} attachments")
        attachments: list[compose.OutgoingFile | MailPart] = []
        for n, a in enumerate(request.attachments):
            which = a.WhichOneof("source")
            if which == "file":
                attachments.append(compose.check_file(
                    compose.OutgoingFile(a.file.filename, a.file.content_type, a.file.content), f"attachments[{n}]",
                    max_bytes=self._settings.attachment_max_bytes))
            elif which == "mail_part":
                attachments.append(MailPart(parse_uuid(a.mail_part.mail_id, f"attachments[{n}].mail_part.mail_id"),
                                            a.mail_part.part_path))
            else:
                raise InvalidArgument(f"attachments[{n}]", "send a file or a mail_part")
        records = list(dict.fromkeys(RecordRef.parse(r.type, r.id, f"records[{n}]")
                                     for n, r in enumerate(request.records)))
        if len(records) > MAX_FILE_RECORDS:
            raise InvalidArgument("records", f"file to at most {MAX_FILE_RECORDS} records at once")
        reply_to_mail_id = parse_uuid(request.reply_to_mail_id, "reply_to_mail_id") \
            if request.reply_to_mail_id else None
        reply_to_message = None
        if request.HasField("reply_to_message"):
            if reply_to_mail_id is not None:
                raise InvalidArgument("reply_to_message", "reply to a CRM mail or a mailbox message, not both")
            m = request.reply_to_message
            reply_to_message = MessageRef(parse_uuid(m.account_id, "reply_to_message.account_id"),
                                          service.required(m.folder_id, "reply_to_message.folder_id"),
                                          service.required(m.ref, "reply_to_message.ref"))
        return Outgoing(account_id=account_id, to=to, cc=cc, bcc=bcc, subject=request.subject, text=request.text,
                        html=request.html, attachments=attachments, records=records,
                        reply_to_mail_id=reply_to_mail_id, reply_to_message=reply_to_message)

    async def GetOverview(self, request, context):
        caller = Caller(principal=current_principal(), sight=self._contacts.sight(), contacts=self._contacts)
        found = await self._overview.build(caller)
        return mailbox_pb2.Overview(
            time_zone=found.time_zone, unavailable=found.unavailable,
            unread_import_mail=[mailbox_pb2.OverviewMessage(account_id=str(account_id), summary=summary_proto(s))
                                for account_id, s in found.unread],
            appointments_today=[mailbox_pb2.OverviewAppointment(
                appointment_id=a.appointment_id, subject=a.subject, start=_timestamp(a.start), end=_timestamp(a.end),
                all_day=a.all_day) for a in found.appointments],
            follow_ups_due=[mailbox_pb2.OverviewFollowUp(
                follow_up_id=f.follow_up_id, title=f.title, due_at=_timestamp(f.due_at),
                record=mails_pb2.RecordRef(type=f.record_type, id=f.record_id)) for f in found.follow_ups])


async def _folder_id(provider, name_or_id: str, field_name: str) -> str:
    """The server's id of a folder of this mailbox (ids and well-known names like "inbox" are taken)."""
    try:
        return (await provider.resolve_folder(name_or_id)).id
    except FolderMissing:
        raise InvalidArgument(field_name, "names no folder of this mailbox") from None


async def _resolved(provider, import_folder: str) -> str:
    """The import folder's id when the importer has not resolved it yet; "" when it does not exist."""
    try:
        return (await provider.resolve_folder(import_folder)).id
    except FolderMissing:
        return ""


def calendar_channel(settings: MailImportSettings) -> Callable[[], grpc.aio.Channel | None]:
    """The channel to calendar-sync, made on first use (inside the server's event loop); None without an
    address. It lives as long as the process."""
    made: dict[str, grpc.aio.Channel] = {}

    def channel() -> grpc.aio.Channel | None:
        if not settings.calendar_sync_addr:
            return None
        if "calendar" not in made:
            made["calendar"] = grpc_client.channel(settings.calendar_sync_addr,
                                                   default_timeout_s=settings.upstream_timeout_s)
        return made["calendar"]

    return channel


def register(server: grpc.aio.Server, db: Database, contacts: ContactsClient, blob_store: blobs.BlobStore | None,
             open_provider: OpenProvider, settings: MailImportSettings) -> list[str]:
    mailbox_pb2_grpc.add_MailboxServiceServicer_to_server(
        MailboxServicer(db, contacts, blob_store, open_provider, settings, calendar_channel(settings)), server)
    return [mailbox_pb2.DESCRIPTOR.services_by_name["MailboxService"].full_name]


