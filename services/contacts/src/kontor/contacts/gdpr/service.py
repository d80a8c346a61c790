"""GDPR requests about one contact person: export everything we hold, or erase (anonymise) it.

Erasure keeps the row (companies, comments and audit entries point at it) but
clears every personal field, scrubs what other tables say about the person
(comment bodies, notes of access audit entries, company history values that
quote the person's names or addresses), bumps the version and publishes
``contact_person.updated`` with the changed field *names* only. Both actions
are written to ``gdpr_audit`` in the same transaction.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import cast, or_, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.auth import Principal

from kontor.contacts import listing, records
from kontor.contacts.audit.models import AuditEntry
from kontor.contacts.comments.models import Comment
from kontor.contacts.companies.models import Company, CompanyHistory
from kontor.contacts.gdpr.models import GdprAuditEntry
from kontor.contacts.persons import events
from kontor.contacts.persons.address_index import store_addresses
from kontor.contacts.persons.models import ContactPerson
from kontor.contacts.persons.service import get_person, visible_persons

ERASED_NAME = "Erased"
ERASED_TEXT = "[erased]"
PERSON_RECORD_TYPE = "contact_person"
# Field -> its erased value. The company link, id, timestamps and version stay.
_ERASED_VALUES: dict[str, Any] = {
    "salutation": "", "title": "", "first_name": "", "last_name": ERASED_NAME, "role": "", "emails": [],
    "phones": [], "email_keys": [], "birthday": None, "notes": "",
}
_PERSON_FIELDS = ("salutation", "title", "first_name", "last_name", "role", "emails", "phones", "birthday", "notes")


def _json(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _identifying_texts(person: ContactPerson) -> list[str]:
    """What other tables may quote about the person: full name and addresses (never the bare "Erased")."""
    full_name = " ".join(filter(None, (person.first_name, person.last_name)))
    texts = [*person.email_keys, full_name if person.first_name else ""]
    return [text for text in texts if len(text) >= 3 and text != ERASED_NAME]


def _mentions(texts: list[str]):
    return or_(*(CompanyHistory.old_value.icontains(text, autoescape=True) for text in texts),
               *(CompanyHistory.new_value.icontains(text, autoescape=True) for text in texts))


def _audit_mentions(person_id: uuid.UUID):
    return AuditEntry.records.contains(cast([{"type": PERSON_RECORD_TYPE, "id": str(person_id)}], JSONB))


def _comments_about(person_id: uuid.UUID):
    return select(Comment).where(Comment.record_type == PERSON_RECORD_TYPE, Comment.record_id == person_id)


def _audit(session: AsyncSession, principal: Principal, action: str, person_id: uuid.UUID, details: dict) -> None:
    session.add(GdprAuditEntry(id=uuid.uuid4(), tenant_id=principal.tenant_id, action=action, person_id=person_id,
                               actor=principal.subject, details=details))


async def export_person(session: AsyncSession, *, principal: Principal, person_id: uuid.UUID) -> dict:
    """Everything held about the person, as one JSON-ready document; the export itself is audited."""
    person = await get_person(session, principal=principal, person_id=person_id)
    company = await session.get(Company, person.company_id)
    comments = (await session.scalars(_comments_about(person_id).order_by(Comment.created_at))).all()
    audit_entries = (await session.scalars(select(AuditEntry).where(_audit_mentions(person_id))
                                           .order_by(AuditEntry.created_at))).all()
    texts = _identifying_texts(person)
    history = (await session.scalars(select(CompanyHistory).where(CompanyHistory.company_id == person.company_id,
                                                                  _mentions(texts))
                                     .order_by(CompanyHistory.changed_at))).all() if texts else []
    gdpr_requests = (await session.scalars(select(GdprAuditEntry).where(GdprAuditEntry.person_id == person_id)
                                           .order_by(GdprAuditEntry.created_at))).all()
    document = {
        "person": {"id": str(person.id), "version": person.version, "created_at": _json(person.created_at),
                   "updated_at": _json(person.updated_at),
                   **{field: _json(getattr(person, field)) for field in _PERSON_FIELDS}},
        "company": {"id": str(company.id), "name": company.name, "city": company.city},
        "comments": [{"id": str(c.id), "author": c.author, "body": c.body, "created_at": _json(c.created_at),
                      "deleted": c.deleted_at is not None} for c in comments],
        "access_audit": [{"id": str(a.id), "action": a.action, "actor": a.actor, "note": a.note,
                          "created_at": _json(a.created_at)} for a in audit_entries],
        "company_history": [{"field": h.field, "old_value": h.old_value, "new_value": h.new_value,
                             "changed_by": h.changed_by, "changed_at": _json(h.changed_at)} for h in history],
        "gdpr_requests": [{"action": g.action, "actor": g.actor, "created_at": _json(g.created_at)}
                          for g in gdpr_requests],
    }
    _audit(session, principal, "export", person_id, {"comments": len(comments), "access_audit": len(audit_entries),
                                                     "company_history": len(history)})
    return document


async def erase_person(
    session: AsyncSession, *, principal: Principal, person_id: uuid.UUID, expected_version: int = 0,
) -> tuple[ContactPerson, dict]:
    """Anonymise the person and what other tables say about them; (person, what was done: names and counts)."""
    person = await records.lock_for_change(
        session, visible_persons(session, principal).where(ContactPerson.id == person_id), entity=ContactPerson,
        what="contact person", record_id=person_id, expected_version=expected_version, version_required=False,
    )
    texts = _identifying_texts(person)
    changed = sorted(field for field, value in _ERASED_VALUES.items()
                     if field != "email_keys" and getattr(person, field) != value)
    comments = (await session.scalars(_comments_about(person_id).where(Comment.body != ERASED_TEXT))).all()
    for comment in comments:
        comment.body = ERASED_TEXT
    audit_entries = (await session.scalars(select(AuditEntry).where(_audit_mentions(person_id),
                                                                     AuditEntry.note != ""))).all()
    for entry in audit_entries:
        entry.note = ""
    history = (await session.scalars(select(CompanyHistory).where(CompanyHistory.company_id == person.company_id,
                                                                  _mentions(texts)))).all() if texts else []
    for row in history:
        row.old_value, row.new_value = _scrub(row.old_value, texts), _scrub(row.new_value, texts)
    details = {"erased_fields": changed, "comments": len(comments), "access_audit": len(audit_entries),
               "company_history": len(history)}
    if changed:
        for field, value in _ERASED_VALUES.items():
            setattr(person, field, value)
        person.version += 1
        await session.flush()
        await session.refresh(person)
        await events.person_updated(session, person, changed)
    await store_addresses(session, person)  # the look-up table must not keep an erased address either
    _audit(session, principal, "erase", person_id, details)
    return person, details


def _scrub(value: str, texts: list[str]) -> str:
    for text in texts:
        lowered = value.lower()
        at = lowered.find(text.lower())
        while at >= 0:
            value = value[:at] + ERASED_TEXT + value[at + len(text):]
            lowered = value.lower()
            at = lowered.find(text.lower(), at + len(ERASED_TEXT))
    return value


async def list_audit(
    session: AsyncSession, *, page_size: int, page_token: str,
) -> tuple[list[GdprAuditEntry], str]:
    """The tenant's GDPR audit, newest first."""
    return await listing.fetch_page(
        session, select(GdprAuditEntry), sort=listing.Sort("created_at", descending=True),
        key=GdprAuditEntry.created_at, id_column=GdprAuditEntry.id, page_size=page_size, page_token=page_token,
    )
