"""The company's audit trail: which field changed from what to what, by whom, at which version."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from kontor.contacts.companies.models import Company, CompanyHistory

# What a creation looks like in the trail: the record's kind appears from nothing.
CREATED = "created"
DELETED = "deleted"


def diff(before: Mapping[str, str], after: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """(field, old, new) for every field in ``after`` whose value differs from ``before``; sorted by field."""
    return sorted((field, before[field], new) for field, new in after.items() if before[field] != new)


def record(session: AsyncSession, company: Company, changes: list[tuple[str, str, str]], *, changed_by: str) -> None:
    """Add one history row per change, stamped with the company's (new) version.

    Rows of one change share ``changed_at`` (the transaction's time) and the trail
    is paged by (changed_at, id); ascending ids keep them in the order given.
    """
    ids = sorted(uuid.uuid4() for _ in changes)
    for row_id, (field, old, new) in zip(ids, changes, strict=True):
        session.add(CompanyHistory(id=row_id, company_id=company.id, tenant_id=company.tenant_id, field=field,
                                   old_value=old, new_value=new, changed_by=changed_by, version=company.version))
