"""The CRM mailbox ("Postfach"): folders and messages of your mailboxes straight from the groupware, moving,
sending, and the overview of what is due. Folder ids and refs are keys (keys.py) in paths and bodies.

Sending takes JSON with attachments in base64 (``attachments[].file.content_base64``) or as parts of CRM
mails (``attachments[].mail_part``): one request, one gRPC call, no upload session. The whole body is
limited to ``KONTOR_GATEWAY_MAIL_SEND_MAX_BYTES`` (default 20 MiB, i.e. about 15 MiB of files; 413 beyond),
below mail-import's gRPC message limit. Larger files: attach them from CRM mails instead.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from kontor.protos.mail.v1 import mailbox_pb2 as pb

from kontor.gateway.contacts_api.http_edge import path_id, problems
from kontor.gateway.mail_api import downloads, keys
from kontor.gateway.mail_api.accounts import AccountId, PageSize, PageToken
from kontor.gateway.mail_api.convert import (
    crm_mail_read, folder_read, mailbox_message_read, overview_read, send_pb, summary_read,
)
from kontor.gateway.mail_api.limits import TOO_LARGE_RESPONSE, limited_body_route
from kontor.gateway.mail_api.schemas import (
    CrmMailRead, FolderList, MailboxMessageRead, MessagePage, MoveBody, MovedRead, MoveRead, OverviewRead, SendBody,
)
from kontor.gateway.mail_api.upstream import call

ACCOUNT = "/api/v1/mail/accounts/{account_id}"
MESSAGE = ACCOUNT + "/folders/{folder_id}/messages/{ref}"
FolderId = Annotated[str, Path(description="Key of the folder (`id` of GET .../folders): " + keys.KEY_DESCRIPTION)]
Ref = Annotated[str, Path(description="Key of the message (`ref` of its listing): " + keys.KEY_DESCRIPTION)]
PartPath = Annotated[str, Path(description='MIME part path of the attachment, e.g. "2" or "1.2" '
                                           "(`attachments[].path`)")]
MessagePageSize = Annotated[int, Query(ge=1, le=100, description="Messages per page")]


def _message(account_id: str, folder_id: str, ref: str) -> dict:
    return {"account_id": path_id(account_id, "account_id"), "folder_id": keys.decode(folder_id, "folder_id"),
            "ref": keys.decode(ref, "ref")}


def router(stubs, *, timeout_s: float) -> APIRouter:
    api = APIRouter(tags=["mailbox"])

    @api.get(ACCOUNT + "/folders", response_model=FolderList, responses=problems(403),
             summary="The folders of a mailbox (yours, or a shared one of your team)")
    async def list_folders(account_id: AccountId) -> FolderList:
        answer = await call(stubs().mailbox.ListFolders, pb.ListFoldersRequest(
            account_id=path_id(account_id, "account_id")))
        return FolderList(items=[folder_read(f) for f in answer.folders])

    @api.get(ACCOUNT + "/folders/{folder_id}/messages", response_model=MessagePage, responses=problems(403),
             summary="The messages of a folder, newest first, in pages")
    async def list_messages(account_id: AccountId, folder_id: FolderId, page_size: MessagePageSize = 25,
                            page_token: PageToken = "") -> MessagePage:
        answer = await call(stubs().mailbox.ListMessages, pb.ListMessagesRequest(
            account_id=path_id(account_id, "account_id"), folder_id=keys.decode(folder_id, "folder_id"),
            page_size=page_size, page_token=page_token))
        return MessagePage(items=[summary_read(m) for m in answer.messages], next_page_token=answer.next_page_token)

    @api.get(MESSAGE, response_model=MailboxMessageRead, responses=problems(403),
             summary="Read a message with its attachments' metadata (mail_id and links when it is a CRM mail)")
    async def get_message(account_id: AccountId, folder_id: FolderId, ref: Ref) -> MailboxMessageRead:
        return mailbox_message_read(await call(stubs().mailbox.GetMessage, pb.GetMessageRequest(
            **_message(account_id, folder_id, ref))))

    @api.get(MESSAGE + "/parts/{part_path}", response_class=Response, responses={**downloads.RESPONSES,
                                                                                 **problems(403)},
             summary="Download an attachment of a message")
    async def download_message_part(account_id: AccountId, folder_id: FolderId, ref: Ref, part_path: PartPath):
        request = pb.DownloadMessagePartRequest(**_message(account_id, folder_id, ref),
                                                part_path=keys.part_path(part_path))
        return await downloads.stream_part(stubs().mailbox.DownloadMessagePart, request, raw=False,
                                           timeout_s=timeout_s)

    @api.get(MESSAGE + "/raw", response_class=Response, responses={**downloads.RESPONSES, **problems(403)},
             summary="Download the message as sent (message/rfc822)")
    async def download_message(account_id: AccountId, folder_id: FolderId, ref: Ref):
        request = pb.DownloadMessagePartRequest(**_message(account_id, folder_id, ref), part_path="")
        return await downloads.stream_part(stubs().mailbox.DownloadMessagePart, request, raw=True,
                                           timeout_s=timeout_s)

    @api.post(ACCOUNT + "/messages/move", response_model=MoveRead, responses=problems(403),
              summary="Move messages between folders of one mailbox (e.g. into the import folder by hand)")
    async def move_messages(account_id: AccountId, body: MoveBody) -> MoveRead:
        answer = await call(stubs().mailbox.MoveMessages, pb.MoveMessagesRequest(
            account_id=path_id(account_id, "account_id"), folder_id=keys.decode(body.folder_id, "folder_id"),
            refs=[keys.decode(ref, f"refs.{n}") for n, ref in enumerate(body.refs)],
            target_folder_id=keys.decode(body.target_folder_id, "target_folder_id")))
        return MoveRead(items=[MovedRead(ref=keys.encode(old), new_ref=keys.encode(new))
                               for old, new in answer.moved.items()])

    @api.get("/api/v1/mail/overview", response_model=OverviewRead,
             summary="What is due today: unread mail in your import folders, appointments and follow-ups",
             description="In your time zone. A part that could not be loaded is named in `unavailable`; the rest "
                         "is shown.")
    async def get_overview() -> OverviewRead:
        return overview_read(await call(stubs().mailbox.GetOverview, pb.GetOverviewRequest()))

    return api


def send_router(stubs, *, max_bytes: int) -> APIRouter:
    api = APIRouter(tags=["mailbox"], route_class=limited_body_route(max_bytes))

    @api.post(ACCOUNT + "/send", status_code=status.HTTP_201_CREATED, response_model=CrmMailRead,
              responses={**problems(403), **TOO_LARGE_RESPONSE},
              summary="Send a new mail or a reply; it is filed to `records` (and a reply to its thread's records)",
              description="JSON; files go in `attachments[].file.content_base64` (standard base64), CRM mail "
                          "parts in `attachments[].mail_part`. The whole body is limited (413 beyond; the limit "
                          "is `max_bytes` of the problem). The sent mail's Message-ID names its record, so "
                          "replies file themselves. The answer is the CRM mail, at Location.")
    async def send_mail(account_id: AccountId, body: SendBody, response: Response) -> CrmMailRead:
        sent = await call(stubs().mailbox.SendMail, send_pb(path_id(account_id, "account_id"), body))
        if sent.mail.id:
            response.headers["Location"] = f"/api/v1/mail/mails/{sent.mail.id}"
        return crm_mail_read(sent.mail)

    return api
