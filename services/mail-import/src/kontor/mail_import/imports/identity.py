"""Background identity of a round: contacts is asked as the account's owner (personal) or its creator (shared).

Beat and "import now" rounds run in Celery without a caller. ``OwnerContacts`` wraps the service's contacts
client so that every ``match_addresses`` call carries the owner's delegated token (from the gateway's
TokenService, ``kontor.platform.delegation``, client "mail-import"), fetched fresh from the token cache per
call so a long round never sends an expired one. contacts then answers only records the owner may see.
When no token can be had, the call raises ``MatchingUnavailable``: the mail is stored unfiled and
``matching.rematch`` files it later.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable

from kontor.platform import auth
from kontor.platform.delegation import DelegatedTokens
from kontor.platform.errors import DomainError

from kontor.mail_import.accounts.models import MailAccount
from kontor.mail_import.contacts_client import AddressMatch, ContactsClient, MatchingUnavailable

log = logging.getLogger(__name__)

CLIENT = "mail-import"  # our client name at the gateway's TokenService


def round_user(account: MailAccount) -> uuid.UUID | None:
    """Whose rights a round of ``account`` uses: the owner of a personal account, the creator of a shared one."""
    if account.kind == "personal" and account.owner_user_id is not None:
        return account.owner_user_id
    try:
        return uuid.UUID(account.created_by)
    except (TypeError, ValueError):
        return None  # created by a service or a test: no person to act as


class OwnerContacts:
    """The slice of ``ContactsClient`` matching uses, as the round's user."""

    def __init__(self, contacts: ContactsClient, tokens: DelegatedTokens, *, tenant_id: uuid.UUID,
                 user_id: uuid.UUID) -> None:
        self._contacts = contacts
        self._tokens = tokens
        self._tenant_id = tenant_id
        self._user_id = user_id

    async def _as_user(self, call):
        try:
            principal = await self._tokens.principal(self._tenant_id, self._user_id)
        except DomainError as exc:
            log.warning("no delegated token for the round's user; mail stays unfiled until re-matched",
                        extra={"tenant_id": str(self._tenant_id), "error": type(exc).__name__})
            raise MatchingUnavailable(f"no token for the round's user ({type(exc).__name__})") from None
        token = auth.set_principal(principal)
        try:
            return await call()
        finally:
            auth.reset_principal(token)

    async def match_addresses(self, addresses: Iterable[str]) -> dict[str, AddressMatch]:
        wanted = list(addresses)
        return await self._as_user(lambda: self._contacts.match_addresses(wanted))

    async def employee_addresses(self) -> set[str]:
        return await self._as_user(self._contacts.employee_addresses)
