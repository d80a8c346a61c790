"""What can go wrong submitting a message. Messages hold the server's reply and codes, never credentials."""

from __future__ import annotations


class SmtpError(Exception):
    retryable = False


class SmtpAuthError(SmtpError):
    """AUTH refused: the account's SMTP credentials need fixing by its user."""


class SmtpConnectionError(SmtpError):
    """Connect, network, TLS handshake or timeout trouble, or the server hung up: retry later."""

    retryable = True


class SmtpCertificateError(SmtpError):
    """The server's certificate is not trusted: configuration, never a reason to fall back to plain text."""


class SmtpUnsupported(SmtpError):
    """The server lacks what the settings require (STARTTLS, AUTH): configuration."""


class SmtpRejected(SmtpError):
    """The server answered a 4xx (``retryable``) or 5xx reply to MAIL FROM or DATA."""

    def __init__(self, command: str, code: int, text: str) -> None:
        super().__init__(f"{command} refused: {code} {text}")
        self.command = command
        self.code = code
        self.retryable = 400 <= code < 500


class SmtpRecipientsRefused(SmtpError):
    """RCPT TO refused for ``refused`` (address → (code, text)); nothing was sent to anyone."""

    def __init__(self, refused: dict[str, tuple[int, str]]) -> None:
        super().__init__("recipients refused: " + ", ".join(sorted(refused)))
        self.refused = refused
