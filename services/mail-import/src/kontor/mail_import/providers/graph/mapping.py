"""Graph JSON ↔ the provider interface's plain data: folders, message summaries, rule bodies, page tokens.

Pure functions, no I/O, so each mapping is tested without a server.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime

from kontor.mail_import.providers.base import Mailbox, MailFolder, MessageSummary, RuleConditions
from kontor.platform.groupware.errors import InvalidRequest

# The well-known folder names the interface knows as roles
# (https://learn.microsoft.com/graph/api/resources/mailfolder#well-known-folder-names).
ROLES = ("inbox", "sentitems", "drafts", "deleteditems", "junkemail", "archive")

SUMMARY_FIELDS = "id,subject,from,toRecipients,ccRecipients,receivedDateTime,isRead,hasAttachments,internetMessageId"


def parse_datetime(value: object) -> datetime | None:
    """Graph's ``2025-03-01T09:00:00Z`` (or with an offset); None for anything unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def folder(data: dict, *, parent_known: bool = True, role: str | None = None) -> MailFolder:
    """A ``mailFolder``; ``parent_known`` False for top-level folders (their parent is the hidden root)."""
    return MailFolder(
        id=str(data["id"]),
        name=str(data.get("displayName") or ""),
        parent_id=str(data["parentFolderId"]) if parent_known and data.get("parentFolderId") else None,
        total=int(data.get("totalItemCount") or 0),
        unread=int(data.get("unreadItemCount") or 0),
        role=role,
    )


def _mailbox(recipient: object) -> Mailbox | None:
    address = (recipient or {}).get("emailAddress") if isinstance(recipient, dict) else None
    if not isinstance(address, dict) or not address.get("address"):
        return None
    return Mailbox(email=str(address["address"]), name=str(address.get("name") or ""))


def _mailboxes(recipients: object) -> tuple[Mailbox, ...]:
    if not isinstance(recipients, list):
        return ()
    return tuple(m for m in (_mailbox(r) for r in recipients) if m is not None)


def summary(data: dict, folder_id: str) -> MessageSummary:
    """A ``message`` listed with ``$select=SUMMARY_FIELDS``."""
    return MessageSummary(
        ref=str(data["id"]),
        folder_id=folder_id,
        subject=str(data.get("subject") or ""),
        sender=_mailbox(data.get("from")),
        to=_mailboxes(data.get("toRecipients")),
        cc=_mailboxes(data.get("ccRecipients")),
        received_at=parse_datetime(data.get("receivedDateTime")),
        unread=not data.get("isRead", False),
        has_attachments=bool(data.get("hasAttachments")),
        message_id=data.get("internetMessageId") or None,
    )


# ---- page tokens --------------------------------------------------------------------------------------------
# The token is the $skip offset, not Graph's nextLink: a token comes back from API callers, and a URL taken
# from them would make us send the mailbox's bearer token wherever they point.

_TOKEN_PREFIX = "skip:"


def encode_page_token(skip: int) -> str:
    return base64.urlsafe_b64encode(f"{_TOKEN_PREFIX}{skip}".encode()).decode().rstrip("=")


def decode_page_token(token: str) -> int:
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("ascii")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        text = ""
    number = text[len(_TOKEN_PREFIX):] if text.startswith(_TOKEN_PREFIX) else ""
    if not number.isdigit() or len(number) > 9:
        raise InvalidRequest("page_token: not a token this listing gave out", code="page_token")
    return int(number)


# ---- rules --------------------------------------------------------------------------------------------------


def _recipients(addresses: tuple[str, ...]) -> list[dict]:
    return [{"emailAddress": {"address": a}} for a in addresses]


def rule_body(name: str, conditions: RuleConditions, target_folder_id: str) -> dict:
    """A ``messageRule`` without ``sequence`` (https://learn.microsoft.com/graph/api/resources/messagerule).

    Outlook evaluates every given predicate (AND) and any entry of a list (OR), as ``RuleConditions`` does.
    ``sender_domains`` become ``senderContains`` "@domain" (Exchange matches that against the sender's
    address and display name, so a display name containing "@domain" matches too). "No attachment" is no
    predicate: it is the exception ``hasAttachments`` = true. ``exceptions`` is always sent, so an update
    clears an exception an earlier version of the rule had.
    """
    predicates: dict = {}
    if conditions.sender_addresses:
        predicates["fromAddresses"] = _recipients(conditions.sender_addresses)
    if conditions.sender_domains:
        predicates["senderContains"] = [f"@{d.lstrip('@')}" for d in conditions.sender_domains]
    if conditions.recipient_addresses:
        predicates["sentToAddresses"] = _recipients(conditions.recipient_addresses)
    if conditions.subject_contains:
        predicates["subjectContains"] = list(conditions.subject_contains)
    if conditions.has_attachment is True:
        predicates["hasAttachments"] = True
    exceptions = {"hasAttachments": True} if conditions.has_attachment is False else {}
    return {
        "displayName": name,
        "isEnabled": True,
        "conditions": predicates,
        "exceptions": exceptions,
        "actions": {"moveToFolder": target_folder_id, "stopProcessingRules": False},
    }
