"""``kontor-mail-import reseal-credentials``: re-encrypt every stored mail account credential with the newest key.

Key rotation: put a new key first in KONTOR_MAIL_IMPORT_SECRET_KEYS (keep the old ones after it), roll the
service, run this command, then drop the old keys. The work is kontor.platform.reseal's; unreadable values
are reported by account id (those accounts need their credentials entered again).
"""

from __future__ import annotations

from kontor.platform.reseal import SealedCredentials

from kontor.mail_import.accounts.connect import CREDENTIAL_PURPOSE
from kontor.mail_import.accounts.models import AccountCredential, MailTenant

CREDENTIALS = SealedCredentials(tenants=MailTenant.tenant_id, rows=AccountCredential,
                                record_id="account_id", purpose=CREDENTIAL_PURPOSE)
RESEAL = CREDENTIALS.command(help="re-encrypt every stored mail account credential with the newest of SECRET_KEYS")
# reseal_all(db, box, *, tenant_ids=None) -> {"resealed": n, "current": n, "unreadable": [account ids]}
reseal_all = CREDENTIALS.reseal_all
