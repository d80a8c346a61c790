"""IMAP and SMTP failures as the platform's groupware errors (what the importer and the mailbox API act on).

The messages are the protocol layer's: command names, server replies and folder names, never credentials.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from kontor.mail_import.imap.errors import (
    ImapAuthError,
    ImapCertificateError,
    ImapCommandError,
    ImapConnectionError,
    ImapError,
    ImapFolderMissing,
    UidValidityChanged,
)
from kontor.mail_import.smtp.errors import (
    SmtpAuthError,
    SmtpConnectionError,
    SmtpError,
    SmtpRecipientsRefused,
    SmtpRejected,
)
from kontor.platform.groupware.errors import (
    CursorExpired,
    InvalidRequest,
    NeedsReauthorisation,
    NotFound,
    ProviderError,
    TransientError,
)

# RFC 5530 response codes that say "not now" rather than "never"
_TRANSIENT_CODES = ("[UNAVAILABLE]", "[INUSE]", "[LIMIT]", "[SERVERBUG]")


class RecipientsRefused(InvalidRequest):
    """The SMTP server refused these recipients; nothing was sent. ``refused`` lists the addresses."""

    def __init__(self, refused: tuple[str, ...]) -> None:
        super().__init__("the mail server refused these recipients: " + ", ".join(refused),
                         code="recipients_refused")
        self.refused = refused


def map_imap_error(exc: ImapError) -> ProviderError:
    message = str(exc)
    if isinstance(exc, ImapAuthError):
        return NeedsReauthorisation(message, code="imap_auth")
    if isinstance(exc, ImapConnectionError):
        return TransientError(message, code="imap_connection")
    if isinstance(exc, ImapCertificateError):
        return ProviderError(message, code="imap_certificate")
    if isinstance(exc, UidValidityChanged):
        return CursorExpired(message, code="uidvalidity_changed")
    if isinstance(exc, ImapFolderMissing):
        return NotFound(message, code="folder_missing")
    if isinstance(exc, ImapCommandError):
        upper = exc.server_text.upper()
        if "[TRYCREATE]" in upper or "[NONEXISTENT]" in upper:
            return NotFound(message, code="folder_missing")
        if any(code in upper for code in _TRANSIENT_CODES):
            return TransientError(message, code="imap_unavailable")
        return InvalidRequest(message, code="imap_refused")
    return ProviderError(message, code="imap")


def map_smtp_error(exc: SmtpError) -> ProviderError:
    message = str(exc)
    if isinstance(exc, SmtpAuthError):
        return NeedsReauthorisation(message, code="smtp_auth")
    if isinstance(exc, SmtpRecipientsRefused):
        return RecipientsRefused(tuple(exc.refused))
    if isinstance(exc, SmtpConnectionError) or (isinstance(exc, SmtpRejected) and exc.retryable):
        return TransientError(message, code="smtp_unavailable")
    if isinstance(exc, SmtpRejected):
        return InvalidRequest(message, code="smtp_refused")
    return ProviderError(message, code="smtp")  # certificate, missing STARTTLS/AUTH: configuration


@contextmanager
def provider_errors() -> Iterator[None]:
    """Re-raise protocol errors as groupware errors (without the protocol exception chained: no extra text)."""
    try:
        yield
    except ImapError as exc:
        raise map_imap_error(exc) from None
    except SmtpError as exc:
        raise map_smtp_error(exc) from None
