"""The CRM mailbox tests' settings. The servers are tests/conftest.py's: PostgreSQL, pymap (IMAP), aiosmtpd (SMTP,
the IMAP user's login) and the Graph emulator (HTTPS); contacts and calendar-sync are the real services of
tests/real_services.py, through mailbox/real_world.py.

Accounts are stored as the accounts API stores them (row + sealed credential), and the servicer opens them with
the production ``provider_opener``, so the path from account to provider is the real one.
"""

from __future__ import annotations

import pytest

from kontor.mail_import.settings import MailImportSettings

MESSAGE_ID_KEY = "mailbox-test-message-id-key-0123456789"
MESSAGE_ID_DOMAIN = "crm.example"
ATTACHMENT_LIMIT = 2000  # bytes: small, so the limit is easy to cross in a test


@pytest.fixture
def settings(settings_for) -> MailImportSettings:
    return settings_for(message_id_key=MESSAGE_ID_KEY, message_id_domain=MESSAGE_ID_DOMAIN,
                        attachment_max_bytes=ATTACHMENT_LIMIT)
