"""gRPC edge of imports: validate the file here, then import its rows in the background (GetImport polls)."""

from __future__ import annotations

import asyncio
import logging

import grpc

from kontor.platform.auth import Principal
from kontor.platform.db import Database
from kontor.platform.pagination import parse_uuid
from kontor.protos.contacts.v1 import data_pb2, data_pb2_grpc

from kontor.contacts.edge import authorised, timestamp
from kontor.contacts.imports import service
from kontor.contacts.imports.models import ImportJob, ImportRow

ENTITY = "import"
log = logging.getLogger(__name__)


def to_proto(job: ImportJob, report: list[ImportRow] = ()) -> data_pb2.ImportJob:
    return data_pb2.ImportJob(
        id=str(job.id), filename=job.filename, format=job.format, sha256=job.sha256, status=job.status,
        total_rows=job.total_rows, processed_rows=job.processed_rows, imported=job.imported, skipped=job.skipped,
        errors=job.errors, error=job.error, ignored_columns=list(job.ignored_columns),
        created_at=timestamp(job.created_at), updated_at=timestamp(job.updated_at),
        rows=[data_pb2.ImportRowReport(row=r.row_number, status=r.status, field=r.field, reason=r.reason,
                                       company_id=str(r.company_id or ""), person_id=str(r.person_id or ""))
              for r in report],
    )


class ImportServicer(data_pb2_grpc.ImportServiceServicer):
    def __init__(self, db: Database):
        self._db = db
        self._running: set[asyncio.Task] = set()  # strong references: asyncio keeps only weak ones

    async def StartImport(self, request, context: grpc.aio.ServicerContext):
        async with authorised(self._db, ENTITY, "create") as (session, principal):
            pass  # the right first: nobody without it gets to learn whether a file is readable
        prepared = await asyncio.to_thread(service.prepare, request.content, filename=request.filename,
                                           confirm_duplicates=request.confirm_duplicates)
        async with authorised(self._db, ENTITY, "create") as (session, principal):
            job, has_work = await service.start_job(session, principal=principal, prepared=prepared,
                                                    confirm_duplicates=request.confirm_duplicates)
            answer = to_proto(job)
        if has_work:
            task = asyncio.create_task(self._run(principal, job.id, prepared))
            self._running.add(task)
            task.add_done_callback(self._running.discard)
        return answer

    async def _run(self, principal: Principal, job_id, prepared: service.PreparedFile) -> None:
        try:
            await service.run_job(self._db, principal=principal, job_id=job_id, prepared=prepared)
        except Exception:  # the job stays "running" and a re-run of the file takes it over
            log.exception("import %s stopped", job_id)

    async def GetImport(self, request, context):
        job_id = parse_uuid(request.id, "id")
        async with authorised(self._db, ENTITY, "read") as (session, principal):
            job, report = await service.get_job(session, job_id=job_id)
            return to_proto(job, report)


def register(server: grpc.aio.Server, db: Database) -> list[str]:
    data_pb2_grpc.add_ImportServiceServicer_to_server(ImportServicer(db), server)
    return [data_pb2.DESCRIPTOR.services_by_name["ImportService"].full_name]
