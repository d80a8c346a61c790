"""Business rules of filter rules. Functions take the session and the ``Caller``; the edge commits.

Rights (rules.proto): as the account. Reading and testing rules takes an account the caller may use
(accounts/service.py ``get_account``: own personal ones, their teams' shared ones, managers all; anything else
NOT_FOUND); changing them takes what changing the account takes: a personal account's owner, or a manager
(shared accounts are run by managers). The role right ("update" on "mail_account") is asked by the edge.

Where a rule runs: when the account's provider runs rules itself (``server_rules``: Graph ``messageRules``,
which Exchange only evaluates for the inbox) and the rule's source folder is the inbox, an enabled rule has a
copy on the server (``server_rule_id``, ``applied_by="server"``) moving matching mail into the account's
import folder on delivery. Otherwise the importer applies it at the start of every round (apply.py,
``applied_by="importer"``); also when the server refused the rule itself (``InvalidRequest``, e.g. its rule
storage is full), so the rule still works.

Saving: the server copy is written first, while the rule's row (or, for a new rule, the account's) is locked,
so two saves of one rule never cross and the row always names the copy the server has. A server that cannot
be reached, asks to wait or refuses the sign-in answers ``ServerRuleFailed`` and nothing is stored; a row that
then fails to write takes the new server copy back.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.errors import Conflict, InvalidArgument, NotFound
from kontor.platform.groupware import errors as provider_errors
from kontor.platform.secrets_box import SecretUnreadable
from kontor.platform.versions import check_version

from kontor.mail_import.accounts.connect import OpenProvider
from kontor.mail_import.accounts.models import MailAccount
from kontor.mail_import.accounts.service import get_account, require_manager
from kontor.mail_import.edge import Caller
from kontor.mail_import.providers.base import MailProvider, MessageSummary, RuleConditions
from kontor.mail_import.rules import conditions as rule_conditions
from kontor.mail_import.rules.apply import recent_messages
from kontor.mail_import.rules.models import FilterRule
from kontor.mail_import.rules.schemas import RuleChanges, RuleCreate

log = logging.getLogger(__name__)

MAX_RULES_PER_ACCOUNT = 50  # every importer rule costs a folder listing per round


class ServerRuleFailed(Exception):
    """The mail server could not take the rule; nothing was stored. ``kind``: "unavailable" (try again later)
    or "precondition" (someone has to fix the account first); ``code``: the texts code saying what to do."""

    def __init__(self, kind: str, code: str) -> None:
        super().__init__(code)
        self.kind, self.code = kind, code


def _now() -> datetime:
    return datetime.now(UTC)


async def _require_may_change(caller: Caller, account: MailAccount) -> None:
    """What changing the account takes (accounts/service.py): its owner, or a manager for shared accounts."""
    if account.kind == "shared":
        await require_manager(caller, "change the rules of shared mail accounts")
    elif account.owner_user_id != caller.user_id:
        await require_manager(caller, "change the rules of other users' mail accounts")


@asynccontextmanager
async def _server(open_provider: OpenProvider, account: MailAccount) -> AsyncIterator[MailProvider]:
    """The account's provider; its failures (opening it too) become ``ServerRuleFailed``."""
    try:
        async with open_provider(account) as provider:
            yield provider
    except provider_errors.Throttled:
        raise ServerRuleFailed("unavailable", "rules.server_busy") from None
    except provider_errors.TransientError:  # providers map their network failures to it
        raise ServerRuleFailed("unavailable", "rules.server_unreachable") from None
    except (provider_errors.NeedsReauthorisation, SecretUnreadable):
        raise ServerRuleFailed("precondition", "rules.needs_auth") from None
    except provider_errors.ProviderError as exc:
        log.warning("mail server refused a rule change", extra={"account_id": str(account.id),
                                                                 "error": type(exc).__name__, "code": exc.code})
        raise ServerRuleFailed("unavailable", "rules.server_failed") from None


async def _folder(provider: MailProvider, name_or_id: str, field: str):
    try:
        return await provider.resolve_folder(name_or_id)
    except (provider_errors.NotFound, provider_errors.InvalidRequest):
        raise InvalidArgument(field, "names no folder of this mailbox (a folder id, well-known name such as "
                                     "inbox, or a path such as Projects/2026)") from None


