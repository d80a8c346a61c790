"""Business rules of mail accounts. Functions take the session and the ``Caller``; the edge commits.

Who may do what. The role right comes first (entity type "mail_account" of contacts' rights model, asked by the
gRPC edge). On top, these fixed rules (accounts.proto):
- a personal account is its owner's; a shared account belongs to the members of its team; managers (callers
  who see every record of the tenant) see all. Any other account answers NOT_FOUND, like another tenant's;
- creating a shared account, or a personal one for somebody else, takes a manager; so does changing or
  removing a shared account (its members use it, a manager runs it). The owner changes their own account.

Credentials are sealed with ``kontor.platform.secrets_box`` bound to (tenant, account id, kind) and leave
this package only through ``connect.open_account`` (for the provider); never in a read, an event or a log line.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Select, and_, false, or_, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.errors import AlreadyExists, InvalidArgument, NotFound, PermissionDenied
from kontor.platform.secrets_box import SecretBox
from kontor.platform.versions import check_version

from kontor.mail_import.accounts.connect import seal_credential
from kontor.mail_import.accounts.models import AccountCredential, MailAccount, MailTenant
from kontor.mail_import.accounts.schemas import (
    AccountCreate, AccountUpdate, Credentials, address_key, check_credentials_fit,
)
from kontor.mail_import.edge import Caller
from kontor.mail_import.imports.models import ImportState


def _now() -> datetime:
    return datetime.now(UTC)


def live_accounts() -> Select:
    return select(MailAccount).where(MailAccount.deleted_at.is_(None))


async def usable_filter(caller: Caller):
    """The WHERE clause of the accounts ``caller`` may use (None: every account of the tenant)."""
    if await caller.is_manager():
        return None
    user_id = caller.user_id
    clauses = []
    if user_id is not None:
        clauses.append(and_(MailAccount.kind == "personal", MailAccount.owner_user_id == user_id))
    teams = await caller.team_ids()
    if teams:
        clauses.append(and_(MailAccount.kind == "shared", MailAccount.team_id.in_(teams)))
    return or_(*clauses) if clauses else false()


async def usable_accounts(caller: Caller) -> Select:
    """Live accounts the caller may use: own personal ones, their teams' shared ones; managers all."""
    where = await usable_filter(caller)
    return live_accounts() if where is None else live_accounts().where(where)


async def usable_account_ids(session: AsyncSession, caller: Caller) -> set[uuid.UUID] | None:
    """Ids of the live accounts the caller may use; None: all (managers). For mail visibility ("imported from a
    mailbox the caller uses") and the mailbox API."""
    where = await usable_filter(caller)
    if where is None:
        return None
    return set((await session.scalars(select(MailAccount.id).where(MailAccount.deleted_at.is_(None), where))).all())


async def get_account(session: AsyncSession, caller: Caller, account_id: uuid.UUID, *,
                      lock: bool = False) -> MailAccount:
    """The account if the caller may use it; NOT_FOUND otherwise (missing, deleted, other tenant, not theirs)."""
    query = (await usable_accounts(caller)).where(MailAccount.id == account_id)
    account = await session.scalar(query.with_for_update(of=MailAccount) if lock else query)
    if account is None:
        raise NotFound(f"mail account {account_id} not found")
    return account


async def require_manager(caller: Caller, what: str) -> None:
    if not await caller.is_manager():
        raise PermissionDenied(f"only managers may {what}")


async def _require_may_change(caller: Caller, account: MailAccount) -> None:
    if account.kind == "shared":
        await require_manager(caller, "change or remove shared mail accounts")
    elif account.owner_user_id != caller.user_id:
        await require_manager(caller, "change or remove other users' mail accounts")


async def _check_address_free(session: AsyncSession, provider: str, key: str) -> None:
    taken = await session.scalar(live_accounts().where(MailAccount.provider == provider,
                                                       MailAccount.address_key == key))
    if taken is not None:
        raise AlreadyExists("a mail account with this address exists already for this provider")


async def _store_credentials(session: AsyncSession, box: SecretBox, account: MailAccount,
                             credentials: Credentials) -> None:
    sealed = seal_credential(box, account, credentials.kind, credentials.material())
    await session.execute(
        insert(AccountCredential).values(account_id=account.id, tenant_id=account.tenant_id, kind=credentials.kind,
                                         sealed=sealed, set_at=_now())
        .on_conflict_do_update(index_elements=[AccountCredential.account_id],
                               set_={"kind": credentials.kind, "sealed": sealed, "set_at": _now()}))


