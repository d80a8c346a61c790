"""Business rules of the CRM mailbox ("Postfach"): reading a message, finding its CRM mail, sending.

Everything is read straight from the groupware through the account's provider; the database only tells who
may use which account (accounts/service.py) and which messages are CRM mails already (by the dedup key of
mails/dedup.py, then by a mailbox reference). Provider failures become the platform's errors here
(``provider_errors``), so the gRPC edge never sees a protocol's exception.
"""

from __future__ import annotations

import asyncio
import email
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.errors import Conflict, InvalidArgument, NotFound, Unavailable
from kontor.platform.groupware import errors as groupware

from kontor.mail_import import mime, texts
from kontor.mail_import.mails import dedup
from kontor.mail_import.mails.links import links_in_force
from kontor.mail_import.mails.models import Mail, MailboxReference, MailLink

MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50
MAX_MOVE = 200
MAX_HTML_CHARS = 2_000_000  # an HTML body larger than this is not shown (the text and the raw message are)
# Mailbox references of mail sent from the CRM: the message is in the account's sent folder, but the server
# does not tell its ref when sending. folder_id "" is never a real folder (IMAP names and Graph ids are not
# empty), so the importer, which works on its import folder's references only, never touches these rows; they
# make the sent mail visible to the account's users like an imported one (mails/visibility.py).
SENT_FOLDER_ID = ""


texts.register({
    "mailbox.not_found": {"en": "The folder or message is not in this mailbox (any more).",
                          "de": "Der Ordner oder die Nachricht ist (nicht mehr) in diesem Postfach."},
    "mailbox.auth_failed": {
        "en": "The mail server refused the account's sign-in: its owner (for a team mailbox, a manager) must enter "
              "its credentials again.",
        "de": "Der Mailserver hat die Anmeldung des Kontos abgelehnt: sein Besitzer (bei einem Team-Postfach ein "
              "Manager) muss die Zugangsdaten neu eingeben."},
    "mailbox.folder_changed": {"en": "The folder changed on the mail server: list it again from the start.",
                               "de": "Der Ordner hat sich auf dem Mailserver geändert: bitte neu von vorn laden."},
    "mailbox.refused": {"en": "The mail server refused it: {reason}",
                        "de": "Der Mailserver hat es abgelehnt: {reason}"},
    "mailbox.throttled": {"en": "The mail server asks to wait {seconds} s; try again then.",
                          "de": "Der Mailserver bittet, {seconds} s zu warten; bitte dann erneut versuchen."},
    "mailbox.unreadable": {
        "en": "The message cannot be read ({reason}); download it whole (part_path \"\") to see it as it is.",
        "de": "Die Nachricht ist nicht lesbar ({reason}); als Ganzes herunterladen (part_path \"\"), um sie "
              "unverändert zu sehen."},
    "mailbox.unreachable": {"en": "The mail server could not be reached; try again later.",
                            "de": "Der Mailserver ist nicht erreichbar; bitte später erneut versuchen."},
})


@contextmanager
def provider_errors(field: str = "request", lang: str = texts.DEFAULT_LANGUAGE) -> Iterator[None]:
    """The groupware's failures as the platform's errors (exact classes: the gRPC edge maps each to a code),
    worded in the caller's language."""
    try:
        yield
    except groupware.NotFound:
        raise NotFound(texts.text("mailbox.not_found", lang)) from None
    except groupware.NeedsReauthorisation:
        raise Conflict(texts.text("mailbox.auth_failed", lang)) from None
    except groupware.CursorExpired:
        raise Conflict(texts.text("mailbox.folder_changed", lang)) from None
    except groupware.InvalidRequest as exc:
        # The provider's message names the refused part (e.g. SMTP's refused recipients), for this caller only.
        raise InvalidArgument(field, texts.text("mailbox.refused", lang, reason=exc)) from None
    except groupware.Throttled as exc:
        raise Unavailable(texts.text("mailbox.throttled", lang, seconds=max(1, round(exc.retry_after)))) from None
    except groupware.ProviderError:
        raise Unavailable(texts.text("mailbox.unreachable", lang)) from None


def page_size(requested: int) -> int:
    if requested < 0:
        raise InvalidArgument("page_size", "must not be negative")
    return min(requested or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


def required(value: str, field_name: str) -> str:
    if not value:
        raise InvalidArgument(field_name, "is required")
    return value


def check_refs(refs: list[str]) -> list[str]:
    if not refs:
        raise InvalidArgument("refs", "name at least one message")
    if len(refs) > MAX_MOVE:
        raise InvalidArgument("refs", f"at most {MAX_MOVE} messages at once")
    for n, ref in enumerate(refs):
        required(ref, f"refs[{n}]")
    return list(dict.fromkeys(refs))


async def parse(raw: bytes, limits: mime.Limits, lang: str = texts.DEFAULT_LANGUAGE) -> mime.ParsedMail:
    """The parsed message (in a worker thread); FAILED_PRECONDITION naming the quarantine reason otherwise."""
    result = await asyncio.to_thread(mime.parse, raw, limits)
    if isinstance(result, mime.Quarantine):
        raise Conflict(texts.text("mailbox.unreadable", lang, reason=result.reason))
    return result


def html_of(raw: bytes) -> str:
    """The message's HTML body (the preferred text/html part that is no attachment), "" when there is none.
    The CRM parser keeps only the text; this is for display, never executed or stored."""
    try:
        message = email.message_from_bytes(raw, policy=policy.default)
        body = message.get_body(preferencelist=("html",))
        if body is None or body.get_content_type() != "text/html":
            return ""
        content = body.get_content()
    except Exception:  # noqa: BLE001 - a damaged HTML part only costs the HTML view; the text is parsed already
        return ""
    return content if isinstance(content, str) and len(content) <= MAX_HTML_CHARS else ""


@dataclass
class CrmMail:
    mail: Mail
    links: list[MailLink] = field(default_factory=list)


async def crm_mail_for(session: AsyncSession, *, tenant_id: uuid.UUID, account_id: uuid.UUID, folder_id: str,
                       ref: str, parsed: mime.ParsedMail) -> CrmMail | None:
    """The CRM mail a mailbox message is, with its links in force: by its dedup key (any mailbox's copy of
    it), else by a reference to exactly this message; None when the CRM does not hold it."""
    mail = await session.scalar(select(Mail).where(Mail.tenant_id == tenant_id,
                                                   Mail.dedup_key == dedup.dedup_key(parsed)))
    if mail is None:
        mail_id = await session.scalar(select(MailboxReference.mail_id).where(
            MailboxReference.account_id == account_id, MailboxReference.folder_id == folder_id,
            MailboxReference.ref == ref))
        mail = await session.get(Mail, mail_id) if mail_id is not None else None
    if mail is None:
        return None
    return CrmMail(mail, (await links_in_force(session, [mail.id]))[mail.id])


def attachment(parsed: mime.ParsedMail, part_path: str) -> mime.Attachment:
    for a in mime.all_attachments(parsed):
        if a.path == part_path:
            return a
    raise NotFound(f"the message has no part {part_path}")
