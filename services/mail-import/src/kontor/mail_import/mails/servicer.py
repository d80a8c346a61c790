"""gRPC edge of filed mail (kontor.mail.v1.MailService): check the "mail" right, open the unit of work, translate.

FileMails also takes messages of a mailbox (account, folder, ref): a message the CRM has not seen is fetched
raw through the account's provider and stored exactly as the importer stores it (imports/store.py), then filed.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import grpc
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform import blobs
from kontor.platform.db import Database
from kontor.platform.errors import InvalidArgument, NotFound, Unavailable
from kontor.platform.pagination import parse_uuid
from kontor.protos.mail.v1 import mails_pb2, mails_pb2_grpc

from kontor.mail_import import mime
from kontor.mail_import.accounts.connect import OpenProvider
from kontor.mail_import.accounts.models import MailAccount
from kontor.mail_import.contacts_client import ContactsClient
from kontor.mail_import.edge import authorised, timestamp
from kontor.mail_import.imports import store
from kontor.mail_import.mails import events, service
from kontor.mail_import.mails.models import MailboxReference
from kontor.mail_import.mails.schemas import RecordRef
from kontor.mail_import.mails.visibility import MailViewer
from kontor.mail_import.providers.base import RawMessage

ENTITY = "mail"
CHUNK_BYTES = 1024 * 1024


def to_proto(view: service.MailView) -> mails_pb2.CrmMail:
    m = view.mail
    message = mails_pb2.CrmMail(
        id=str(m.id), message_id=m.message_id or "", direction=m.direction, subject=m.subject,
        to=[mails_pb2.Address(email=a.get("email", ""), name=a.get("name") or "") for a in m.to],
        cc=[mails_pb2.Address(email=a.get("email", ""), name=a.get("name") or "") for a in m.cc],
        text=m.text, size=m.size, account_ids=[str(a) for a in view.account_ids],
        attachments=[_attachment(a) for a in m.attachments],
        links=[mails_pb2.MailLink(record=mails_pb2.RecordRef(type=link.record_type, id=str(link.record_id)),
                                  origin=link.origin, created_by=link.created_by,
                                  created_at=timestamp(link.created_at)) for link in view.links],
    )
    getattr(message, "from").CopyFrom(mails_pb2.Address(email=m.from_address, name=m.from_name))
    if m.sent_at is not None:
        message.sent_at.CopyFrom(timestamp(m.sent_at))
    if m.created_at is not None:
        message.imported_at.CopyFrom(timestamp(m.created_at))
    return message


def _attachment(a: dict) -> mails_pb2.MailAttachment:
    return mails_pb2.MailAttachment(path=a.get("path") or "", filename=a.get("filename") or "",
                                    content_type=a.get("content_type") or "", size=int(a.get("size") or 0),
                                    content_ref=a.get("address") or "", content_id=a.get("content_id") or "",
                                    disposition=a.get("disposition") or "")


def _record(ref: mails_pb2.RecordRef, field: str) -> RecordRef:
    return RecordRef.parse(ref.type, ref.id, field)


class MailServicer(mails_pb2_grpc.MailServiceServicer):
    def __init__(self, db: Database, contacts: ContactsClient, blob_store: blobs.BlobStore | None,
                 open_provider: OpenProvider | None = None, limits: mime.Limits | None = None):
        self._db = db
        self._contacts = contacts
        self._blobs = blob_store
        self._open_provider = open_provider
        self._limits = limits or mime.Limits()

    @asynccontextmanager
    async def _uow(self, action: str) -> AsyncIterator[tuple[AsyncSession, MailViewer]]:
        """The "mail" right (PERMISSION_DENIED), then one unit of work in the caller's tenant."""
        async with authorised(self._db, self._contacts, ENTITY, action) as (session, caller):
            yield session, MailViewer(session, principal=caller.principal, contacts=self._contacts,
                                      sight=caller.sight)

    def _store(self) -> blobs.BlobStore:
        if self._blobs is None:
            raise Unavailable("mail content needs a blob store: set KONTOR_MAIL_IMPORT_BLOB_STORE_URL")
        return self._blobs

    async def GetMail(self, request, context):
        mail_id = parse_uuid(request.id, "id")
        async with self._uow("read") as (session, viewer):
            return to_proto(await service.get_mail(session, viewer, mail_id))

    async def ListRecordMails(self, request, context):
        record = _record(request.record, "record")
        async with self._uow("read") as (session, viewer):
            found, token = await service.list_record_mails(session, viewer, record, page_size=request.page_size,
                                                           page_token=request.page_token)
            return mails_pb2.ListMailsResponse(mails=[to_proto(v) for v in found], next_page_token=token)

    async def FileMails(self, request, context):
        mail_ids = [parse_uuid(v, f"mail_ids[{n}]") for n, v in enumerate(request.mail_ids)]
        messages = [(parse_uuid(m.account_id, f"messages[{n}].account_id"),
                     _required(m.folder_id, f"messages[{n}].folder_id"), _required(m.ref, f"messages[{n}].ref"))
                    for n, m in enumerate(request.messages)]
        records = [_record(r, f"records[{n}]") for n, r in enumerate(request.records)]
        service.check_filing_request(len(mail_ids) + len(messages), list(dict.fromkeys(records)))
        if messages:
            mail_ids += await self._mailbox_mails(messages, records)
        async with self._uow("update") as (session, viewer):
            filed = await service.file_mails(session, viewer, mail_ids=mail_ids, records=records)
            return mails_pb2.FileMailsResponse(mails=[to_proto(v) for v in filed])

    async def _mailbox_mails(self, messages: list[tuple[uuid.UUID, str, str]],
                             records: list[RecordRef]) -> list[uuid.UUID]:
        """The CRM mail of each mailbox message, importing those not seen yet (records are checked first, so
        nothing is fetched for a filing that cannot happen)."""
        found: dict[int, uuid.UUID] = {}
        async with self._uow("update") as (session, viewer):
            await service.require_records(viewer, list(dict.fromkeys(records)))
            accounts: dict[uuid.UUID, MailAccount] = {}
            for n, (account_id, folder_id, ref) in enumerate(messages):
                account = await session.get(MailAccount, account_id)
                if account is None or account.deleted_at is not None or not await viewer.uses_account(account_id):
                    raise NotFound(f"mail account {account_id} not found")
                accounts[account_id] = account
                known = await session.scalar(select(MailboxReference.mail_id).where(
                    MailboxReference.account_id == account_id, MailboxReference.folder_id == folder_id,
                    MailboxReference.ref == ref))
                if known is not None:
                    found[n] = known
            tenant_id = viewer.principal.tenant_id
        missing = [n for n in range(len(messages)) if n not in found]
        for n in missing:  # fetched outside any transaction: the provider may be slow
            account_id, folder_id, ref = messages[n]
            found[n] = await self._import(tenant_id, accounts[account_id], folder_id, ref, field=f"messages[{n}]")
        return [found[n] for n in range(len(messages))]

    async def _import(self, tenant_id: uuid.UUID, account: MailAccount, folder_id: str, ref: str, *,
                      field: str) -> uuid.UUID:
        if self._open_provider is None:
            raise Unavailable("filing mailbox messages needs the account providers; none are configured")
        async with self._open_provider(account) as provider:
            raw = await provider.raw_message(folder_id, ref)
        prepared = await store.prepare(RawMessage(ref, raw), blobs=self._store(), namespace=str(tenant_id),
                                       limits=self._limits)
        if isinstance(prepared, store.Quarantined):
            raise InvalidArgument(field, f"the message cannot be read ({prepared.reason}); it was not filed")
        async with self._db.unit_of_work(tenant_id) as session:
            written = await store.write(session, [prepared], tenant_id=tenant_id, account_id=account.id,
                                        folder_id=folder_id, own_addresses={account.address_key})
            for mail, _parsed in written.created:
                await events.mail_imported(session, mail=mail, account_id=account.id)
            mail_id = await session.scalar(select(MailboxReference.mail_id).where(
                MailboxReference.account_id == account.id, MailboxReference.folder_id == folder_id,
                MailboxReference.ref == ref))
        return mail_id

    async def RemoveLink(self, request, context):
        mail_id = parse_uuid(request.mail_id, "mail_id")
        record = _record(request.record, "record")
        async with self._uow("update") as (session, viewer):
            return to_proto(await service.remove_link(session, viewer, mail_id=mail_id, record=record))

    async def DownloadMailPart(self, request, context):
        mail_id = parse_uuid(request.mail_id, "mail_id")
        async with self._uow("read") as (session, viewer):
            part = await service.find_part(session, viewer, mail_id=mail_id, part_path=request.part_path)
            tenant_id = viewer.principal.tenant_id
        content = await self._store().open(str(tenant_id), part.address)
        yield mails_pb2.DownloadMailPartResponse(attachment=mails_pb2.MailAttachment(
            path=part.path, filename=part.filename, content_type=part.content_type, size=part.size,
            content_ref=part.address, content_id=part.content_id, disposition=part.disposition))
        async for chunk in content:
            for start in range(0, len(chunk), CHUNK_BYTES):  # whatever the store's chunking, at most 1 MiB
                yield mails_pb2.DownloadMailPartResponse(chunk=chunk[start:start + CHUNK_BYTES])


def _required(value: str, field: str) -> str:
    if not value:
        raise InvalidArgument(field, "is required")
    return value


def register(server: grpc.aio.Server, db: Database, contacts: ContactsClient, blob_store: blobs.BlobStore | None,
             open_provider: OpenProvider | None = None) -> list[str]:
    mails_pb2_grpc.add_MailServiceServicer_to_server(
        MailServicer(db, contacts, blob_store, open_provider), server)
    return [mails_pb2.DESCRIPTOR.services_by_name["MailService"].full_name]
