"""The account's folders: LIST for names, hierarchy and special-use flags (RFC 6154), STATUS for counts.

Folder ids are the folders' full names as the server spells them (imapclient decodes modified UTF-7).
Blocking functions on an open ``ImapSession``; the provider runs them in its worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass

from kontor.mail_import.imap.session import ImapSession, mapped_errors
from kontor.mail_import.providers.base import MailFolder

ROLE_BY_FLAG = {
    "\\SENT": "sentitems",
    "\\DRAFTS": "drafts",
    "\\TRASH": "deleteditems",
    "\\JUNK": "junkemail",
    "\\ARCHIVE": "archive",
}
_UNSELECTABLE = {"\\NOSELECT", "\\NONEXISTENT"}


@dataclass(frozen=True)
class ListedFolder:
    name: str  # full name, the folder's id
    delimiter: str | None  # the server's hierarchy delimiter; None for a flat namespace
    flags: frozenset[str]  # upper case, e.g. "\\SENT", "\\HASNOCHILDREN"

    @property
    def selectable(self) -> bool:
        return not (self.flags & _UNSELECTABLE)

    @property
    def role(self) -> str | None:
        if self.name.upper() == "INBOX":
            return "inbox"
        return next((ROLE_BY_FLAG[flag] for flag in sorted(self.flags) if flag in ROLE_BY_FLAG), None)

    @property
    def parent_id(self) -> str | None:
        if not self.delimiter or self.delimiter not in self.name:
            return None
        return self.name.rsplit(self.delimiter, 1)[0]

    @property
    def short_name(self) -> str:
        return self.name.rsplit(self.delimiter, 1)[-1] if self.delimiter else self.name


def _text(value: bytes | str | None) -> str | None:
    if value is None:
        return None
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def list_folders(session: ImapSession) -> list[ListedFolder]:
    with mapped_errors("LIST"):
        listed = session.client.list_folders()
    return [ListedFolder(name=_text(name), delimiter=_text(delimiter),
                         flags=frozenset(_text(flag).upper() for flag in flags))
            for flags, delimiter, name in listed]


def find_folder(listed: list[ListedFolder], name_or_id: str) -> ListedFolder | None:
    """By full name; "inbox" in any case; "A/B" with the server's delimiter; else by role (``sentitems``)."""
    if name_or_id.upper() == "INBOX":
        return next((f for f in listed if f.name.upper() == "INBOX"), None)
    for folder in listed:
        if folder.name == name_or_id:
            return folder
    for folder in listed:
        if folder.delimiter and "/" in name_or_id and folder.name == name_or_id.replace("/", folder.delimiter):
            return folder
    return next((f for f in listed if f.role == name_or_id.lower() and f.selectable), None)


def with_counts(session: ImapSession, folder: ListedFolder) -> MailFolder:
    total = unread = 0
    if folder.selectable:
        with mapped_errors(f"STATUS {folder.name}"):
            status = session.client.folder_status(folder.name, ["MESSAGES", "UNSEEN"])
        total, unread = int(status.get(b"MESSAGES", 0)), int(status.get(b"UNSEEN", 0))
    return MailFolder(id=folder.name, name=folder.short_name, parent_id=folder.parent_id, total=total,
                      unread=unread, role=folder.role)
