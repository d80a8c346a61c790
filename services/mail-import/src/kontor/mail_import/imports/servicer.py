"""ImportService (proto/kontor/mail/v1/imports.proto): health, log, "import now" and the quarantine of an account.

Rights as the account itself (accounts/service.get_account: own personal accounts, the caller's teams' shared
ones, managers all; anything else NOT_FOUND) plus the role right on "mail_account": read for health, log
and quarantine, update for "import now". Texts in the caller's language (metadata "accept-language").
Nothing here carries mail content.
"""

from __future__ import annotations

import uuid

import grpc
from sqlalchemy import and_, or_, select

from kontor.platform.db import Database
from kontor.platform.errors import InvalidArgument, Unavailable
from kontor.platform.pagination import decode_token, encode_token, page_size as checked_page_size, parse_uuid
from kontor.protos.mail.v1 import imports_pb2 as pb
from kontor.protos.mail.v1 import imports_pb2_grpc as pb_grpc

from kontor.mail_import import texts
from kontor.mail_import.accounts import service as accounts
from kontor.mail_import.contacts_client import ContactsClient
from kontor.mail_import.edge import authorised, timestamp
from kontor.mail_import.imports import health
from kontor.mail_import.imports import log as import_log
from kontor.mail_import.imports.due import ImportTrigger
from kontor.mail_import.imports.models import ImportLogEntry, ImportState, QuarantinedMessage

ENTITY = "mail_account"
DEFAULT_LOG_LINES = 50
MAX_LOG_LINES = 500


def health_to_proto(account_id: uuid.UUID, row: ImportState | None, lang: str) -> pb.ImportHealth:
    if row is None:
        return pb.ImportHealth(account_id=str(account_id), state="never_synced", healthy=False,
                               reasons=[texts.text("state.never_synced", lang)])
    message = pb.ImportHealth(
        account_id=str(account_id), state=row.state, healthy=row.state == "healthy",
        reasons=health.reasons(row, lang), last_error_code=row.last_error_code,
        progress_done=row.progress_done, progress_total=row.progress_total, folder_count=row.folder_count,
        imported_count=row.imported_count, quarantined_count=row.quarantined_count, gap=row.gap)
    if row.last_success_at:
        message.last_success_at.CopyFrom(timestamp(row.last_success_at))
    if row.last_attempt_at:
        message.last_attempt_at.CopyFrom(timestamp(row.last_attempt_at))
    if row.retry_at and row.state in ("throttled", "failing"):  # otherwise it is beat's claim, no promise
        message.retry_at.CopyFrom(timestamp(row.retry_at))
    if row.reconciled_at:
        message.reconciled_at.CopyFrom(timestamp(row.reconciled_at))
    return message


def log_line_to_proto(entry: ImportLogEntry, lang: str) -> pb.ImportLogLine:
    counts = {k: int(v) for k, v in (entry.details or {}).items()
              if isinstance(v, int | float) and not isinstance(v, bool)}
    return pb.ImportLogLine(at=timestamp(entry.at), level=entry.level, code=entry.code,
                            message=import_log.render(entry, lang), counts=counts)


def quarantined_to_proto(row: QuarantinedMessage) -> pb.QuarantinedMail:
    return pb.QuarantinedMail(id=str(row.id), account_id=str(row.account_id), folder_id=row.folder_id, ref=row.ref,
                              reason=row.reason, detail=row.detail, size=row.size, raw_kept=bool(row.raw_address),
                              quarantined_at=timestamp(row.quarantined_at))


class ImportServicer(pb_grpc.ImportServiceServicer):
    def __init__(self, db: Database, contacts: ContactsClient, trigger: ImportTrigger | None) -> None:
        self._db, self._contacts, self._trigger = db, contacts, trigger

    async def GetImportHealth(self, request, context: grpc.aio.ServicerContext):
        account_id = parse_uuid(request.account_id, "account_id")
        lang = texts.caller_language(context)
        async with authorised(self._db, self._contacts, ENTITY, "read") as (session, caller):
            account = await accounts.get_account(session, caller, account_id)
            return health_to_proto(account.id, await session.get(ImportState, account.id), lang)

    async def ListImportLog(self, request, context: grpc.aio.ServicerContext):
        account_id = parse_uuid(request.account_id, "account_id")
        if request.limit < 0 or request.limit > MAX_LOG_LINES:
            raise InvalidArgument("limit", f"must be between 1 and {MAX_LOG_LINES} (0 for {DEFAULT_LOG_LINES})")
        lang = texts.caller_language(context)
        async with authorised(self._db, self._contacts, ENTITY, "read") as (session, caller):
            account = await accounts.get_account(session, caller, account_id)
            rows = await session.scalars(select(ImportLogEntry).where(ImportLogEntry.account_id == account.id)
                                         .order_by(ImportLogEntry.at.desc(), ImportLogEntry.id.desc())
                                         .limit(request.limit or DEFAULT_LOG_LINES))
            return pb.ListImportLogResponse(lines=[log_line_to_proto(row, lang) for row in rows])

    async def RunImportNow(self, request, context: grpc.aio.ServicerContext):
        account_id = parse_uuid(request.account_id, "account_id")
        lang = texts.caller_language(context)
        async with authorised(self._db, self._contacts, ENTITY, "update") as (session, caller):
            account = await accounts.get_account(session, caller, account_id)
            tenant_id = account.tenant_id
        if self._trigger is None or not await self._trigger.request(tenant_id, account_id):
            raise Unavailable("the import queue cannot be reached; the account is still read at its next poll")
        async with self._db.unit_of_work(tenant_id) as session:
            import_log.add(session, tenant_id=tenant_id, account_id=account_id, code="import.queued")
            row = await health.state_of(session, tenant_id=tenant_id, account_id=account_id)
            return health_to_proto(account_id, row, lang)

    async def ListQuarantine(self, request, context: grpc.aio.ServicerContext):
        account_id = parse_uuid(request.account_id, "account_id")
        size = checked_page_size(request.page_size)
        after = decode_token(request.page_token)
        async with authorised(self._db, self._contacts, ENTITY, "read") as (session, caller):
            account = await accounts.get_account(session, caller, account_id)
            query = (select(QuarantinedMessage)
                     .where(QuarantinedMessage.account_id == account.id, QuarantinedMessage.gone_at.is_(None))
                     .order_by(QuarantinedMessage.quarantined_at.desc(), QuarantinedMessage.id.desc())
                     .limit(size + 1))
            if after is not None:
                at, row_id = after
                query = query.where(or_(QuarantinedMessage.quarantined_at < at,
                                        and_(QuarantinedMessage.quarantined_at == at,
                                             QuarantinedMessage.id < row_id)))
            rows = list(await session.scalars(query))
        more = len(rows) > size
        rows = rows[:size]
        return pb.ListQuarantineResponse(
            mails=[quarantined_to_proto(row) for row in rows],
            next_page_token=encode_token(rows[-1].quarantined_at, rows[-1].id) if more else "")


def register(server: grpc.aio.Server, db: Database, contacts: ContactsClient,
             trigger: ImportTrigger | None) -> list[str]:
    pb_grpc.add_ImportServiceServicer_to_server(ImportServicer(db, contacts, trigger), server)
    return [pb.DESCRIPTOR.services_by_name["ImportService"].full_name]
