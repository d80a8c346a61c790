"""Protocol-faithful Microsoft Graph emulator (identity, calendar, throttling).

It stands in for ``login.microsoftonline.com`` and ``graph.microsoft.com`` in
Kontor's dev stack and tests: an HTTPS server with its own CA (``trustme``),
the token / OpenID discovery endpoints msal uses for client credentials (a
secret, or a client assertion signed with a certificate registered on the app:
certificates.py), the
Graph v1.0 calendar API (events, calendarView, delta, instances, extended
properties), the Graph v1.0 mail API (mail folders, messages as JSON and as ``$value``
MIME, attachments, message delta, move with REST and immutable ids, inbox
``messageRules``, ``sendMail`` in JSON and MIME: mail.py, mail_store.py,
mail_mime.py), per-mailbox throttling shared by both parts, and a control API
under ``/_control`` that plays the Outlook user (and, for mail, the mail server:
mail_control.py; test helpers in mail_testing.py).

Entry points: :class:`GraphEmulator` (start/stop/base_url/ca_path) and the
``kontor-emulator-graph`` console script.
"""

from kontor.emulators.graph.server import GraphEmulator

__all__ = ["GraphEmulator"]
