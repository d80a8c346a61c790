"""The typed failures of groupware providers (calendar, mail), so no engine ever sees a provider's status codes.

Every provider turns its wire failures into these; the services decide what each means for their work
(resync, retry later, ask a human). Messages carry ids and codes, never content (subjects, bodies, addresses).
"""

from __future__ import annotations


class ProviderError(Exception):
    """Base of every provider failure. Messages carry ids and codes, never event content."""

    def __init__(self, message: str = "", *, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message or self.__class__.__name__)
        self.status = status
        self.code = code


class CursorExpired(ProviderError):
    """The stored delta cursor is gone (Graph 410 ``SyncStateNotFound``): run a full resync."""


class Throttled(ProviderError):
    """The provider (or our own per-mailbox budget) says wait; persist the work and retry after ``retry_after`` s."""

    def __init__(self, message: str = "", *, retry_after: float, status: int | None = None,
                 code: str | None = None) -> None:
        super().__init__(message, status=status, code=code)
        self.retry_after = retry_after


class NeedsReauthorisation(ProviderError):
    """Credentials are wrong or expired, the app was disabled or consent revoked: a human must fix it."""


class PreconditionFailed(ProviderError):
    """``If-Match`` did not match (412): the remote side changed since we read it."""


class NotFound(ProviderError):
    """The item (or mailbox) does not exist (any more)."""


class TransientError(ProviderError):
    """Network failures and 5xx that outlived the retries; safe to try again later."""


class InvalidRequest(ProviderError):
    """The provider refused the request as malformed (4xx other than the above): retrying won't help."""


__all__ = ["CursorExpired", "InvalidRequest", "NeedsReauthorisation", "NotFound", "PreconditionFailed",
           "ProviderError", "Throttled", "TransientError"]
