"""Traces: the per-company log of chosen events. Functions take the session; the edge owns the transaction.

Rows are written only by the trace feed (``traces.events``) from the domain
events partners see too; each tenant chooses which event types are traced.
Reads show traces of companies the caller can see (``visible_companies``).
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

from sqlalchemy import Select, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.auth import Principal
from kontor.platform.errors import InvalidArgument

from kontor.contacts import listing, records
from kontor.contacts.companies.models import Company
from kontor.contacts.companies.service import get_company, visible_companies
from kontor.contacts.traces.models import Trace, TraceSettings

# Every event type the feed turns into traces today; other domains add theirs (and a stream) in traces.events.
AVAILABLE_EVENT_TYPES = (
    "contacts.company.created", "contacts.company.updated", "contacts.company.converted",
    "contacts.company.deleted", "contacts.contact_person.created", "contacts.contact_person.updated",
    "contacts.contact_person.deleted", "contacts.assignment.changed", "contacts.handover.done",
    "mail.message.filed",
)
DEFAULT_EVENT_TYPES = (
    "contacts.company.converted", "contacts.company.updated", "contacts.contact_person.created",
    "contacts.assignment.changed", "contacts.handover.done", "mail.message.filed",
)
_EVENT_TYPE = re.compile(r"^[a-z0-9_]+\.[a-z0-9_]+\.[a-z0-9_]+$")
_NEWEST_FIRST = listing.Sort("occurred_at", descending=True)


async def _settings_row(session: AsyncSession, *, for_update: bool = False) -> TraceSettings | None:
    query = select(TraceSettings)
    return await session.scalar(query.with_for_update() if for_update else query)


async def enabled_event_types(session: AsyncSession) -> tuple[tuple[str, ...], int]:
    """(enabled types, settings version) of the session's tenant; version 0 = the defaults."""
    row = await _settings_row(session)
    return (DEFAULT_EVENT_TYPES, 0) if row is None else (tuple(row.enabled_event_types), row.version)


def _validated(event_types: list[str]) -> list[str]:
    for i, event_type in enumerate(event_types):
        if not _EVENT_TYPE.match(event_type):
            raise InvalidArgument(f"enabled_event_types[{i}]", "must be an event type such as "
                                  "contacts.company.updated")
        if event_type not in AVAILABLE_EVENT_TYPES:
            raise InvalidArgument(f"enabled_event_types[{i}]",
                                  f"is not traceable; use some of {', '.join(AVAILABLE_EVENT_TYPES)}")
    return sorted(set(event_types))


async def update_settings(
    session: AsyncSession, *, principal: Principal, event_types: list[str], expected_version: int,
) -> tuple[tuple[str, ...], int]:
    """Replace the enabled types. ``expected_version`` 0 while the tenant still uses the defaults."""
    chosen = _validated(event_types)
    # One settings row per tenant: serialise the first write of two concurrent ones.
    await session.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"trace-settings:{principal.tenant_id}"))))
    row = await _settings_row(session, for_update=True)
    current = 0 if row is None else row.version
    records.check_version(what="trace settings", record_id=principal.tenant_id, current=current,
                          expected=expected_version)
    now = datetime.now(UTC)
    if row is None:
        row = TraceSettings(id=uuid.uuid4(), tenant_id=principal.tenant_id, enabled_event_types=chosen,
                            version=1, updated_by=principal.subject, updated_at=now)
        session.add(row)
    elif list(row.enabled_event_types) != chosen:
        row.enabled_event_types, row.version, row.updated_by, row.updated_at = chosen, row.version + 1, \
            principal.subject, now
    await session.flush()
    return tuple(row.enabled_event_types), row.version


async def record(
    session: AsyncSession, *, event_id: str, event_type: str, company_id: uuid.UUID, record_type: str,
    record_id: str, actor: str, details: dict, occurred_at: datetime,
) -> None:
    """One trace row; a second one for the same event and company is ignored (redelivery)."""
    await session.execute(insert(Trace).values(
        id=uuid.uuid4(), event_id=event_id, event_type=event_type, company_id=company_id,
        record_type=record_type, record_id=record_id, actor=actor, details=details, occurred_at=occurred_at,
    ).on_conflict_do_nothing(constraint="uq_traces_event_company"))


def _visible_traces(session: AsyncSession, principal: Principal) -> Select:
    companies = visible_companies(session, principal).with_only_columns(Company.id)
    return select(Trace).where(Trace.company_id.in_(companies))


async def _page(session: AsyncSession, query: Select, page_size: int, page_token: str) -> tuple[list[Trace], str]:
    return await listing.fetch_page(session, query, sort=_NEWEST_FIRST, key=Trace.occurred_at, id_column=Trace.id,
                                    page_size=page_size, page_token=page_token)


async def list_company_traces(
    session: AsyncSession, *, principal: Principal, company_id: uuid.UUID, page_size: int, page_token: str,
) -> tuple[list[Trace], str]:
    await get_company(session, principal=principal, company_id=company_id)
    query = _visible_traces(session, principal).where(Trace.company_id == company_id)
    return await _page(session, query, page_size, page_token)


async def list_user_traces(
    session: AsyncSession, *, principal: Principal, user_id: str, page_size: int, page_token: str,
) -> tuple[list[Trace], str]:
    """What one employee caused, on companies the caller can see (an unknown id simply has none)."""
    query = _visible_traces(session, principal).where(Trace.actor == user_id)
    return await _page(session, query, page_size, page_token)
