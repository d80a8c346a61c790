"""The running gateway's view of its signing keys: signs with the current one, publishes the JWKS.

Keys live in the database so every replica and the CLI share them; the ring
rereads them every SIGNING_KEY_RELOAD_S, which is how a key added by
`kontor-gateway rotate-signing-key` reaches running replicas.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from cryptography.fernet import MultiFernet

from kontor.platform.auth import TokenIssuer
from kontor.platform.db import Database

from kontor.gateway.identity.keys import crypto, schedule, service
from kontor.gateway.settings import GatewaySettings

log = logging.getLogger(__name__)

# Verifiers accept tokens this long past `exp` (TokenVerifier's leeway); keep keys published that much longer.
VERIFIER_LEEWAY = timedelta(seconds=30)


class KeyRing:
    def __init__(self, db: Database, settings: GatewaySettings, cipher: MultiFernet):
        self._db = db
        self._settings = settings
        self._cipher = cipher
        self._issuers: dict[str, TokenIssuer] = {}
        self._times: list[schedule.KeyTimes] = []
        self.token_ttl = timedelta(seconds=settings.access_token_ttl_s) + VERIFIER_LEEWAY
        self.reload_lag = timedelta(seconds=settings.signing_key_reload_s)

    @classmethod
    async def open(cls, db: Database, settings: GatewaySettings) -> KeyRing:
        """Load the keys, storing the bootstrap key from SIGNING_KEY_FILE first if there are none."""
        bootstrap = crypto.load_bootstrap_key(settings.signing_key_file)
        ring = cls(db, settings, crypto.key_cipher(settings, bootstrap))
        async with db.unit_of_work(None) as session:
            await service.ensure_bootstrap_key(session, key=bootstrap, cipher=ring._cipher)
        await ring.reload()
        return ring

    @property
    def cipher(self) -> MultiFernet:
        return self._cipher

    async def reload(self) -> None:
        async with self._db.unit_of_work(None) as session:
            rows = await service.all_keys(session)
        for row in rows:
            if row.kid not in self._issuers:
                self._issuers[row.kid] = TokenIssuer(crypto.unseal(self._cipher, row.private_key),
                                                     issuer=self._settings.token_issuer,
                                                     audience=self._settings.token_audience)
        self._times = [service.times(row) for row in rows]

    async def reload_forever(self, then: Callable[[], None] = lambda: None) -> None:
        while True:
            await asyncio.sleep(self._settings.signing_key_reload_s)
            try:
                await self.reload()
                then()
            except Exception as exc:  # noqa: BLE001 - keep signing with the keys we have
                log.warning("cannot reload signing keys", extra={"error": type(exc).__name__})

    def current(self, now: datetime | None = None) -> TokenIssuer:
        return self._issuers[schedule.signing_key(self._times, now or datetime.now(UTC)).kid]

    def issue(self, *, subject: str, tenant_id: uuid.UUID, roles: list[str], ttl_s: int | None = None,
              actor: str | None = None) -> str:
        return self.current().issue(subject=subject, tenant_id=tenant_id, roles=roles,
                                    ttl_s=ttl_s or self._settings.access_token_ttl_s, actor=actor)

    def jwks(self, now: datetime | None = None) -> dict:
        keys = schedule.published(self._times, now or datetime.now(UTC), token_ttl=self.token_ttl,
                                  reload_lag=self.reload_lag)
        return {"keys": [self._issuers[k.kid].jwks()["keys"][0] for k in keys]}


@contextlib.asynccontextmanager
async def opened(settings: GatewaySettings):
    """A key ring with its own database connection, for the CLI commands."""
    db = Database(settings.database_url.get_secret_value(), pool_size=1)
    try:
        yield db, await KeyRing.open(db, settings)
    finally:
        await db.dispose()
