"""The copy of a sent message in the account's Sent folder (APPEND, flagged \\Seen).

Which folder: the configured one, else the folder the server marks ``\\Sent`` (RFC 6154), else "Sent";
created when missing, as mail clients do.
"""

from __future__ import annotations

from imapclient import SEEN

from kontor.mail_import.imap.session import ImapSession, mapped_errors
from kontor.mail_import.providers.imap.folders import list_folders

DEFAULT_SENT_FOLDER = "Sent"


def sent_folder(session: ImapSession, configured: str = "") -> str:
    listed = list_folders(session)
    name = configured or next((f.name for f in listed if "\\SENT" in f.flags), DEFAULT_SENT_FOLDER)
    if not any(f.name == name for f in listed):
        with mapped_errors(f"CREATE {name}"):
            session.client.create_folder(name)
    return name


def append_sent(session: ImapSession, folder: str, message: bytes) -> None:
    with mapped_errors(f"APPEND {folder}"):
        session.client.append(folder, message, flags=[SEEN])
