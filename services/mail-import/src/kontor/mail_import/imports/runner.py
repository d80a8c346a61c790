"""A round for a stored account, end to end: lock, unseal the credential, open the provider, run, record.

Used by the Celery tasks (beat and "import now") and by the ``import`` command. Everything that can go wrong
before the round proper (no credential, a sign-in refused while connecting, the server unreachable) ends
in the same states and log lines as a failure inside it (``round.record_failure``).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from kontor.platform.blobs import BlobStore
from kontor.platform.db import Database
from kontor.platform.delegation import DelegatedTokens
from kontor.platform.errors import NotFound
from kontor.platform.groupware.errors import NeedsReauthorisation
from kontor.platform.secrets_box import SecretBox, SecretUnreadable

from kontor.mail_import.accounts.connect import open_account, provider_for
from kontor.mail_import.accounts.models import MailAccount
from kontor.mail_import.contacts_client import ContactsClient
from kontor.mail_import.imports.identity import OwnerContacts, round_user
from kontor.mail_import.imports.round import (
    Matching, ProgressHook, RoundReport, account_lock, record_failure, run_locked_round,
)

log = logging.getLogger(__name__)


class BlobStoreMissing(RuntimeError):
    """KONTOR_MAIL_IMPORT_BLOB_STORE_URL is empty: raw mail has nowhere to go, so nothing is imported."""


@dataclass
class Importer:
    """What rounds share in one process (one event loop: gRPC channels belong to it)."""

    db: Database
    settings: object  # MailImportSettings
    box: SecretBox
    blobs: BlobStore | None
    contacts: ContactsClient | None = None  # None: mail is stored unfiled (rematch files it later)
    tokens: DelegatedTokens | None = None
    limits: object | None = None  # Graph's shared per-mailbox budget (RedisLimits)

    def matching_for(self, account: MailAccount) -> Matching | None:
        user = round_user(account)
        if self.contacts is None or self.tokens is None or user is None:
            return None
        key = self.settings.message_id_key.get_secret_value().encode()
        return Matching(OwnerContacts(self.contacts, self.tokens, tenant_id=account.tenant_id, user_id=user), key)


async def import_account(importer: Importer, *, tenant_id: uuid.UUID, account_id: uuid.UUID,
                         on_progress: ProgressHook | None = None) -> RoundReport:
    db = importer.db
    async with account_lock(db, account_id) as held:
        if not held:
            return RoundReport(outcome="busy")
        try:
            async with db.unit_of_work(tenant_id) as session:
                opened = await open_account(session, importer.box, account_id)
        except NotFound:
            return RoundReport(outcome="skipped")
        except SecretUnreadable:
            return await record_failure(db, tenant_id=tenant_id, account_id=account_id, exc=NeedsReauthorisation(
                "the stored credential does not open", code="credential_unreadable"))
        account = opened.account
        batch_size = importer.settings.import_batch_size
        if not account.enabled:  # the round records "disabled" without touching the server
            return await run_locked_round(db, None, tenant_id=tenant_id, account_id=account_id,  # type: ignore[arg-type]
                                          blobs=importer.blobs, batch_size=batch_size)
        report: RoundReport | None = None
        try:
            if importer.blobs is None:
                raise BlobStoreMissing("no blob store configured")
            provider = provider_for(account, opened.credential, importer.settings, limits=importer.limits)
            async with provider as opened_provider:
                report = await run_locked_round(db, opened_provider, tenant_id=tenant_id, account_id=account_id,
                                                blobs=importer.blobs, batch_size=batch_size,
                                                matching=importer.matching_for(account), on_progress=on_progress)
        except Exception as exc:  # noqa: BLE001 - recorded as the account's state
            if report is not None:  # the round ended and recorded itself; only closing the connection failed
                log.warning("closing the mail server connection failed", extra={"error": type(exc).__name__})
                return report
            return await record_failure(db, tenant_id=tenant_id, account_id=account_id, exc=exc)
        return report
