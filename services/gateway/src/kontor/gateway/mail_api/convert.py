"""mail-import's messages to the REST shapes and back. Groupware ids become keys here (keys.py), nowhere else."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime

from kontor.platform.errors import InvalidArgument
from kontor.protos.mail.v1 import accounts_pb2, imports_pb2, mailbox_pb2, mails_pb2, rules_pb2

from kontor.gateway.mail_api import keys
from kontor.gateway.mail_api.schemas import (
    AccountCreate, AccountRead, AccountUpdate, AddressRead, AttachmentRead, ConnectionTestRead, CredentialsWrite,
    CrmMailRead, FolderRead, GraphSettings, ImapSettings, ImportHealthRead, ImportLogLineRead, LinkRead,
    MailboxMessageRead, MessageSummaryRead, OverviewAppointmentRead, OverviewFollowUpRead, OverviewMessageRead,
    OverviewRead, QuarantinedMailRead, RecordRef, RecordRefRead, RuleConditions, RuleConditionsRead, RuleRead,
    SendBody,
)


def when(message, field: str) -> datetime | None:
    return getattr(message, field).ToDatetime(UTC) if message.HasField(field) else None


# ------------------------------------------------------------------ accounts

def credentials_pb(body: CredentialsWrite, field: str = "credentials") -> accounts_pb2.Credentials:
    given = [name for name in ("password", "client_secret", "certificate") if getattr(body, name) is not None]
    if len(given) != 1:
        raise InvalidArgument(field, "send exactly one of password, client_secret or certificate")
    if body.password is not None:
        return accounts_pb2.Credentials(password=body.password.get_secret_value())
    if body.client_secret is not None:
        return accounts_pb2.Credentials(client_secret=body.client_secret.get_secret_value())
    return accounts_pb2.Credentials(certificate=accounts_pb2.CertificateCredential(
        certificate_pem=body.certificate.certificate_pem.get_secret_value(),
        private_key_pem=body.certificate.private_key_pem.get_secret_value()))


def create_account_pb(body: AccountCreate) -> accounts_pb2.CreateAccountRequest:
    other = "imap" if body.provider == "graph" else "graph"
    if getattr(body, other) is not None:
        raise InvalidArgument(other, f"belongs to provider {other}, not {body.provider}")
    request = accounts_pb2.CreateAccountRequest(
        kind=body.kind, owner_user_id=body.owner_user_id or "", team_id=body.team_id or "", address=body.address,
        display_name=body.display_name, import_folder=body.import_folder, enabled=body.enabled)
    settings = getattr(body, body.provider) or (GraphSettings() if body.provider == "graph" else ImapSettings())
    getattr(request, body.provider).CopyFrom(_settings_pb(settings))
    if body.credentials is not None:
        request.credentials.CopyFrom(credentials_pb(body.credentials))
    return request


def update_account_pb(account_id: str, version: int, body: AccountUpdate) -> accounts_pb2.UpdateAccountRequest:
    sent = body.model_fields_set
    request = accounts_pb2.UpdateAccountRequest(id=account_id, expected_version=version, **{
        name: getattr(body, name) for name in ("display_name", "import_folder", "enabled")
        if name in sent and getattr(body, name) is not None})
    for name in ("graph", "imap"):
        if name in sent and getattr(body, name) is not None:
            getattr(request, name).CopyFrom(_settings_pb(getattr(body, name)))
    return request


def _settings_pb(settings: GraphSettings | ImapSettings):
    if isinstance(settings, GraphSettings):
        return accounts_pb2.GraphSettings(**settings.model_dump())
    return accounts_pb2.ImapSettings(**settings.model_dump())


def account_read(a: accounts_pb2.MailAccount) -> AccountRead:
    which = a.WhichOneof("settings")
    return AccountRead(
        id=a.id, kind=a.kind, owner_user_id=a.owner_user_id or None, team_id=a.team_id or None,
        provider=a.provider, address=a.address, display_name=a.display_name,
        graph=GraphSettings(azure_tenant_id=a.graph.azure_tenant_id, client_id=a.graph.client_id,
                            authority_url=a.graph.authority_url, base_url=a.graph.base_url,
                            ca_bundle_path=a.graph.ca_bundle_path) if which == "graph" else None,
        imap=ImapSettings(host=a.imap.host, port=a.imap.port, security=a.imap.security, username=a.imap.username,
                          smtp_host=a.imap.smtp_host, smtp_port=a.imap.smtp_port,
                          smtp_security=a.imap.smtp_security, sent_folder=a.imap.sent_folder)
        if which == "imap" else None,
        import_folder=a.import_folder, enabled=a.enabled, has_credentials=a.has_credentials, version=a.version,
        created_at=when(a, "created_at"), updated_at=when(a, "updated_at"))


def connection_test_read(t: accounts_pb2.TestConnectionResponse) -> ConnectionTestRead:
    return ConnectionTestRead(ok=t.ok, code=t.code, message=t.message,
                              import_folder_id=keys.encode(t.import_folder_id),
                              import_folder_total=t.import_folder_total)


# ------------------------------------------------------------------ import

def health_read(h: imports_pb2.ImportHealth) -> ImportHealthRead:
    return ImportHealthRead(
        account_id=h.account_id, state=h.state, healthy=h.healthy, reasons=list(h.reasons),
        last_success_at=when(h, "last_success_at"), last_attempt_at=when(h, "last_attempt_at"),
        retry_at=when(h, "retry_at"), last_error_code=h.last_error_code, progress_done=h.progress_done,
        progress_total=h.progress_total, folder_count=h.folder_count, imported_count=h.imported_count,
        quarantined_count=h.quarantined_count, gap=h.gap, reconciled_at=when(h, "reconciled_at"))


def log_line_read(line: imports_pb2.ImportLogLine) -> ImportLogLineRead:
    return ImportLogLineRead(at=when(line, "at"), level=line.level, code=line.code, message=line.message,
                             counts=dict(line.counts))


def quarantined_read(q: imports_pb2.QuarantinedMail) -> QuarantinedMailRead:
    return QuarantinedMailRead(id=q.id, account_id=q.account_id, folder_id=keys.encode(q.folder_id),
                               ref=keys.encode(q.ref), reason=q.reason, detail=q.detail, size=q.size,
                               raw_kept=q.raw_kept, quarantined_at=when(q, "quarantined_at"))


# ------------------------------------------------------------------ rules

def conditions_pb(c: RuleConditions) -> rules_pb2.RuleConditions:
    message = rules_pb2.RuleConditions(sender_addresses=c.sender_addresses, sender_domains=c.sender_domains,
                                       recipient_addresses=c.recipient_addresses,
                                       subject_contains=c.subject_contains)
    if c.has_attachment is not None:
        message.has_attachment = c.has_attachment
    return message


def rule_read(r: rules_pb2.FilterRule) -> RuleRead:
    c = r.conditions
    return RuleRead(
        id=r.id, account_id=r.account_id, name=r.name, source_folder=r.source_folder, enabled=r.enabled,
        position=r.position, applied_by=r.applied_by, version=r.version,
        conditions=RuleConditionsRead(
            sender_addresses=list(c.sender_addresses), sender_domains=list(c.sender_domains),
            recipient_addresses=list(c.recipient_addresses), subject_contains=list(c.subject_contains),
            has_attachment=c.has_attachment if c.HasField("has_attachment") else None))


# ------------------------------------------------------------------ mailbox and CRM mails

def address_read(a: mails_pb2.Address) -> AddressRead:
    return AddressRead(email=a.email, name=a.name)


def record_pb(record: RecordRef) -> mails_pb2.RecordRef:
    return mails_pb2.RecordRef(type=record.type, id=record.id)


def record_read(r: mails_pb2.RecordRef) -> RecordRefRead:
    return RecordRefRead(type=r.type, id=r.id)


def link_read(link: mails_pb2.MailLink) -> LinkRead:
    return LinkRead(record=record_read(link.record), origin=link.origin, created_by=link.created_by,
                    created_at=when(link, "created_at"))


def attachment_read(a: mails_pb2.MailAttachment) -> AttachmentRead:
    return AttachmentRead(path=a.path, filename=a.filename, content_type=a.content_type, size=a.size,
                          content_ref=a.content_ref, content_id=a.content_id, disposition=a.disposition)


def _summary_fields(s: mailbox_pb2.MessageSummary) -> dict:
    return {"ref": keys.encode(s.ref), "folder_id": keys.encode(s.folder_id), "subject": s.subject,
            "sender": address_read(getattr(s, "from")) if s.HasField("from") else None,
            "to": [address_read(a) for a in s.to], "cc": [address_read(a) for a in s.cc],
            "received_at": when(s, "received_at"), "unread": s.unread, "has_attachments": s.has_attachments}


def summary_read(s: mailbox_pb2.MessageSummary) -> MessageSummaryRead:
    return MessageSummaryRead(**_summary_fields(s))


def folder_read(f: mailbox_pb2.Folder) -> FolderRead:
    return FolderRead(id=keys.encode(f.id), name=f.name, parent_id=keys.encode(f.parent_id) or None, total=f.total,
                      unread=f.unread, role=f.role, import_folder=f.import_folder)


def mailbox_message_read(m: mailbox_pb2.MailboxMessage) -> MailboxMessageRead:
    return MailboxMessageRead(**_summary_fields(m.summary), message_id=m.message_id, text=m.text, html=m.html,
                              attachments=[attachment_read(a) for a in m.attachments], mail_id=m.mail_id or None,
                              links=[link_read(link) for link in m.links])


def crm_mail_read(m: mails_pb2.CrmMail) -> CrmMailRead:
    return CrmMailRead(
        id=m.id, message_id=m.message_id, direction=m.direction, subject=m.subject,
        sender=address_read(getattr(m, "from")) if m.HasField("from") else None,
        to=[address_read(a) for a in m.to], cc=[address_read(a) for a in m.cc], sent_at=when(m, "sent_at"),
        text=m.text, attachments=[attachment_read(a) for a in m.attachments],
        links=[link_read(link) for link in m.links], account_ids=list(m.account_ids), size=m.size,
        imported_at=when(m, "imported_at"))


def _content(value: str, field: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidArgument(field, "must be standard base64 (RFC 4648 section 4)") from None


def send_pb(account_id: str, body: SendBody) -> mailbox_pb2.SendMailRequest:
    request = mailbox_pb2.SendMailRequest(
        account_id=account_id, subject=body.subject, text=body.text, html=body.html,
        reply_to_mail_id=body.reply_to_mail_id or "", records=[record_pb(r) for r in body.records],
        **{kind: [mails_pb2.Address(email=a.email, name=a.name) for a in getattr(body, kind)]
           for kind in ("to", "cc", "bcc")})
    for index, attachment in enumerate(body.attachments):
        field = f"attachments.{index}"
        if (attachment.file is None) == (attachment.mail_part is None):
            raise InvalidArgument(field, "send exactly one of file or mail_part")
        if attachment.file is not None:
            request.attachments.add(file=mailbox_pb2.UploadedFile(
                filename=attachment.file.filename, content_type=attachment.file.content_type,
                content=_content(attachment.file.content_base64, f"{field}.file.content_base64")))
        else:
            request.attachments.add(mail_part=mailbox_pb2.MailPartRef(
                mail_id=attachment.mail_part.mail_id, part_path=attachment.mail_part.part_path))
    if body.reply_to_message is not None:
        request.reply_to_message.CopyFrom(mails_pb2.MailboxMessageRef(
            account_id=account_id, folder_id=keys.decode(body.reply_to_message.folder_id, "reply_to_message.folder_id"),
            ref=keys.decode(body.reply_to_message.ref, "reply_to_message.ref")))
    return request


def overview_read(o: mailbox_pb2.Overview) -> OverviewRead:
    return OverviewRead(
        unread_import_mail=[OverviewMessageRead(account_id=m.account_id, message=summary_read(m.summary))
                            for m in o.unread_import_mail],
        appointments_today=[OverviewAppointmentRead(appointment_id=a.appointment_id, subject=a.subject,
                                                    start=when(a, "start"), end=when(a, "end"), all_day=a.all_day)
                            for a in o.appointments_today],
        follow_ups_due=[OverviewFollowUpRead(follow_up_id=f.follow_up_id, title=f.title, due_at=when(f, "due_at"),
                                             record=record_read(f.record) if f.HasField("record") else None)
                        for f in o.follow_ups_due],
        time_zone=o.time_zone, unavailable=list(o.unavailable))
