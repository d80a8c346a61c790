"""Helpers for tests that drive the emulator's mail part (this package's and mail-import's).

    handle = new_tenant(emulator, roles=MAIL_ROLES)
    delivered = deliver(handle, make_mime(subject="Offer", sender="kunde@example.com", to=handle.upn))
    with handle.graph() as graph:
        graph.get("/mailFolders/inbox/messages")
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

# An app with every permission the mail part checks (plus the calendar part's defaults).
MAIL_ROLES = ["Mail.ReadWrite", "Mail.Send", "MailboxSettings.ReadWrite", "Calendars.ReadWrite", "User.Read.All"]
IMMUTABLE = {"Prefer": 'IdType="ImmutableId"'}


def make_mime(*, subject: str = "Hello", sender: str = "sender@example.com", to: str = "anna@example.com",
              cc: str | None = None, body: str = "Hi there.", message_id: str | None = None,
              in_reply_to: str | None = None, attachment: tuple[str, bytes] | None = None) -> str:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    if cc:
        msg["Cc"] = cc
    msg["Subject"] = subject
    msg["Message-ID"] = message_id or make_msgid(domain="example.com")
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    msg.set_content(body)
    if attachment:
        name, data = attachment
        msg.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return msg.as_string()


def deliver(handle, mime: str, *, mailbox: str | None = None, **options) -> dict:
    """The mail server delivers ``mime`` to a mailbox (default: the handle's); answers the ids."""
    r = handle.control.post(f"/mailboxes/{mailbox or handle.upn}/mail/deliver", json={"mime": mime, **options})
    r.raise_for_status()
    return r.json()