@dataclass(frozen=True)
class Placement:
    """Where the account's server puts a rule: whether it can run it, and the folder it moves mail into."""

    server_side: bool
    target_folder_id: str


async def placement(provider: MailProvider, account: MailAccount, source_folder: str) -> Placement:
    source = await _folder(provider, source_folder, "source_folder")
    try:
        target = await provider.resolve_folder(account.import_folder_id or account.import_folder)
    except provider_errors.NotFound:
        raise ServerRuleFailed("precondition", "rules.import_folder_missing") from None
    if source.id == target.id:
        raise InvalidArgument("source_folder", "is the account's import folder itself; name the folder mail is "
                                               "taken from")
    server_side = False
    if provider.server_rules:  # Graph: messageRules run on the inbox only
        inbox = source if source.role == "inbox" else await provider.resolve_folder("inbox")
        server_side = source.id == inbox.id
    return Placement(server_side, target.id)


async def _sync_server(provider: MailProvider, place: Placement, *, server_rule_id: str, name: str,
                       conditions: RuleConditions, enabled: bool) -> tuple[str, str]:
    """Makes the server's copy what the rule says; answers (applied_by, server_rule_id). A disabled rule has no
    copy on the server (Graph's rule body is always enabled), and gets a new one when enabled again."""
    if place.server_side and enabled:
        try:
            if server_rule_id:
                try:
                    await provider.update_rule(server_rule_id, name, conditions, place.target_folder_id)
                    return "server", server_rule_id
                except provider_errors.NotFound:
                    pass  # removed on the server (in Outlook): made again below
            return "server", await provider.create_rule(name, conditions, place.target_folder_id)
        except provider_errors.InvalidRequest as exc:
            log.info("server refused the rule; the importer applies it", extra={"code": exc.code})
            if server_rule_id:  # its old conditions must not keep running there
                await provider.delete_rule(server_rule_id)
            return "importer", ""
    if server_rule_id:
        await provider.delete_rule(server_rule_id)
    return ("server" if place.server_side else "importer"), ""


async def _take_back(provider: MailProvider, server_rule_id: str, old_id: str) -> None:
    """A row that did not write: remove the server copy made for it (best effort; logged ids only)."""
    if server_rule_id and server_rule_id != old_id:
        try:
            await provider.delete_rule(server_rule_id)
        except Exception as exc:  # noqa: BLE001 - the original failure is what the caller must see
            log.warning("could not remove a server rule after a failed save",
                        extra={"error": type(exc).__name__})


# ---- reading -------------------------------------------------------------------------------------------------


async def list_rules(session: AsyncSession, caller: Caller, account_id: uuid.UUID) -> list[FilterRule]:
    await get_account(session, caller, account_id)
    return list((await session.scalars(select(FilterRule).where(FilterRule.account_id == account_id)
                                       .order_by(FilterRule.position, FilterRule.created_at, FilterRule.id))).all())


async def _rule_to_change(session: AsyncSession, caller: Caller, rule_id: uuid.UUID,
                          ) -> tuple[FilterRule, MailAccount]:
    rule = await session.scalar(select(FilterRule).where(FilterRule.id == rule_id).with_for_update())
    if rule is None:
        raise NotFound(f"filter rule {rule_id} not found")
    try:
        account = await get_account(session, caller, rule.account_id)
    except NotFound:
        raise NotFound(f"filter rule {rule_id} not found") from None  # an invisible account hides its rules
    await _require_may_change(caller, account)
    return rule, account


# ---- changing ------------------------------------------------------------------------------------------------


