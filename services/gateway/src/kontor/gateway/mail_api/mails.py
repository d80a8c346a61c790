"""CRM mails: /api/v1/mail/mails/{id} (read, parts, links), /api/v1/mail/filings (file many mails to many
records by hand) and /api/v1/mail/records/{type}/{id}/mails (what is filed to a record)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Response, status

from kontor.protos.mail.v1 import mails_pb2 as pb

from kontor.gateway.contacts_api.http_edge import path_id, problems
from kontor.gateway.mail_api import downloads, keys
from kontor.gateway.mail_api.accounts import PageSize, PageToken
from kontor.gateway.mail_api.convert import crm_mail_read, record_pb
from kontor.gateway.mail_api.mailbox import PartPath
from kontor.gateway.mail_api.schemas import CrmMailRead, FilingBody, FilingRead, MailPage
from kontor.gateway.mail_api.upstream import call

ITEM = "/api/v1/mail/mails/{mail_id}"
MailId = Annotated[str, Path(description="UUID of the CRM mail; anything else answers 422 naming mail_id")]
RecordType = Annotated[Literal["company", "contact_person", "deal", "project"], Path(description="Kind of record")]
RecordId = Annotated[str, Path(description="UUID of the record; anything else answers 422 naming record_id")]


def router(stubs, *, timeout_s: float) -> APIRouter:
    api = APIRouter(tags=["mail"])

    @api.get(ITEM, response_model=CrmMailRead, responses=problems(403),
             summary="Read a CRM mail with its attachments' metadata and links",
             description="Visible to whoever may see one of its records, and to the users of a mailbox it was "
                         "imported from; 404 for everyone else.")
    async def get_mail(mail_id: MailId) -> CrmMailRead:
        return crm_mail_read(await call(stubs().mails.GetMail, pb.GetMailRequest(id=path_id(mail_id, "mail_id"))))

    @api.get(ITEM + "/parts/{part_path}", response_class=Response, responses={**downloads.RESPONSES,
                                                                              **problems(403)},
             summary="Download an attachment of a CRM mail")
    async def download_mail_part(mail_id: MailId, part_path: PartPath):
        request = pb.DownloadMailPartRequest(mail_id=path_id(mail_id, "mail_id"), part_path=keys.part_path(part_path))
        return await downloads.stream_part(stubs().mails.DownloadMailPart, request, raw=False, timeout_s=timeout_s)

    @api.get(ITEM + "/raw", response_class=Response, responses={**downloads.RESPONSES, **problems(403)},
             summary="Download a CRM mail as received or sent (message/rfc822, unchanged)")
    async def download_mail(mail_id: MailId):
        request = pb.DownloadMailPartRequest(mail_id=path_id(mail_id, "mail_id"), part_path="")
        return await downloads.stream_part(stubs().mails.DownloadMailPart, request, raw=True, timeout_s=timeout_s)

    @api.post("/api/v1/mail/filings", response_model=FilingRead, responses=problems(403),
              summary="File mails to records by hand: CRM mails and messages of your mailboxes, to one or more "
                      "records",
              description="Idempotent; a link removed before comes back. Re-matching never overrides what was "
                          "filed by hand. A record you may not see answers 404 naming it; nothing is filed then.")
    async def file_mails(body: FilingBody) -> FilingRead:
        request = pb.FileMailsRequest(
            mail_ids=body.mail_ids, records=[record_pb(r) for r in body.records],
            messages=[pb.MailboxMessageRef(account_id=m.account_id,
                                           folder_id=keys.decode(m.folder_id, f"messages.{n}.folder_id"),
                                           ref=keys.decode(m.ref, f"messages.{n}.ref"))
                      for n, m in enumerate(body.messages)])
        answer = await call(stubs().mails.FileMails, request)
        return FilingRead(items=[crm_mail_read(m) for m in answer.mails])

    @api.delete(ITEM + "/links/{record_type}/{record_id}", response_model=CrmMailRead, responses=problems(403),
                summary="Unfile a mail from a record; re-matching never files it there again",
                description="Answers the mail with its remaining links.")
    async def remove_link(mail_id: MailId, record_type: RecordType, record_id: RecordId) -> CrmMailRead:
        return crm_mail_read(await call(stubs().mails.RemoveLink, pb.RemoveLinkRequest(
            mail_id=path_id(mail_id, "mail_id"),
            record=pb.RecordRef(type=record_type, id=path_id(record_id, "record_id")))))

    @api.get("/api/v1/mail/records/{record_type}/{record_id}/mails", response_model=MailPage,
             responses=problems(403), summary="The mails filed to a record, newest first")
    async def list_record_mails(record_type: RecordType, record_id: RecordId, page_size: PageSize = 50,
                                page_token: PageToken = "") -> MailPage:
        answer = await call(stubs().mails.ListRecordMails, pb.ListRecordMailsRequest(
            record=pb.RecordRef(type=record_type, id=path_id(record_id, "record_id")), page_size=page_size,
            page_token=page_token))
        return MailPage(items=[crm_mail_read(m) for m in answer.mails], next_page_token=answer.next_page_token)

    return api
