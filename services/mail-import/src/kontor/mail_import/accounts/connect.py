"""From a stored mail account to an open ``MailProvider``: the one place that knows every provider.

    async with db.unit_of_work(tenant_id) as session:
        opened = await open_account(session, box, account_id)          # account + unsealed credential
    async with provider_for(opened.account, opened.credential, settings) as provider:   # network: no transaction
        folder = await provider.resolve_folder(opened.account.import_folder)

The credential is unsealed only here (``open_credential``), lives in memory for one round or one call, and is
never logged (``OpenCredential``'s repr hides it). Provider modules are imported when first used, so a process
that never talks to Graph never loads msal.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.db import Database
from kontor.platform.errors import NotFound
from kontor.platform.groupware.errors import NeedsReauthorisation
from kontor.platform.secrets_box import SecretBox

from kontor.mail_import.accounts.models import AccountCredential, MailAccount
from kontor.mail_import.providers.base import MailProvider

if TYPE_CHECKING:
    from kontor.platform.groupware.graph.shared_limits import RedisLimits

    from kontor.mail_import.settings import MailImportSettings

CREDENTIAL_PURPOSE = "mail_account_credentials.{kind}"


@dataclass(frozen=True)
class OpenCredential:
    """An unsealed secret: a password or client secret as text, a certificate as the JSON of both PEMs."""

    kind: str
    secret: str = field(repr=False)


@dataclass(frozen=True)
class OpenedAccount:
    account: MailAccount
    credential: OpenCredential | None


def seal_credential(box: SecretBox, account: MailAccount, kind: str, material: bytes) -> bytes:
    """Bound to (tenant, account, kind): a sealed value copied to another row, tenant or kind does not open."""
    return box.seal(material, tenant_id=account.tenant_id, record_id=account.id,
                    purpose=CREDENTIAL_PURPOSE.format(kind=kind))


def open_credential(box: SecretBox, account: MailAccount, row: AccountCredential) -> OpenCredential:
    secret = box.open(row.sealed, tenant_id=account.tenant_id, record_id=account.id,
                      purpose=CREDENTIAL_PURPOSE.format(kind=row.kind))
    return OpenCredential(kind=row.kind, secret=secret.decode())


async def open_account(session: AsyncSession, box: SecretBox, account_id: uuid.UUID) -> OpenedAccount:
    """The live account (in the session's tenant) and its unsealed credential (None when none is stored).

    No rights check: callers are the import round (background identity) and servicers that checked already.
    NotFound for a missing, deleted or other tenant's account; ``SecretUnreadable`` when the stored value does
    not open (a key dropped from SECRET_KEYS, or a tampered row).
    """
    account = await session.get(MailAccount, account_id)
    if account is None or account.deleted_at is not None:
        raise NotFound(f"mail account {account_id} not found")
    row = await session.get(AccountCredential, account_id)
    return OpenedAccount(account, open_credential(box, account, row) if row is not None else None)


def _graph_provider(account: MailAccount, credential: OpenCredential, limits: RedisLimits | None) -> MailProvider:
    from kontor.platform.groupware.graph.auth import GraphCredentials  # noqa: PLC0415 - msal only when used
    from kontor.platform.groupware.graph.http import GRAPH_BASE  # noqa: PLC0415

    from kontor.mail_import.providers.graph import GraphMailProvider  # noqa: PLC0415

    settings = account.settings
    if credential.kind == "certificate":
        pems = json.loads(credential.secret)
        graph_credentials = GraphCredentials(tenant_id=settings["azure_tenant_id"], client_id=settings["client_id"],
                                             certificate_pem=pems["certificate_pem"],
                                             private_key_pem=pems["private_key_pem"])
    elif credential.kind == "client_secret":
        graph_credentials = GraphCredentials(tenant_id=settings["azure_tenant_id"], client_id=settings["client_id"],
                                             client_secret=credential.secret)
    else:
        raise NeedsReauthorisation(f"a graph account cannot sign in with a {credential.kind}", code="no_credential")
    authority_url = settings.get("authority_url") or ""
    return GraphMailProvider.connect(
        graph_credentials, account.address, base_url=settings.get("base_url") or GRAPH_BASE,
        authority=f"{authority_url}/{settings['azure_tenant_id']}" if authority_url else None,
        ca_path=settings.get("ca_bundle_path") or None, limits=limits)


def imap_account(account: MailAccount, credential: OpenCredential, *, timeout_s: float) -> object:
    """The account's IMAP connection settings (``imap.config.ImapAccount``)."""
    from kontor.mail_import.imap.config import ImapAccount  # noqa: PLC0415

    s = account.settings
    return ImapAccount(host=s["host"], username=s.get("username") or account.address, password=credential.secret,
                       port=s.get("port") or None, security=s.get("security") or "tls", auth=s.get("auth") or "auto",
                       timeout_s=timeout_s)


def smtp_settings(account: MailAccount, credential: OpenCredential, *, timeout_s: float) -> object:
    """The account's SMTP submission settings (``smtp.settings.SmtpSettings``); the IMAP password signs in."""
    from kontor.mail_import.smtp.settings import SmtpSettings  # noqa: PLC0415

    s = account.settings
    security = s.get("smtp_security") or "starttls"
    port = s.get("smtp_port") or (25 if security == "none" else None)  # SmtpSettings: 465 for tls, else 587
    return SmtpSettings(host=s.get("smtp_host") or s["host"], port=port, security=security,
                        username=s.get("smtp_username") or s.get("username") or account.address,
                        password=credential.secret, timeout=timeout_s)


def _imap_provider(account: MailAccount, credential: OpenCredential, timeout_s: float) -> MailProvider:
    from kontor.mail_import.providers.imap import ImapMailProvider  # noqa: PLC0415

    if credential.kind != "password":
        raise NeedsReauthorisation(f"an imap account cannot sign in with a {credential.kind}", code="no_credential")
    return ImapMailProvider(imap_account(account, credential, timeout_s=timeout_s),
                            smtp=smtp_settings(account, credential, timeout_s=timeout_s),
                            sent_folder=account.settings.get("sent_folder") or "")


def provider_for(account: MailAccount, credential: OpenCredential | None, settings: MailImportSettings, *,
                 limits: RedisLimits | None = None) -> MailProvider:
    """A provider for ``account`` (open it with ``async with``). ``limits``: Graph's per-mailbox budget shared
    by every worker (Redis); None counts in this process only. Raises ``NeedsReauthorisation`` (code
    ``no_credential``) when no usable credential is stored, like a refused sign-in would."""
    if credential is None:
        raise NeedsReauthorisation("the account has no credentials", code="no_credential")
    if account.provider == "graph":
        return _graph_provider(account, credential, limits)
    if account.provider == "imap":
        return _imap_provider(account, credential, settings.mail_server_timeout_s)
    raise ValueError(f"unknown mail provider {account.provider!r}")


# ``async with open_provider(account) as provider``: for callers that loaded (and rights-checked) the account.
OpenProvider = Callable[[MailAccount], AbstractAsyncContextManager[MailProvider]]


def provider_opener(db: Database, box: SecretBox, settings: MailImportSettings, *,
                    limits: RedisLimits | None = None) -> OpenProvider:
    """An ``OpenProvider`` that unseals the account's credential in a short unit of work of its own (the
    network calls that follow hold no transaction)."""

    @asynccontextmanager
    async def open_provider(account: MailAccount) -> AsyncIterator[MailProvider]:
        async with db.unit_of_work(account.tenant_id) as session:
            opened = await open_account(session, box, account.id)
        async with provider_for(opened.account, opened.credential, settings, limits=limits) as provider:
            yield provider

    return open_provider
