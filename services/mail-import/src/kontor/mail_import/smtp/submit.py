"""One SMTP submission with the stdlib's smtplib (blocking: ``provider`` runs it in a worker thread).

Why smtplib and not aiosmtplib: one message per call, no pipelining needed, and one dependency fewer.
The transaction is all or nothing for recipients: every RCPT TO is tried first, and if the server refuses
any of them the transaction is reset before DATA, so a retry after fixing the address never delivers the
message twice to the recipients that were accepted.
"""

from __future__ import annotations

import logging
import smtplib
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager

from kontor.mail_import.smtp.envelope import Envelope
from kontor.mail_import.smtp.errors import (
    SmtpAuthError,
    SmtpCertificateError,
    SmtpConnectionError,
    SmtpError,
    SmtpRecipientsRefused,
    SmtpRejected,
    SmtpUnsupported,
)
from kontor.mail_import.smtp.settings import SmtpSettings

log = logging.getLogger(__name__)


def _reply_text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


@contextmanager
def _mapped(command: str) -> Iterator[None]:
    try:
        yield
    except SmtpError:
        raise
    except smtplib.SMTPAuthenticationError as exc:
        raise SmtpAuthError(f"AUTH refused: {exc.smtp_code} {_reply_text(exc.smtp_error)}") from None
    except smtplib.SMTPNotSupportedError as exc:
        raise SmtpUnsupported(f"{command}: {exc}") from None
    except smtplib.SMTPServerDisconnected as exc:
        raise SmtpConnectionError(f"{command}: server disconnected: {exc}") from None
    except smtplib.SMTPResponseException as exc:
        raise SmtpRejected(command, exc.smtp_code, _reply_text(exc.smtp_error)) from None
    except smtplib.SMTPException as exc:  # e.g. "No suitable authentication method found"
        raise SmtpUnsupported(f"{command}: {exc}") from None
    except ssl.SSLCertVerificationError as exc:  # before OSError, of which it is a subclass
        raise SmtpCertificateError(f"{command}: {exc.verify_message or exc}") from None
    except (OSError, socket.timeout, ssl.SSLError) as exc:
        raise SmtpConnectionError(f"{command}: {type(exc).__name__}: {exc}") from None


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    context = settings.ssl_context or ssl.create_default_context()
    with _mapped("CONNECT"):
        if settings.security == "tls":
            return smtplib.SMTP_SSL(settings.host, settings.effective_port, timeout=settings.timeout, context=context)
        client = smtplib.SMTP(settings.host, settings.effective_port, timeout=settings.timeout)
    try:
        if settings.security == "starttls":
            with _mapped("STARTTLS"):
                client.ehlo()
                if not client.has_extn("starttls"):
                    raise SmtpUnsupported("STARTTLS: the server does not offer it; not sending in plain text")
                client.starttls(context=context)
                client.ehlo()
    except BaseException:
        client.close()
        raise
    return client


def _authenticate(client: smtplib.SMTP, settings: SmtpSettings) -> None:
    """AUTH PLAIN when offered, else LOGIN; one mechanism only (``SMTP.login`` would try each in turn after a
    refusal, which some servers answer by hanging up or stalling)."""
    offered = client.esmtp_features.get("auth", "").upper().split()
    mechanism = next((m for m in ("PLAIN", "LOGIN") if m in offered), None)
    if mechanism is None:
        raise SmtpUnsupported("AUTH: the server offers neither PLAIN nor LOGIN")
    client.user, client.password = settings.username, settings.password
    with _mapped("AUTH"):
        client.auth(mechanism, getattr(client, f"auth_{mechanism.lower()}"))


def submit(settings: SmtpSettings, envelope: Envelope) -> None:
    """Transmit ``envelope.message`` to ``envelope.recipients``; raises ``SmtpError`` subclasses."""
    client = _connect(settings)
    try:
        with _mapped("EHLO"):
            client.ehlo_or_helo_if_needed()
        if settings.username:
            _authenticate(client, settings)
        with _mapped("MAIL FROM"):
            # 8-bit bodies are declared where the server supports it (RFC 6152); sent as given otherwise
            eight_bit = any(byte > 127 for byte in envelope.message) and client.has_extn("8bitmime")
            code, reply = client.mail(envelope.sender, ["BODY=8BITMIME"] if eight_bit else [])
            if code != 250:
                raise SmtpRejected("MAIL FROM", code, _reply_text(reply))
        refused: dict[str, tuple[int, str]] = {}
        with _mapped("RCPT TO"):
            for recipient in envelope.recipients:
                code, reply = client.rcpt(recipient)
                if code not in (250, 251):
                    refused[recipient] = (code, _reply_text(reply))
            if refused:
                client.rset()
                raise SmtpRecipientsRefused(refused)
        with _mapped("DATA"):
            code, reply = client.data(envelope.message)
            if code != 250:
                raise SmtpRejected("DATA", code, _reply_text(reply))
        log.info("smtp message submitted", extra={"smtp_host": settings.host, "recipients": len(envelope.recipients)})
    finally:
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()