async def create_account(session: AsyncSession, caller: Caller, box: SecretBox, data: AccountCreate) -> MailAccount:
    owner = None
    if data.kind == "personal":
        owner = data.owner_user_id or caller.user_id
        if owner is None:
            raise InvalidArgument("owner_user_id", "name the user the personal account belongs to")
        if owner != caller.user_id:
            await require_manager(caller, "create mail accounts for other users")
            if not await caller.user_exists(owner):
                raise InvalidArgument("owner_user_id", "names no user of this organisation")
    else:
        await require_manager(caller, "create shared mail accounts")
        if not await caller.team_exists(data.team_id):
            raise InvalidArgument("team_id", "names no team of this organisation; pick one of its teams")
    check_credentials_fit(data.provider, data.credentials)
    key = address_key(data.address)
    await _check_address_free(session, data.provider, key)
    now = _now()
    account = MailAccount(
        id=uuid.uuid4(), tenant_id=caller.principal.tenant_id, kind=data.kind, owner_user_id=owner,
        team_id=data.team_id, provider=data.provider, address=data.address, address_key=key,
        display_name=data.display_name, settings=data.settings_json(), import_folder=data.import_folder,
        import_folder_id="", enabled=data.enabled, created_by=caller.principal.subject, version=1,
        created_at=now, updated_at=now,
    )
    session.add(account)
    # The importer's beat starts in the system scope: this list tells it which tenants to visit.
    await session.execute(insert(MailTenant).values(tenant_id=account.tenant_id)
                          .on_conflict_do_nothing(index_elements=[MailTenant.tenant_id]))
    await session.flush()
    if data.credentials is not None:
        await _store_credentials(session, box, account, data.credentials)
    return account


async def list_accounts(session: AsyncSession, caller: Caller, *, page_size: int,
                        page_token: str) -> tuple[list[MailAccount], str]:
    """One page by address (then id); the token names the last row of the page."""
    query = await usable_accounts(caller)
    after = _decode_token(page_token)
    if after is not None:
        query = query.where(tuple_(MailAccount.address_key, MailAccount.id) > tuple_(*after))
    rows = list((await session.scalars(query.order_by(MailAccount.address_key, MailAccount.id)
                                       .limit(page_size + 1))).all())
    if len(rows) <= page_size:
        return rows, ""
    rows = rows[:page_size]
    return rows, _encode_token(rows[-1])


def _encode_token(account: MailAccount) -> str:
    return base64.urlsafe_b64encode(f"{account.address_key}\n{account.id}".encode()).decode()


def _decode_token(token: str) -> tuple[str, uuid.UUID] | None:
    if not token:
        return None
    try:
        key, _, account_id = base64.urlsafe_b64decode(token.encode()).decode().rpartition("\n")
        return key, uuid.UUID(account_id)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidArgument("page_token", "is not a token from a previous page; start again without it") from None


async def update_account(session: AsyncSession, caller: Caller, account_id: uuid.UUID, *, expected_version: int,
                         data: AccountUpdate) -> MailAccount:
    account = await get_account(session, caller, account_id, lock=True)
    await _require_may_change(caller, account)
    check_version(what="mail account", record_id=account.id, current=account.version, expected=expected_version)
    changes: dict = data.model_dump(exclude_none=True, exclude={"graph", "imap"})
    for provider in ("graph", "imap"):
        sent = getattr(data, provider)
        if sent is None:
            continue
        if provider != account.provider:
            raise InvalidArgument(provider, f"this is a {account.provider} account; send {account.provider} "
                                            "settings")
        changes["settings"] = sent.model_dump()
    changed = {name: value for name, value in changes.items() if getattr(account, name) != value}
    if not changed:
        return account
    if "import_folder" in changed:
        account.import_folder_id = ""  # resolved again by the next round or connection test
    for name, value in changed.items():
        setattr(account, name, value)
    account.version += 1
    account.updated_at = _now()
    await session.flush()
    return account


async def set_credentials(session: AsyncSession, caller: Caller, box: SecretBox, account_id: uuid.UUID,
                          credentials: Credentials) -> MailAccount:
    """Replace the account's secret; the old one is gone when this commits. An import stopped at needs_auth
    (credentials refused) is due again at once."""
    account = await get_account(session, caller, account_id, lock=True)
    await _require_may_change(caller, account)
    check_credentials_fit(account.provider, credentials)
    await _store_credentials(session, box, account, credentials)
    account.version += 1
    account.updated_at = _now()
    # needs_auth waits for new credentials (imports/health.py); "failing" with retry_at now makes the scheduler
    # try again at its next tick, and the round then sets the state it finds.
    await session.execute(update(ImportState).where(ImportState.account_id == account.id,
                                                    ImportState.state == "needs_auth")
                          .values(state="failing", retry_at=_now(), version=ImportState.version + 1))
    await session.flush()
    return account


async def delete_account(session: AsyncSession, caller: Caller, account_id: uuid.UUID) -> None:
    """Soft delete: imported mail and its mailbox references stay in the CRM; the credential goes at once and
    the account stops importing (the address is free for a new account)."""
    account = await get_account(session, caller, account_id, lock=True)
    await _require_may_change(caller, account)
    row = await session.get(AccountCredential, account.id)
    if row is not None:
        await session.delete(row)
    account.deleted_at = account.updated_at = _now()
    account.enabled = False
    account.version += 1
    await session.flush()


async def credential_kinds(session: AsyncSession, account_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Which accounts have a stored secret, and of which kind (never the sealed value itself)."""
    if not account_ids:
        return {}
    rows = await session.execute(select(AccountCredential.account_id, AccountCredential.kind)
                                 .where(AccountCredential.account_id.in_(list(account_ids))))
    return dict(rows.all())


async def record_resolved_folder(session: AsyncSession, account_id: uuid.UUID, folder: str,
                                 folder_id: str) -> None:
    """Remember what the server resolved the import folder to, unless the folder was changed meanwhile."""
    await session.execute(update(MailAccount).where(MailAccount.id == account_id,
                                                    MailAccount.import_folder == folder,
                                                    MailAccount.deleted_at.is_(None))
                          .values(import_folder_id=folder_id))
