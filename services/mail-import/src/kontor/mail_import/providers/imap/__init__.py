"""``MailProvider`` for IMAP accounts (reading, moving, listing) with SMTP submission for sending.

``provider``: ``ImapMailProvider``; ``errors``: IMAP/SMTP failures as groupware errors; ``refs``: cursors,
refs and page tokens; ``folders``: LIST/STATUS and special-use roles; ``summaries``: listing lines from
ENVELOPE and BODYSTRUCTURE; ``sent``: the copy in the Sent folder.
"""

from kontor.mail_import.providers.imap.provider import ImapMailProvider

__all__ = ["ImapMailProvider"]
