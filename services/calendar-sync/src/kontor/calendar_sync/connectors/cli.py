"""``kontor-calendar-sync reseal-credentials``: re-encrypt every stored credential with the newest key.

Key rotation: put a new key first in KONTOR_CALENDAR_SYNC_SECRET_KEYS (keep the old ones after it), roll
the service, run this command, then drop the old keys. The work is kontor.platform.reseal's; unreadable
values are reported by server id (those servers need their credentials entered again).
"""

from __future__ import annotations

from kontor.platform.reseal import SealedCredentials

from kontor.calendar_sync.connectors.models import ConnectorTenant, ServerCredential
from kontor.calendar_sync.connectors.service import CREDENTIAL_PURPOSE

CREDENTIALS = SealedCredentials(tenants=ConnectorTenant.tenant_id, rows=ServerCredential,
                                record_id="server_id", purpose=CREDENTIAL_PURPOSE)
RESEAL = CREDENTIALS.command(help="re-encrypt every stored groupware credential with the newest of SECRET_KEYS")
# reseal_all(db, box, *, tenant_ids=None) -> {"resealed": n, "current": n, "unreadable": [server ids]}
reseal_all = CREDENTIALS.reseal_all
