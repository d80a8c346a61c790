"""/api/v1/mail/accounts/{id}/import: import health, its readable log, "import now" and the quarantine.
Nothing here carries mail content: log lines name codes and counts, quarantine entries a reason and a size."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from kontor.protos.mail.v1 import imports_pb2 as pb

from kontor.gateway.contacts_api.http_edge import path_id, problems
from kontor.gateway.mail_api.accounts import AccountId, PageSize, PageToken
from kontor.gateway.mail_api.convert import health_read, log_line_read, quarantined_read
from kontor.gateway.mail_api.schemas import ImportHealthRead, ImportLogRead, QuarantineList
from kontor.gateway.mail_api.upstream import call

ITEM = "/api/v1/mail/accounts/{account_id}/import"
Limit = Annotated[int, Query(ge=1, le=500, description="At most this many lines, newest first")]


def router(stubs) -> APIRouter:
    api = APIRouter(prefix=ITEM, tags=["mail import"])

    @api.get("", response_model=ImportHealthRead, responses=problems(403),
             summary="Import health: state, last success, progress and the reconciliation's counts",
             description="`healthy` only when the last round succeeded and the folder's count equals imported "
                         "plus quarantined; `reasons` in your language (Accept-Language).")
    async def get_import_health(account_id: AccountId) -> ImportHealthRead:
        return health_read(await call(stubs().mail_imports.GetImportHealth, pb.GetImportHealthRequest(
            account_id=path_id(account_id, "account_id"))))

    @api.get("/log", response_model=ImportLogRead, responses=problems(403),
             summary="The import log a user can read (codes and counts, never mail content)")
    async def get_import_log(account_id: AccountId, limit: Limit = 100) -> ImportLogRead:
        answer = await call(stubs().mail_imports.ListImportLog, pb.ListImportLogRequest(
            account_id=path_id(account_id, "account_id"), limit=limit))
        return ImportLogRead(items=[log_line_read(line) for line in answer.lines])

    @api.post("/run", status_code=status.HTTP_202_ACCEPTED, response_model=ImportHealthRead,
              responses=problems(403), summary="Import now: queue a round for this account at once",
              description="Answers the health as it is now; read GET .../import for the outcome. A round in "
                          "progress is not an error. Needs the update right on the account.")
    async def run_import_now(account_id: AccountId) -> ImportHealthRead:
        return health_read(await call(stubs().mail_imports.RunImportNow, pb.RunImportNowRequest(
            account_id=path_id(account_id, "account_id"))))

    @api.get("/quarantine", response_model=QuarantineList, responses=problems(403),
             summary="Messages kept aside with the reason they could not be imported")
    async def list_quarantine(account_id: AccountId, page_size: PageSize = 50,
                              page_token: PageToken = "") -> QuarantineList:
        answer = await call(stubs().mail_imports.ListQuarantine, pb.ListQuarantineRequest(
            account_id=path_id(account_id, "account_id"), page_size=page_size, page_token=page_token))
        return QuarantineList(items=[quarantined_read(q) for q in answer.mails],
                              next_page_token=answer.next_page_token)

    return api
