"""The folder's identity changed (IMAP UIDVALIDITY): give stored refs their new values instead of importing again.

Every stored reference of (account, folder) is matched to an entry of the ``Remap`` by its mail's Message-ID
(normalised like the parser does), an entry of equal size first. Matched references take the entry's ref;
unmatched ones (and every quarantine entry, which has no Message-ID to match by) are retired: marked gone
and renamed ``<old ref>~retired.<random>``, because old refs are numbers the server will hand out again
for other messages. Entries that matched nothing are fetched and imported (dedup by content keeps that from
duplicating a mail). The cursor is stored last, so a crash repeats the remap, which is idempotent: the
rewritten refs match their entries again.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.mail_import.imports.models import QuarantinedMessage
from kontor.mail_import.mails.models import Mail, MailboxReference
from kontor.mail_import.mime import normalise_message_id
from kontor.mail_import.providers.base import Remap, RemapEntry

_PENDING = "remap~"  # prefix while refs are rewritten (the unique index holds at every statement)


@dataclass(frozen=True)
class RemapResult:
    remapped: int  # references given their new ref
    retired: int  # references and quarantine entries that matched no message of the folder
    to_fetch: tuple[str, ...]  # new refs that matched no stored reference


def _message_id(entry: RemapEntry) -> str | None:
    if not entry.message_id:
        return None
    try:
        return normalise_message_id(entry.message_id)
    except Exception:  # noqa: BLE001 - an unreadable id matches nothing; the message is fetched
        return None


def match(stored: list[tuple[uuid.UUID, str | None, int]], entries: tuple[RemapEntry, ...]
          ) -> tuple[dict[uuid.UUID, str], list[str]]:
    """(reference id → new ref, new refs left over) for stored (reference id, message id, size)."""
    free: dict[str, list[RemapEntry]] = defaultdict(list)
    for entry in entries:
        mid = _message_id(entry)
        if mid is not None:
            free[mid].append(entry)
    assigned: dict[uuid.UUID, str] = {}
    taken: set[str] = set()
    # Equal sizes first, so two copies of one Message-ID keep their own refs where they can be told apart.
    for exact in (True, False):
        for reference_id, message_id, size in stored:
            if reference_id in assigned or message_id is None:
                continue
            candidates = free.get(message_id, [])
            pick = next((e for e in candidates if e.ref not in taken and (not exact or e.size == size)), None)
            if pick is not None:
                assigned[reference_id] = pick.ref
                taken.add(pick.ref)
    return assigned, [e.ref for e in entries if e.ref not in taken]


async def apply(session: AsyncSession, remap: Remap, *, account_id: uuid.UUID, folder_id: str,
                at: datetime) -> RemapResult:
    """Rewrites the stored refs in the caller's transaction; answers what is left to fetch."""
    stored = list(await session.execute(
        select(MailboxReference.id, Mail.message_id, MailboxReference.size)
        .join(Mail, Mail.id == MailboxReference.mail_id)
        .where(MailboxReference.account_id == account_id, MailboxReference.folder_id == folder_id,
               MailboxReference.gone_at.is_(None))
        .order_by(MailboxReference.imported_at, MailboxReference.id)))
    assigned, leftover = match([(r.id, r.message_id, r.size) for r in stored], remap.entries)
    tag = _retired_tag()
    live = (MailboxReference.account_id == account_id, MailboxReference.folder_id == folder_id,
            MailboxReference.gone_at.is_(None))
    # 0. refs already gone are old-generation numbers too: retire them, 1. move every live ref out of the way,
    # 2. give each its new ref or retire it.
    for model in (MailboxReference, QuarantinedMessage):
        await session.execute(update(model).where(
            model.account_id == account_id, model.folder_id == folder_id, model.gone_at.is_not(None),
            model.ref.not_like("%~retired.%")).values(ref=model.ref + "~" + tag))
    await session.execute(update(MailboxReference).where(*live).values(ref=_PENDING + MailboxReference.ref))
    for reference_id, ref in assigned.items():
        await session.execute(update(MailboxReference).where(MailboxReference.id == reference_id).values(ref=ref))
    retired = await session.execute(
        update(MailboxReference).where(*live, MailboxReference.ref.startswith(_PENDING))
        .values(ref=func.substr(MailboxReference.ref, len(_PENDING) + 1) + "~" + tag, gone_at=at))
    quarantine = await session.execute(
        update(QuarantinedMessage).where(QuarantinedMessage.account_id == account_id,
                                         QuarantinedMessage.folder_id == folder_id,
                                         QuarantinedMessage.gone_at.is_(None))
        .values(ref=QuarantinedMessage.ref + "~" + tag, gone_at=at))
    return RemapResult(len(assigned), (retired.rowcount or 0) + (quarantine.rowcount or 0), tuple(leftover))


def _retired_tag() -> str:
    """A suffix no live ref has and no other remap produces (two remaps with a crash between them included)."""
    return f"retired.{uuid.uuid4().hex[:12]}"
