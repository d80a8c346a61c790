"""POST /api/v1/imports (multipart upload) and GET /api/v1/imports/{id}: bulk import and its row report."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, File, Form, Path, Response, UploadFile, status
from pydantic import BaseModel

from kontor.platform.errors import InvalidArgument
from kontor.platform.grpc_client import call
from kontor.protos.contacts.v1 import data_pb2

from kontor.gateway.contacts_api.http_edge import path_id, problems

MAX_BYTES = 20 * 1024 * 1024
COLLECTION = "/api/v1/imports"


class ImportRowReport(BaseModel):
    row: int
    status: str
    field: str
    reason: str
    company_id: str | None
    person_id: str | None


class ImportJob(BaseModel):
    id: str
    filename: str
    format: str
    sha256: str
    status: str
    total_rows: int
    processed_rows: int
    imported: int
    skipped: int
    errors: int
    error: str
    ignored_columns: list[str]
    rows: list[ImportRowReport]
    created_at: datetime
    updated_at: datetime


def job_read(job: data_pb2.ImportJob) -> ImportJob:
    return ImportJob(
        id=job.id, filename=job.filename, format=job.format, sha256=job.sha256, status=job.status,
        total_rows=job.total_rows, processed_rows=job.processed_rows, imported=job.imported, skipped=job.skipped,
        errors=job.errors, error=job.error, ignored_columns=list(job.ignored_columns),
        created_at=job.created_at.ToDatetime(UTC), updated_at=job.updated_at.ToDatetime(UTC),
        rows=[ImportRowReport(row=r.row, status=r.status, field=r.field, reason=r.reason,
                              company_id=r.company_id or None, person_id=r.person_id or None) for r in job.rows],
    )


def router(imports) -> APIRouter:
    api = APIRouter(prefix=COLLECTION, tags=["imports"])

    @api.post("", status_code=status.HTTP_202_ACCEPTED, response_model=ImportJob, responses=problems(403),
              summary="Import companies and contact persons from a CSV or vCard file",
              description="The file is checked as a whole first: a file that cannot be read answers 422 naming "
              "`file`, and nothing is imported. Then the rows are imported in the background; poll the Location. "
              "Uploading the same file again resumes its import (identified by SHA-256), never importing a row "
              "twice. Rows that look like existing records are skipped unless `confirm_duplicates` is true.\n\n"
              "CSV: UTF-8 or Windows-1252, `;` or `,`, one header line. Columns (case, accents, spaces, `-`, `_` "
              "ignored): **name**/Firma (required), kind/Art, street/Straße, postal_code/PLZ, city/Ort, region, "
              "country/Land (ISO code or name), industry/Branche, revenue_tier, website, email/E-Mail, notes, "
              "access_level; the contact person: first_name/Vorname, last_name/Nachname, salutation/Anrede, "
              "title/Titel, role/Position, contact_email/Kontakt-E-Mail, phone/Telefon, mobile/Handy. Rows naming "
              "the same company (name and city) add their person to it. Other columns are ignored and listed. "
              "vCard 3/4: ORG is the company, N/FN, EMAIL, TEL, TITLE the person, ADR the company's address.")
    async def start_import(
        response: Response, file: Annotated[UploadFile, File(description="CSV (UTF-8/Windows-1252) or vCard")],
        confirm_duplicates: Annotated[bool, Form()] = False,
    ) -> ImportJob:
        content = await file.read(MAX_BYTES + 1)
        if len(content) > MAX_BYTES:
            raise InvalidArgument("file", "is larger than 20 MB; split it into smaller files")
        job = await call(imports().StartImport, data_pb2.StartImportRequest(
            content=content, filename=file.filename or "", confirm_duplicates=confirm_duplicates))
        response.headers["Location"] = f"{COLLECTION}/{job.id}"
        return job_read(job)

    @api.get("/{import_id}", response_model=ImportJob, responses=problems(403),
             summary="Progress and row report of an import")
    async def get_import(import_id: Annotated[str, Path(description="UUID of the import")]) -> ImportJob:
        return job_read(await call(imports().GetImport,
                                   data_pb2.GetImportRequest(id=path_id(import_id, "import_id"))))

    return api
