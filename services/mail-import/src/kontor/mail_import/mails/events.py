"""What filing publishes (domain "mail", through the outbox): mail.mail.filed, mail.mail.link_removed, and
mail.mail.imported for a mailbox message that FileMails brought into the CRM.

Ids, record references and (MailImported) the sender address, never a subject, body or attachment.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC

from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.outbox import add_event
from kontor.protos.events.v1 import mail_pb2

from kontor.mail_import.mails.models import Mail
from kontor.mail_import.mails.schemas import ProposedLink, RecordRef

PRODUCER = "mail-import"


def record_ref(record: RecordRef) -> mail_pb2.MailRecordRef:
    return mail_pb2.MailRecordRef(type=record.type, id=str(record.id))


async def mail_filed(session: AsyncSession, *, tenant_id: uuid.UUID, mail_id: uuid.UUID,
                     records: Iterable[RecordRef], by_user_id: str) -> None:
    await add_event(session, mail_pb2.MailFiled(mail_id=str(mail_id), records=[record_ref(r) for r in records],
                                                by_user_id=by_user_id),
                    tenant_id=tenant_id, producer=PRODUCER, subject=str(mail_id))


async def mail_link_removed(session: AsyncSession, *, tenant_id: uuid.UUID, mail_id: uuid.UUID,
                            record: RecordRef, by_user_id: str) -> None:
    await add_event(session, mail_pb2.MailLinkRemoved(mail_id=str(mail_id), record=record_ref(record),
                                                      by_user_id=by_user_id),
                    tenant_id=tenant_id, producer=PRODUCER, subject=str(mail_id))


async def mail_imported(session: AsyncSession, *, mail: Mail, account_id: uuid.UUID,
                        filed: Iterable[ProposedLink] = ()) -> None:
    """A mail new to the CRM (FileMails of a mailbox message not imported yet). The importer publishes its own
    rounds' mails; both name the automatic links made with it."""
    filed = list(filed)
    await add_event(session, mail_pb2.MailImported(
        mail_id=str(mail.id), account_id=str(account_id), direction=mail.direction, from_address=mail.from_address,
        sent_at=mail.sent_at.astimezone(UTC).isoformat() if mail.sent_at else "",
        records=[record_ref(p.record) for p in filed],
        from_contact_person_ids=[str(p.record.id) for p in filed
                                 if p.from_sender and p.record.type == "contact_person"],
    ), tenant_id=mail.tenant_id, producer=PRODUCER, subject=str(mail.id))
