"""Filing later what a round stored unfiled: at the start of each round, the account's recent mails without
any link are matched again (mails/matching.py ``rematch``), e.g. after contacts was down during an import.

Bounded, so that a mailbox full of mail that matches nothing costs little: mails of the last
``REMATCH_WINDOW`` only, at most ``REMATCH_LIMIT`` per round (oldest first). One transaction of its own;
any failure (contacts still down, anything else) is a warning in the service log and never fails the round.
Links inserted publish MailFiled (by_user_id = the service actor), so that consumers learn the records.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from kontor.platform.db import Database

from kontor.mail_import.contacts_client import MatchingUnavailable
from kontor.mail_import.imports import log as import_log
from kontor.mail_import.mails import events, matching
from kontor.mail_import.mails.schemas import SERVICE_ACTOR, RecordRef

log = logging.getLogger(__name__)

REMATCH_WINDOW = timedelta(days=7)
REMATCH_LIMIT = 500


async def rematch_unfiled(db: Database, *, tenant_id: uuid.UUID, account_id: uuid.UUID, contacts: object,
                          message_id_key: bytes, at: datetime, window: timedelta = REMATCH_WINDOW,
                          limit: int = REMATCH_LIMIT) -> int:
    """Files the account's unfiled recent mails where matching finds records now; answers how many mails got
    links (0 as well when it failed)."""
    try:
        async with db.unit_of_work(tenant_id) as session:
            mail_ids = await matching.unmatched_mail_ids(session, tenant_id=tenant_id, since=at - window,
                                                         account_id=account_id, limit=limit)
            if not mail_ids:
                return 0
            inserted = await matching.rematch(session, tenant_id=tenant_id, mail_ids=mail_ids,
                                              contacts=contacts, message_id_key=message_id_key)
            filed: dict[uuid.UUID, list[RecordRef]] = {}
            for proposal in inserted:
                filed.setdefault(proposal.mail_id, []).append(proposal.record)
            for mail_id, records in filed.items():
                await events.mail_filed(session, tenant_id=tenant_id, mail_id=mail_id, records=records,
                                        by_user_id=SERVICE_ACTOR)
            if filed:
                import_log.add(session, tenant_id=tenant_id, account_id=account_id, code="import.rematched",
                               count=len(filed), candidates=len(mail_ids))
            return len(filed)
    except Exception as exc:  # noqa: BLE001 - re-matching is a bonus: the round goes on without it
        log.warning("re-matching unfiled mails failed", exc_info=not isinstance(exc, MatchingUnavailable),
                    extra={"tenant_id": str(tenant_id), "account_id": str(account_id), "error": type(exc).__name__})
        return 0
