"""Sending mail by SMTP submission (docs/mail-import.md, "IMAP provider and SMTP").

``settings``: how to reach the submission server; ``envelope``: recipients from the headers and the Bcc
header taken out of the bytes; ``submit``: one SMTP transaction (stdlib smtplib), failures as ``errors``.
"""
