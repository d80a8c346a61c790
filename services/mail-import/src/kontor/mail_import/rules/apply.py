"""The importer's side of filter rules: at the start of each round, move matching mail into the import folder.

For rules with ``applied_by="importer"`` (IMAP accounts; Graph rules on other folders than the inbox or that
the server refused): the newest ``APPLY_WINDOW`` messages of each source folder are tested against the
account's enabled rules (conditions.matches) and the matches moved with ``provider.move`` (IMAP MOVE, or
COPY + EXPUNGE; Graph move), so the round that follows imports them. Bounded on purpose: a rule reaches the
mail that arrived since the last round, not the folder's whole history (a first round after creating a rule
reaches back ``APPLY_WINDOW`` messages).

The round reads the rules in a short transaction (``importer_rules``) and moves outside any
(``move_matching``). A source folder that is gone is skipped and reported (``RulesApplied.missing_sources``),
a rule whose stored conditions no longer read is skipped (logged, ids only); provider failures go up to the
round, which logs them as ``import.rules_failed`` and imports the folder anyway.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.groupware.errors import InvalidRequest, NotFound

from kontor.mail_import.providers.base import MailProvider, MessageSummary, RuleConditions
from kontor.mail_import.rules import conditions as rule_conditions
from kontor.mail_import.rules.models import FilterRule

log = logging.getLogger(__name__)

APPLY_WINDOW = 200  # newest messages of a source folder tested per round
PAGE = 100


async def recent_messages(provider: MailProvider, folder_id: str, limit: int) -> list[MessageSummary]:
    """The newest ``limit`` messages of the folder (newest first), through the provider's own paging."""
    found: list[MessageSummary] = []
    token: str | None = None
    while len(found) < limit:
        page = await provider.messages(folder_id, page_size=min(PAGE, limit - len(found)), page_token=token)
        found += page.items
        token = page.next_page_token
        if token is None or not page.items:
            break
    return found[:limit]


async def importer_rules(session: AsyncSession, account_id) -> dict[str, list[tuple[str, RuleConditions]]]:
    """The account's enabled importer rules by source folder: [(rule id, conditions)], in rule order."""
    rows = await session.scalars(select(FilterRule).where(
        FilterRule.account_id == account_id, FilterRule.enabled.is_(True), FilterRule.applied_by == "importer",
    ).order_by(FilterRule.position, FilterRule.created_at))
    by_folder: dict[str, list[tuple[str, RuleConditions]]] = defaultdict(list)
    for rule in rows:
        try:
            conditions = rule_conditions.from_json(rule.conditions)
        except (TypeError, ValueError, AttributeError):
            log.warning("filter rule with unreadable conditions skipped", extra={"rule_id": str(rule.id)})
            continue
        if not rule_conditions.is_empty(conditions):
            by_folder[rule.source_folder].append((str(rule.id), conditions))
    return dict(by_folder)


@dataclass(frozen=True)
class RulesApplied:
    moved: int = 0
    missing_sources: tuple[str, ...] = ()  # ids of rules whose source folder does not exist (skipped)


async def move_matching(provider: MailProvider, account_id, rules: dict[str, list[tuple[str, RuleConditions]]],
                        import_folder_id: str) -> RulesApplied:
    """Moves what ``rules`` (``importer_rules``) match into ``import_folder_id``. Provider calls only: run it
    outside any transaction (moves take as long as the server wants). Provider errors go up to the caller."""
    moved = 0
    missing: list[str] = []
    for source, group in rules.items():
        try:
            folder = await provider.resolve_folder(source)
        except (NotFound, InvalidRequest):
            log.warning("filter rule source folder not found; rules skipped",
                        extra={"account_id": str(account_id), "rules": [rule_id for rule_id, _ in group]})
            missing += [rule_id for rule_id, _ in group]
            continue
        if folder.id == import_folder_id:
            continue  # mail there is imported anyway
        recent = await recent_messages(provider, folder.id, APPLY_WINDOW)
        refs = [s.ref for s in recent if any(rule_conditions.matches(c, s) for _, c in group)]
        if refs:
            moved += len(await provider.move(folder.id, refs, import_folder_id))
    if moved:
        log.info("filter rules moved mail into the import folder", extra={"account_id": str(account_id),
                                                                         "moved": moved})
    return RulesApplied(moved, tuple(missing))
