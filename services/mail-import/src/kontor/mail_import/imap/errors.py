"""What can go wrong talking to an IMAP server, sorted by what the caller does about it.

Messages carry the server's own text and the command name, never credentials: callers log them and
show them in the account's sync log.
"""

from __future__ import annotations


class ImapError(Exception):
    """Base of every IMAP failure; ``retryable`` tells the scheduler whether trying later can help."""

    retryable = False


class ImapAuthError(ImapError):
    """The server refused the credentials: the account needs re-authentication by its user."""


class ImapConnectionError(ImapError):
    """Network, TLS or timeout trouble, or the server dropped the connection: retry later."""

    retryable = True


class ImapCertificateError(ImapError):
    """The server's TLS certificate is not trusted (or names another host): a configuration problem that
    retrying cannot fix, and never a reason to fall back to plain text."""


class ImapCommandError(ImapError):
    """The server answered NO or BAD; ``server_text`` is what it said."""

    def __init__(self, command: str, server_text: str) -> None:
        super().__init__(f"{command} failed: {server_text}")
        self.command = command
        self.server_text = server_text


class ImapFolderMissing(ImapCommandError):
    """The folder does not exist (SELECT answered NO): the account's folder setting needs attention."""


class UidValidityChanged(ImapError):
    """The folder's UIDVALIDITY differs from the cursor's: the stored UIDs mean nothing any more.

    ``ImapFolderReader.next_batch`` answers this case with a ``Remap`` instead of raising; operations that
    act on stored UIDs (expunge detection) raise it so they never act on the wrong messages.
    """

    def __init__(self, stored: int, current: int) -> None:
        super().__init__(f"UIDVALIDITY changed from {stored} to {current}")
        self.stored = stored
        self.current = current
