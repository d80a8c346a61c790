"""Business rules of filed mail: read, list by record, file by hand, remove a link, find a part to download.

Functions take the session and a ``MailViewer`` (the caller and what they may see); the edge owns the
transaction and has checked the "mail" right. Invisible mails and records answer NOT_FOUND.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform import pagination
from kontor.platform.errors import InvalidArgument, NotFound

from kontor.mail_import.mails import links
from kontor.mail_import.mails.models import Mail, MailLink
from kontor.mail_import.mails.schemas import RecordRef
from kontor.mail_import.mails.visibility import MailViewer, user_id_of

MAX_FILE_MAILS = 200  # mails per FileMails call
MAX_FILE_RECORDS = 20  # records per FileMails call


@dataclass
class MailView:
    """A mail as the caller sees it: its links in force and the caller's accounts it came from."""

    mail: Mail
    links: list[MailLink] = field(default_factory=list)
    account_ids: list[uuid.UUID] = field(default_factory=list)


def _newest():
    """Newest first: by the mail's date, by its arrival when it has none."""
    return func.coalesce(Mail.sent_at, Mail.created_at)


async def views(session: AsyncSession, viewer: MailViewer, mails: list[Mail]) -> list[MailView]:
    in_force = await links.links_in_force(session, [m.id for m in mails])
    accounts = await viewer.mail_accounts([m.id for m in mails])
    return [MailView(m, in_force[m.id], sorted(accounts[m.id])) for m in mails]


async def get_mail(session: AsyncSession, viewer: MailViewer, mail_id: uuid.UUID) -> MailView:
    mail = await viewer.require_mail(mail_id)
    return (await views(session, viewer, [mail]))[0]


async def list_record_mails(session: AsyncSession, viewer: MailViewer, record: RecordRef, *, page_size: int,
                            page_token: str) -> tuple[list[MailView], str]:
    """The mails filed to a visible record (links in force), newest first, keyset paged."""
    size = pagination.page_size(page_size)
    after = pagination.decode_token(page_token)
    await viewer.require_record(record)
    query = (select(Mail).join(MailLink, MailLink.mail_id == Mail.id)
             .where(Mail.tenant_id == viewer.principal.tenant_id, MailLink.record_type == record.type,
                    MailLink.record_id == record.id, MailLink.removed_at.is_(None))
             .order_by(_newest().desc(), Mail.id.desc()).limit(size + 1))
    if after is not None:
        query = query.where(tuple_(_newest(), Mail.id) < tuple_(after[0], after[1]))
    mails = list(await session.scalars(query))
    token = ""
    if len(mails) > size:
        mails = mails[:size]
        last = mails[-1]
        token = pagination.encode_token(last.sent_at or last.created_at, last.id)
    return await views(session, viewer, mails), token


def check_filing_request(mail_count: int, records: list[RecordRef]) -> None:
    if not records:
        raise InvalidArgument("records", "name at least one record to file to")
    if len(records) > MAX_FILE_RECORDS:
        raise InvalidArgument("records", f"file to at most {MAX_FILE_RECORDS} records at once")
    if mail_count == 0:
        raise InvalidArgument("mail_ids", "name at least one mail or mailbox message")
    if mail_count > MAX_FILE_MAILS:
        raise InvalidArgument("mail_ids", f"file at most {MAX_FILE_MAILS} mails at once")


async def require_records(viewer: MailViewer, records: list[RecordRef]) -> None:
    """Filing takes read access to each record: the first invisible one answers NOT_FOUND naming it."""
    for record in records:
        await viewer.require_record(record)


async def file_mails(session: AsyncSession, viewer: MailViewer, *, mail_ids: list[uuid.UUID],
                     records: list[RecordRef]) -> list[MailView]:
    """File every mail to every record by hand (all or nothing: one transaction). Idempotent; revives a
    removed link; turns an automatic link into a manual one, which re-matching then never touches."""
    mail_ids = list(dict.fromkeys(mail_ids))
    records = list(dict.fromkeys(records))
    check_filing_request(len(mail_ids), records)
    await require_records(viewer, records)
    visible = await viewer.visible_mails(mail_ids)
    for mail_id in mail_ids:
        if mail_id not in visible:
            raise NotFound(f"mail {mail_id} not found")
    await links.file_manually(session, tenant_id=viewer.principal.tenant_id, mail_ids=mail_ids, records=records,
                              user_id=_actor(viewer))
    return await views(session, viewer, [visible[i] for i in mail_ids])


async def remove_link(session: AsyncSession, viewer: MailViewer, *, mail_id: uuid.UUID,
                      record: RecordRef) -> MailView:
    """Remove a link the caller may see; it stays removed. Removing the link that made the mail visible
    to the caller still answers the mail as it is now (the caller asked for that change)."""
    mail = await viewer.require_mail(mail_id)
    await viewer.require_record(record)
    await links.remove(session, tenant_id=viewer.principal.tenant_id, mail_id=mail_id, record=record,
                       user_id=_actor(viewer))
    return (await views(session, viewer, [mail]))[0]


@dataclass(frozen=True)
class Part:
    """What DownloadMailPart streams: the metadata first, then the blob at ``address``."""

    path: str
    filename: str
    content_type: str
    size: int
    address: str
    content_id: str
    disposition: str


async def find_part(session: AsyncSession, viewer: MailViewer, *, mail_id: uuid.UUID, part_path: str) -> Part:
    """``part_path`` "" is the raw message; otherwise an attachment's MIME path ("2", "1.2")."""
    mail = await viewer.require_mail(mail_id)
    if not part_path:
        return Part("", "message.eml", "message/rfc822", mail.size, mail.raw_address, "", "attachment")
    for a in mail.attachments:
        if a.get("path") == part_path:
            return Part(part_path, a.get("filename") or "", a.get("content_type") or "application/octet-stream",
                        int(a.get("size") or 0), a["address"], a.get("content_id") or "",
                        a.get("disposition") or "attachment")
    raise NotFound(f"mail {mail_id} has no part {part_path}")


def _actor(viewer: MailViewer) -> str:
    user_id = user_id_of(viewer.principal)
    return str(user_id) if user_id is not None else viewer.principal.subject
