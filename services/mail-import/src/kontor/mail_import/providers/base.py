"""What the importer and the CRM mailbox need from a mail server, whatever the protocol.

Each provider (Graph in ``providers/graph``, IMAP + SMTP in ``providers/imap``; Gmail later) implements
``MailProvider`` and turns its failures into the platform's groupware errors (``ProviderError`` and its
subclasses: ``NeedsReauthorisation``, ``Throttled`` with ``retry_after``, ``NotFound``, ``CursorExpired``,
``TransientError``, ``InvalidRequest``), so the importer, the mailbox API and the rules never see a
protocol's status codes or responses.

References: ``ref`` is the provider's stable id of a message in one folder of one mailbox. Graph: the
immutable id (``Prefer: IdType="ImmutableId"``, which survives moves). IMAP: the UID as text; UIDs are only
valid together with the cursor's UIDVALIDITY, which is why a UIDVALIDITY change answers a ``Remap``.

Cursors are plain JSON objects (``dict``) the importer stores with each batch and hands back unchanged.
Graph: ``{"delta_link": ...}`` (or ``{"next_link": ...}`` mid-round); IMAP: ``{"uidvalidity", "last_uid",
"highestmodseq"}``. ``None`` starts from the beginning of the folder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable

# ---- import folder -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RawMessage:
    """One message of the import folder, its MIME bytes exactly as the server gave them."""

    ref: str
    raw: bytes = field(repr=False)
    received_at: datetime | None = None


@dataclass(frozen=True)
class ImportBatch:
    """New messages since the cursor (oldest first where the protocol knows an order).

    ``removed``: refs the server says left the folder since the cursor (Graph delta ``@removed``; IMAP
    expunges are found by ``folder_refs`` instead). ``cursor`` already points past this batch: the importer
    stores it in the same transaction as the batch, so a crash resumes after the last stored batch.
    ``done``: nothing more to fetch in this round.
    """

    messages: tuple[RawMessage, ...]
    removed: frozenset[str]
    cursor: dict
    done: bool


@dataclass(frozen=True)
class RemapEntry:
    ref: str  # the message's new ref
    message_id: str | None  # the Message-ID header as sent (unfolded), None when missing
    size: int


@dataclass(frozen=True)
class Remap:
    """The folder's identity changed (IMAP UIDVALIDITY): every message it holds now, with its new ref.

    The importer rewrites stored refs by Message-ID (size as tie-breaker) instead of importing again and
    fetches only entries that match nothing with ``fetch``; then it stores ``cursor``.
    """

    entries: tuple[RemapEntry, ...]
    cursor: dict


@dataclass(frozen=True)
class FolderCount:
    """What the import folder holds right now, for progress and for the reconciliation check."""

    total: int
    refs: frozenset[str] | None = None  # every ref in the folder when asked for (reconciliation), else None


# ---- the CRM mailbox (Postfach) -------------------------------------------------------------------------


@dataclass(frozen=True)
class MailFolder:
    id: str  # Graph: folder id; IMAP: the folder's full name
    name: str
    parent_id: str | None
    total: int
    unread: int
    role: str | None = None  # inbox | sentitems | drafts | deleteditems | junkemail | archive, when known


@dataclass(frozen=True)
class Mailbox:
    """One address in a message summary."""

    email: str
    name: str = ""


@dataclass(frozen=True)
class MessageSummary:
    """A line of a folder listing; enough to show it and to test a filter rule against it."""

    ref: str
    folder_id: str
    subject: str
    sender: Mailbox | None
    to: tuple[Mailbox, ...]
    cc: tuple[Mailbox, ...]
    received_at: datetime | None
    unread: bool
    has_attachments: bool
    message_id: str | None = None


@dataclass(frozen=True)
class MessagePage:
    items: tuple[MessageSummary, ...]
    next_page_token: str | None  # opaque, None on the last page


# ---- filter rules on the server ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleConditions:
    """Conditions of a filter rule; all given ones must hold (AND), each list matches any of its entries (OR).

    Addresses and domains are compared case-insensitively; ``subject_contains`` case-insensitively as a
    substring; ``has_attachment`` None means "either".
    """

    sender_addresses: tuple[str, ...] = ()
    sender_domains: tuple[str, ...] = ()
    recipient_addresses: tuple[str, ...] = ()
    subject_contains: tuple[str, ...] = ()
    has_attachment: bool | None = None


# ---- the interface ---------------------------------------------------------------------------------------------


@runtime_checkable
class MailProvider(Protocol):
    """One account's mailbox. Opened with ``async with``; one instance serves one round or one API call."""

    #: True when the server runs filter rules itself (Graph messageRules); else the importer moves mail.
    server_rules: bool

    async def __aenter__(self) -> MailProvider: ...

    async def __aexit__(self, *exc_info) -> None: ...

    # import folder
    async def resolve_folder(self, name_or_id: str) -> MailFolder:
        """The folder by id, well-known name (``inbox``) or display path (``CRM/Import``); NotFound if none."""

    async def next_batch(self, folder_id: str, cursor: dict | None, batch_size: int) -> ImportBatch | Remap: ...

    async def fetch(self, folder_id: str, cursor: dict, refs: list[str]) -> tuple[RawMessage, ...]: ...

    async def count(self, folder_id: str, *, with_refs: bool = False) -> FolderCount: ...

    # mailbox
    async def folders(self) -> tuple[MailFolder, ...]: ...

    async def messages(self, folder_id: str, *, page_size: int, page_token: str | None = None) -> MessagePage: ...

    async def raw_message(self, folder_id: str, ref: str) -> bytes: ...

    async def move(self, source_folder_id: str, refs: list[str], target_folder_id: str) -> dict[str, str]:
        """Move messages; answers old ref → new ref (Graph immutable ids stay; IMAP gets new UIDs or '')."""

    async def send(self, raw: bytes, *, save_copy: bool = True) -> None:
        """Send a complete MIME message (its own From/To/Cc/Bcc, Message-ID and Date are used as given)."""

    # server-side rules (only when ``server_rules``)
    async def create_rule(self, name: str, conditions: RuleConditions, target_folder_id: str) -> str: ...

    async def update_rule(self, rule_id: str, name: str, conditions: RuleConditions, target_folder_id: str) -> None: ...

    async def delete_rule(self, rule_id: str) -> None: ...