async def create_rule(session: AsyncSession, caller: Caller, open_provider: OpenProvider,
                      data: RuleCreate) -> FilterRule:
    account = await get_account(session, caller, data.account_id, lock=True)  # one position per new rule
    await _require_may_change(caller, account)
    count, last = (await session.execute(select(func.count(), func.max(FilterRule.position))
                                         .where(FilterRule.account_id == account.id))).one()
    if count >= MAX_RULES_PER_ACCOUNT:
        raise Conflict(f"the account has {MAX_RULES_PER_ACCOUNT} rules already; combine or delete some")
    now = _now()
    rule = FilterRule(id=uuid.uuid4(), tenant_id=account.tenant_id, account_id=account.id, name=data.name,
                      conditions=rule_conditions.to_json(data.conditions), source_folder=data.source_folder,
                      enabled=data.enabled, position=(last + 1) if last is not None else 0, applied_by="importer",
                      server_rule_id="", created_by=caller.principal.subject, version=1, created_at=now,
                      updated_at=now)
    async with _server(open_provider, account) as provider:
        place = await placement(provider, account, data.source_folder)
        rule.applied_by, rule.server_rule_id = await _sync_server(
            provider, place, server_rule_id="", name=data.name, conditions=data.conditions, enabled=data.enabled)
        session.add(rule)
        try:
            await session.flush()
        except Exception:
            await _take_back(provider, rule.server_rule_id, "")
            raise
    return rule


async def update_rule(session: AsyncSession, caller: Caller, open_provider: OpenProvider, rule_id: uuid.UUID, *,
                      expected_version: int, changes: RuleChanges) -> FilterRule:
    rule, account = await _rule_to_change(session, caller, rule_id)
    check_version(what="filter rule", record_id=rule.id, current=rule.version, expected=expected_version)
    name = changes.name if changes.name is not None else rule.name
    conditions = changes.conditions or rule_conditions.from_json(rule.conditions)
    enabled = changes.enabled if changes.enabled is not None else rule.enabled
    position = changes.position if changes.position is not None else rule.position
    stored = rule_conditions.to_json(conditions)
    runs_differently = (name, stored, enabled) != (rule.name, rule.conditions, rule.enabled)
    if not runs_differently and position == rule.position:
        return rule
    old_server_id = rule.server_rule_id
    if runs_differently and (rule.server_rule_id or rule.applied_by == "server"):
        async with _server(open_provider, account) as provider:
            place = await placement(provider, account, rule.source_folder)
            rule.applied_by, rule.server_rule_id = await _sync_server(
                provider, place, server_rule_id=rule.server_rule_id, name=name, conditions=conditions,
                enabled=enabled)
            _apply(rule, name, stored, enabled, position)
            try:
                await session.flush()
            except Exception:
                await _take_back(provider, rule.server_rule_id, old_server_id)
                raise
        return rule
    _apply(rule, name, stored, enabled, position)
    await session.flush()
    return rule


def _apply(rule: FilterRule, name: str, stored: dict, enabled: bool, position: int) -> None:
    rule.name, rule.conditions, rule.enabled, rule.position = name, stored, enabled, position
    rule.version += 1
    rule.updated_at = _now()


async def delete_rule(session: AsyncSession, caller: Caller, open_provider: OpenProvider,
                      rule_id: uuid.UUID) -> None:
    """The server copy goes first; if the server cannot be reached the rule stays (and keeps running there)."""
    rule, account = await _rule_to_change(session, caller, rule_id)
    if rule.server_rule_id:
        async with _server(open_provider, account) as provider:
            await provider.delete_rule(rule.server_rule_id)  # one already gone counts as done
    await session.delete(rule)
    await session.flush()


# ---- testing ---------------------------------------------------------------------------------------------------


async def test_rule(open_provider: OpenProvider, account: MailAccount, conditions: RuleConditions,
                    source_folder: str, limit: int) -> tuple[list[MessageSummary], int]:
    """The newest ``limit`` messages of the source folder that the conditions match, and how many were tested.
    ``account``: one the caller may use (checked by the caller); runs without a transaction (network only)."""
    async with _server(open_provider, account) as provider:
        folder = await _folder(provider, source_folder, "source_folder")
        recent = await recent_messages(provider, folder.id, limit)
    return [s for s in recent if rule_conditions.matches(conditions, s)], len(recent)


test_rule.__test__ = False  # not a pytest test, whatever its name says
__all__ = ["MAX_RULES_PER_ACCOUNT", "Placement", "ServerRuleFailed", "create_rule", "delete_rule", "list_rules",
           "placement", "test_rule", "update_rule"]
