"""The import log people read ("sync log"): one line per notable event, a stable code plus counts.

The stored ``message`` is English; the API renders the line in the caller's language from ``code`` and
``details`` (``texts.text``). Details hold ids, counts, dates and codes only: never subjects or addresses.
"""

from __future__ import annotations

import logging
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from kontor.mail_import import texts
from kontor.mail_import.imports.models import ImportLogEntry

log = logging.getLogger("kontor.mail_import.imports")


def render(entry: ImportLogEntry, lang: str) -> str:
    return texts.text(entry.code, lang, **(entry.details or {}))


def add(session: AsyncSession, *, tenant_id: uuid.UUID, account_id: uuid.UUID, code: str, level: str = "info",
        **details) -> ImportLogEntry:
    """Adds a log line in the current transaction and mirrors it to the service log (ids and counts only)."""
    entry = ImportLogEntry(tenant_id=tenant_id, account_id=account_id, level=level, code=code,
                           message=texts.text(code, "en", **details), details=details)
    session.add(entry)
    log.log(logging.WARNING if level == "warning" else logging.ERROR if level == "error" else logging.INFO,
            "%s: %s", code, entry.message,
            extra={"tenant_id": str(tenant_id), "account_id": str(account_id), "code": code, **{
                f"import_{k}": v for k, v in details.items()}})
    return entry
