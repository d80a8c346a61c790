"""Building an outgoing message: checked addresses and texts in, complete MIME bytes out (stdlib ``email``).

    draft = Draft(sender=..., to=[Recipient("kim@customer.example", "Kim")], subject=..., text=...)
    composed = compose(draft, message_id=new_message_id(record, key=..., domain=...))
    await provider.send(composed.to_send)       # with the Bcc header: the provider takes the envelope from it
    store composed.to_keep                       # what the recipients got: no Bcc, so no CRM reader learns it

Every check names the request field it is about ("to[2]", "attachments[0].content_type"), so a bad request
answers INVALID_ARGUMENT before anything is sent. Nothing here reads the database or the network.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from kontor.platform.errors import InvalidArgument

from kontor.mail_import.mime import normalise_address

MAX_RECIPIENTS = 100  # To + Cc + Bcc together; more is a mailing, not a mail
MAX_SUBJECT = 998  # RFC 5322's line limit; longer subjects are folded by nobody sensible
MAX_NAME = 200
MAX_ATTACHMENTS = 50
# RFC 5322 dot-atom local parts; quoted local parts and non-ASCII (SMTPUTF8) ones are refused on purpose.
_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_MIME_TYPE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*$")
# What goes on the wire: CRLF line ends, no raw 8-bit headers, and lines up to RFC 5322's 998 characters.
# At SMTP's default of 78, a long header without spaces
# (our Message-IDs in In-Reply-To/References) is written as RFC 2047 encoded words, and no mail program could
# thread a reply by it any more.
WIRE = policy.SMTP.clone(max_line_length=998)


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str = ""


@dataclass(frozen=True)
class OutgoingFile:
    filename: str
    content_type: str
    content: bytes = field(repr=False)


@dataclass(frozen=True)
class Draft:
    sender: Recipient  # the account's address and display name
    to: Sequence[Recipient] = ()
    cc: Sequence[Recipient] = ()
    bcc: Sequence[Recipient] = ()
    subject: str = ""
    text: str = ""
    html: str = ""
    attachments: Sequence[OutgoingFile] = ()
    in_reply_to: str | None = None  # the Message-ID answered
    references: Sequence[str] = ()  # the thread's Message-IDs, oldest first, the answered one last


@dataclass(frozen=True)
class Composed:
    message_id: str
    date: datetime
    to_send: bytes = field(repr=False)  # with Bcc
    to_keep: bytes = field(repr=False)  # exactly what recipients receive (the provider drops Bcc likewise)


def check_address(value: Recipient, field_name: str) -> Address:
    """The recipient as a header Address (domain in IDNA form); InvalidArgument naming ``field_name``."""
    email = value.email.strip()
    local, at, domain = email.rpartition("@")
    if not at or not _LOCAL.match(local) or normalise_address(local, domain) is None:
        raise InvalidArgument(field_name, "is not a mail address (name@example.com)")
    ascii_domain = normalise_address(local, domain).rpartition("@")[2]
    return Address(display_name=check_name(value.name, f"{field_name}.name"), username=local, domain=ascii_domain)


def check_name(value: str, field_name: str) -> str:
    name = value.strip()
    if len(name) > MAX_NAME:
        raise InvalidArgument(field_name, f"at most {MAX_NAME} characters")
    if any(ch in name for ch in "\r\n\x00"):
        raise InvalidArgument(field_name, "must be one line")
    return name


def check_recipients(to: Sequence[Recipient], cc: Sequence[Recipient],
                     bcc: Sequence[Recipient]) -> dict[str, list[Address]]:
    checked = {name: [check_address(r, f"{name}[{n}]") for n, r in enumerate(values)]
               for name, values in (("to", to), ("cc", cc), ("bcc", bcc))}
    total = sum(len(v) for v in checked.values())
    if total == 0:
        raise InvalidArgument("to", "name at least one recipient (to, cc or bcc)")
    if total > MAX_RECIPIENTS:
        raise InvalidArgument("to", f"at most {MAX_RECIPIENTS} recipients (to, cc and bcc together)")
    return checked


def check_subject(subject: str) -> str:
    if len(subject) > MAX_SUBJECT:
        raise InvalidArgument("subject", f"at most {MAX_SUBJECT} characters")
    if any(ch in subject for ch in "\r\n\x00"):
        raise InvalidArgument("subject", "must be one line")
    return subject


def check_file(file: OutgoingFile, field_name: str, *, max_bytes: int) -> OutgoingFile:
    """An uploaded attachment: a file name, a MIME type, content within the limit."""
    filename = file.filename.strip()
    if not filename:
        raise InvalidArgument(f"{field_name}.filename", "is required")
    if len(filename) > 255 or any(ch in filename for ch in "\r\n\x00/\\"):
        raise InvalidArgument(f"{field_name}.filename", "a file name of at most 255 characters, no path")
    content_type = (file.content_type or "application/octet-stream").strip().lower()
    if not _MIME_TYPE.match(content_type):
        raise InvalidArgument(f"{field_name}.content_type", "a MIME type like application/pdf")
    if len(file.content) > max_bytes:
        raise InvalidArgument(f"{field_name}.content", f"at most {max_bytes} bytes")
    return OutgoingFile(filename, content_type, file.content)


def compose(draft: Draft, *, message_id: str, now: datetime | None = None) -> Composed:
    """The message with From, To/Cc/Bcc, Subject, Date, Message-ID, In-Reply-To/References, the text (and
    the HTML as its alternative) and the attachments. Checks every field (InvalidArgument)."""
    recipients = check_recipients(draft.to, draft.cc, draft.bcc)
    if len(draft.attachments) > MAX_ATTACHMENTS:
        raise InvalidArgument("attachments", f"at most {MAX_ATTACHMENTS} attachments")
    when = (now or datetime.now(UTC)).replace(microsecond=0)
    message = EmailMessage(policy=policy.default)
    message["From"] = check_address(draft.sender, "account_id")
    for name in ("to", "cc", "bcc"):
        if recipients[name]:
            message[name.capitalize()] = recipients[name]
    message["Subject"] = check_subject(draft.subject)
    message["Date"] = format_datetime(when)
    message["Message-ID"] = message_id
    if draft.in_reply_to:
        message["In-Reply-To"] = draft.in_reply_to
    references = [r for r in dict.fromkeys(draft.references) if r]
    if references:
        message["References"] = " ".join(references)
    message.set_content(draft.text or "", subtype="plain", charset="utf-8", cte="quoted-printable")
    if draft.html:
        message.add_alternative(draft.html, subtype="html", charset="utf-8", cte="quoted-printable")
    for file in draft.attachments:
        maintype, _, subtype = file.content_type.partition("/")
        message.add_attachment(file.content, maintype=maintype, subtype=subtype, filename=file.filename)
    to_send = message.as_bytes(policy=WIRE)
    del message["Bcc"]
    return Composed(message_id=message_id, date=when, to_send=to_send, to_keep=message.as_bytes(policy=WIRE))


def thread_of(message_id: str | None, references: Sequence[str]) -> tuple[str | None, list[str]]:
    """In-Reply-To and References of a reply to a message with ``message_id`` and ``references``: the
    answered id, and the thread so far with the answered id last (RFC 5322 3.6.4)."""
    if not message_id:
        return None, list(references)
    return message_id, [*(r for r in references if r != message_id), message_id]
