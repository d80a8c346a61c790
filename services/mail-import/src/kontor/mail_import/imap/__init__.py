"""IMAP import-folder watching (docs/mail-import.md, "IMAP").

``config``: how to reach an account; ``session``: one connection with errors mapped to ``errors``;
``reader``: incremental fetch, expunge detection and UIDVALIDITY remaps against a ``cursor.FolderCursor``;
``mover``: MOVE or COPY + \\Deleted + EXPUNGE into the import folder; ``aio``: the same, awaitable.
"""
