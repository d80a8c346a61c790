"""One IMAP connection (imapclient), with every failure mapped to ``errors`` and capabilities honoured.

imapclient is synchronous; ``aio`` runs a session in a worker thread. A session is not thread-safe: one
caller at a time.
"""

from __future__ import annotations

import imaplib
import logging
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager

from imapclient import IMAPClient
from imapclient.exceptions import LoginError

from kontor.mail_import.imap.config import ImapAccount
from kontor.mail_import.imap.errors import (
    ImapCertificateError,
    ImapAuthError,
    ImapCommandError,
    ImapConnectionError,
    ImapError,
    ImapFolderMissing,
)

log = logging.getLogger(__name__)


def _text(exc: BaseException) -> str:
    """The server's words from an imaplib/imapclient error (they hold no credentials: the server never echoes them)."""
    arg = exc.args[0] if exc.args else ""
    if isinstance(arg, bytes):
        arg = arg.decode("utf-8", "replace")
    return str(arg)


@contextmanager
def mapped_errors(command: str) -> Iterator[None]:
    """Translate library and socket exceptions raised by ``command`` into ``ImapError`` subclasses."""
    try:
        yield
    except ImapError:
        raise
    except LoginError as exc:
        raise ImapAuthError(f"{command} refused: {_text(exc)}") from None
    except imaplib.IMAP4.abort as exc:  # before IMAP4.error: abort is a subclass (connection is unusable)
        raise ImapConnectionError(f"{command}: connection lost: {_text(exc)}") from None
    except imaplib.IMAP4.error as exc:
        text = _text(exc)
        if "[AUTHENTICATIONFAILED]" in text.upper():
            raise ImapAuthError(f"{command} refused: {text}") from None
        if "[NONEXISTENT]" in text.upper():
            raise ImapFolderMissing(command, text) from None
        raise ImapCommandError(command, text) from None
    except ssl.SSLCertVerificationError as exc:  # before OSError, of which it is a subclass
        raise ImapCertificateError(f"{command}: {exc.verify_message or exc}") from None
    except (OSError, socket.timeout, ssl.SSLError, EOFError) as exc:
        raise ImapConnectionError(f"{command}: {type(exc).__name__}: {exc}") from None


class ImapSession:
    """A logged-in connection to one account. Use as a context manager, or call ``close``."""

    def __init__(self, account: ImapAccount) -> None:
        self.account = account
        self._client: IMAPClient | None = None

    # -- connection --------------------------------------------------------------------------------------
    def open(self) -> ImapSession:
        account = self.account
        with mapped_errors("CONNECT"):
            client = IMAPClient(account.host, port=account.effective_port, ssl=account.security == "tls",
                                ssl_context=account.ssl_context, timeout=account.timeout_s)
        try:
            if account.security == "starttls":
                with mapped_errors("STARTTLS"):
                    client.starttls(account.ssl_context or ssl.create_default_context())
            self._login(client)
        except BaseException:
            self._shutdown(client)
            raise
        self._client = client
        log.info("imap session opened", extra={"imap_host": account.host, "imap_security": account.security})
        return self

    def _login(self, client: IMAPClient) -> None:
        account = self.account
        use_plain = account.auth == "plain" or (
            account.auth == "auto" and b"AUTH=PLAIN" in client.capabilities()
            and "AUTH=PLAIN" not in account.disabled_capabilities)
        command = "AUTHENTICATE PLAIN" if use_plain else "LOGIN"
        with mapped_errors(command):
            if use_plain:
                client.plain_login(account.username, account.password)
            else:
                client.login(account.username, account.password)

    @staticmethod
    def _shutdown(client: IMAPClient) -> None:
        try:
            client.logout()
        except Exception:  # noqa: BLE001 - closing a broken connection; nothing to report
            try:
                client.shutdown()
            except Exception:  # noqa: BLE001
                pass

    def close(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            self._shutdown(client)

    def __enter__(self) -> ImapSession:
        return self.open() if self._client is None else self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # -- helpers for reader and mover ----------------------------------------------------------------------
    @property
    def client(self) -> IMAPClient:
        if self._client is None:
            raise ImapConnectionError("IMAP session is not open")
        return self._client

    def has(self, capability: str) -> bool:
        """Whether the server advertises ``capability`` and the account does not disable it."""
        capability = capability.upper()
        if capability in self.account.disabled_capabilities:
            return False
        with mapped_errors("CAPABILITY"):
            return self.client.has_capability(capability)
