"""SendMail: check everything, compose, send through the account's provider, then keep it as a filed CRM mail.

Order matters:
1. every check first (rights, records, attachments' sources, the answered mail), so a refused request sends
   nothing;
2. the message is composed and its blobs stored (content-addressed: if sending then fails, they are orphans
   the blob sweep removes, never a half-stored mail);
3. ``provider.send``; when it fails nothing is stored in the database;
4. one transaction: the Mail (direction "sent"), a reference to the account's sent folder (``SENT_FOLDER_ID``),
   the links ("sent" to the records written from, "thread" to the answered mail's records) and MailImported.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from kontor.platform import blobs
from kontor.platform.auth import current_principal
from kontor.platform.db import Database
from kontor.platform.errors import InvalidArgument, NotFound, Unavailable

from kontor.mail_import import mime
from kontor.mail_import.accounts import service as accounts_service
from kontor.mail_import.accounts.connect import OpenProvider
from kontor.mail_import.accounts.models import MailAccount
from kontor.mail_import.contacts_client import ContactsClient
from kontor.mail_import.edge import authorised
from kontor.mail_import.imports import store
from kontor.mail_import.mailbox import compose, service
from kontor.mail_import.mails import dedup, events, links
from kontor.mail_import.mails import service as mails_service
from kontor.mail_import.mails.message_ids import new_message_id
from kontor.mail_import.mails.schemas import SENT, THREAD, ProposedLink, RecordRef
from kontor.mail_import.mails.visibility import MailViewer, user_id_of
from kontor.mail_import.providers.base import RawMessage
from kontor.mail_import.settings import MailImportSettings


@dataclass(frozen=True)
class MailPart:
    mail_id: uuid.UUID
    part_path: str


@dataclass(frozen=True)
class MessageRef:
    account_id: uuid.UUID
    folder_id: str
    ref: str


@dataclass(frozen=True)
class Outgoing:
    """A SendMail request whose fields are checked already (addresses, subject, uploaded files)."""

    account_id: uuid.UUID
    to: list[compose.Recipient]
    cc: list[compose.Recipient]
    bcc: list[compose.Recipient]
    subject: str
    text: str
    html: str
    # In request order: an uploaded file, or a CRM mail's part to read from the blob store.
    attachments: list[compose.OutgoingFile | MailPart] = field(default_factory=list)
    records: list[RecordRef] = field(default_factory=list)
    reply_to_mail_id: uuid.UUID | None = None
    reply_to_message: MessageRef | None = None


@dataclass
class _Checked:
    account: MailAccount
    tenant_id: uuid.UUID
    parts: dict[int, mails_service.Part] = field(default_factory=dict)  # attachment index → where it is stored
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    thread_records: list[RecordRef] = field(default_factory=list)
    reply_account: MailAccount | None = None


class Sender:
    def __init__(self, db: Database, contacts: ContactsClient, blob_store: blobs.BlobStore | None,
                 open_provider: OpenProvider, settings: MailImportSettings, limits: mime.Limits | None = None):
        self._db = db
        self._contacts = contacts
        self._blobs = blob_store
        self._open_provider = open_provider
        self._settings = settings
        self._limits = limits or mime.Limits()

    def _store(self) -> blobs.BlobStore:
        if self._blobs is None:
            raise Unavailable("sending keeps the mail in the blob store: set KONTOR_MAIL_IMPORT_BLOB_STORE_URL")
        return self._blobs

    async def send(self, out: Outgoing, *, lang: str = "en") -> mails_service.MailView:
        blob_store = self._store()
        checked = await self._check(out)
        files = await self._files(out, checked, blob_store)
        if out.reply_to_message is not None:
            await self._answered_message(out.reply_to_message, checked, lang)
        message_id = new_message_id(out.records[0] if out.records else None,
                                    key=self._settings.message_id_key.get_secret_value().encode(),
                                    domain=self._settings.message_id_domain)
        account = checked.account
        composed = compose.compose(compose.Draft(
            sender=compose.Recipient(account.address, account.display_name), to=out.to, cc=out.cc, bcc=out.bcc,
            subject=out.subject, text=out.text, html=out.html, attachments=files, in_reply_to=checked.in_reply_to,
            references=checked.references), message_id=message_id)
        namespace = str(checked.tenant_id)
        prepared = await store.prepare(RawMessage("", composed.to_keep), blobs=blob_store, namespace=namespace,
                                       limits=self._limits)
        if isinstance(prepared, store.Quarantined):  # our own message: a limit (size) of the parser or the store
            raise InvalidArgument("attachments", f"the mail is too large to keep ({prepared.reason})")
        with service.provider_errors("to", lang):
            async with self._open_provider(account) as provider:
                await provider.send(composed.to_send)
        return await self._keep(out, checked, prepared)

    async def _check(self, out: Outgoing) -> _Checked:
        """Rights and every source, in one read-only unit of work: NOT_FOUND names what the caller may not use."""
        async with authorised(self._db, self._contacts, "mail", "create") as (session, caller):
            account = await accounts_service.get_account(session, caller, out.account_id)
            viewer = MailViewer(session, principal=caller.principal, contacts=self._contacts, sight=caller.sight)
            await mails_service.require_records(viewer, out.records)
            checked = _Checked(account=account, tenant_id=caller.principal.tenant_id)
            for n, item in enumerate(out.attachments):
                if isinstance(item, MailPart):
                    checked.parts[n] = await mails_service.find_part(session, viewer, mail_id=item.mail_id,
                                                                     part_path=item.part_path)
            if out.reply_to_mail_id is not None:
                answered = await viewer.require_mail(out.reply_to_mail_id)
                checked.in_reply_to, checked.references = compose.thread_of(answered.message_id,
                                                                            answered.references or [])
                in_force = await links.links_in_force(session, [answered.id])
                checked.thread_records = [RecordRef(k.record_type, k.record_id) for k in in_force[answered.id]]
            if out.reply_to_message is not None:
                checked.reply_account = await accounts_service.get_account(session, caller,
                                                                           out.reply_to_message.account_id)
        return checked

    async def _files(self, out: Outgoing, checked: _Checked, blob_store: blobs.BlobStore) -> list[compose.OutgoingFile]:
        files: list[compose.OutgoingFile] = []
        for n, item in enumerate(out.attachments):
            if isinstance(item, compose.OutgoingFile):
                files.append(item)
                continue
            part = checked.parts[n]
            if part.size > self._settings.attachment_max_bytes:
                raise InvalidArgument(f"attachments[{n}].mail_part",
                                      f"at most {self._settings.attachment_max_bytes} bytes")
            try:
                content = await blob_store.read(str(checked.tenant_id), part.address)
            except blobs.BlobNotFound:
                raise NotFound(f"attachments[{n}].mail_part: the part's content is not stored") from None
            files.append(compose.OutgoingFile(part.filename or ("message.eml" if not part.path else "attachment"),
                                              part.content_type or "application/octet-stream", content))
        return files

    async def _answered_message(self, ref: MessageRef, checked: _Checked, lang: str) -> None:
        """A reply to a mailbox message: its thread headers from the server; when the CRM holds it, its records."""
        assert checked.reply_account is not None
        with service.provider_errors("reply_to_message", lang):
            async with self._open_provider(checked.reply_account) as provider:
                raw = await provider.raw_message(ref.folder_id, ref.ref)
        parsed = await service.parse(raw, self._limits, lang)
        checked.in_reply_to, checked.references = compose.thread_of(parsed.message_id, parsed.references)
        async with self._db.unit_of_work(checked.tenant_id) as session:
            known = await service.crm_mail_for(session, tenant_id=checked.tenant_id, account_id=ref.account_id,
                                               folder_id=ref.folder_id, ref=ref.ref, parsed=parsed)
        if known is not None:
            checked.thread_records += [RecordRef(k.record_type, k.record_id) for k in known.links]

    async def _keep(self, out: Outgoing, checked: _Checked, prepared: store.Parsed) -> mails_service.MailView:
        principal = current_principal()
        actor = str(user_id_of(principal) or principal.subject)
        account = checked.account
        async with self._db.unit_of_work(checked.tenant_id) as session:
            mail, _ = await dedup.store_mail(session, tenant_id=checked.tenant_id, parsed=prepared.parsed,
                                             raw_address=prepared.raw_address, size=prepared.size, direction="sent")
            await dedup.add_reference(session, mail, account.id, service.SENT_FOLDER_ID,
                                      prepared.parsed.message_id or str(mail.id), prepared.size)
            proposals = [ProposedLink(mail.id, r, SENT) for r in out.records]
            proposals += [ProposedLink(mail.id, r, THREAD) for r in checked.thread_records]
            filed = await links.apply_automatic(session, tenant_id=checked.tenant_id, proposals=proposals,
                                                created_by=actor)
            await events.mail_imported(session, mail=mail, account_id=account.id, filed=filed)
            viewer = MailViewer(session, principal=principal, contacts=self._contacts)
            return (await mails_service.views(session, viewer, [mail]))[0]
