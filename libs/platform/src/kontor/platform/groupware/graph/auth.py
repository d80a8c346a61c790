"""App-only tokens for Graph with msal (client credentials: secret or certificate).

https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow;
msal's ``ConfidentialClientApplication``
(https://learn.microsoft.com/python/api/msal/msal.application.confidentialclientapplication)
keeps the token in its in-memory cache. msal is synchronous, so every call to
it runs in a worker thread; we keep the token and its expiry ourselves too,
so the hot path never leaves the event loop, and ask msal again
``refresh_margin`` seconds before expiry (msal would hand back the cached token
until shortly before; ``remove_tokens_for_client`` forces a new one after a 401).

Errors (AADSTS codes, https://learn.microsoft.com/entra/identity-platform/reference-error-codes):
``invalid_client`` (wrong/expired secret or certificate), ``unauthorized_client``
(unknown or disabled app, consent revoked), ``invalid_tenant`` / unknown
authority, ``invalid_scope`` → :class:`NeedsReauthorisation`; anything else
(network, ``temporarily_unavailable``) → :class:`TransientError`. Only the
error code and AADSTS numbers are logged.

For the emulator (and any private authority), pass ``authority`` and
``ca_path``: msal then gets ``instance_discovery=False`` and a
``requests.Session`` with ``verify=ca_path`` and ``trust_env=False``
(requests would let ``REQUESTS_CA_BUNDLE`` override ``verify``).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
import time
from dataclasses import dataclass, field

from kontor.platform.groupware.errors import NeedsReauthorisation, TransientError

log = logging.getLogger("kontor.platform.groupware.graph")

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
PUBLIC_AUTHORITY = "https://login.microsoftonline.com"
_REAUTH_ERRORS = {"invalid_client", "unauthorized_client", "invalid_tenant", "invalid_scope", "invalid_grant",
                  "invalid_request", "access_denied"}


@dataclass(frozen=True)
class GraphCredentials:
    """An app registration. Give ``client_secret`` or ``certificate_pem`` + ``private_key_pem``."""

    tenant_id: str
    client_id: str
    client_secret: str | None = field(default=None, repr=False)
    certificate_pem: str | None = None
    private_key_pem: str | None = field(default=None, repr=False)

    def msal_credential(self) -> str | dict:
        if self.client_secret:
            return self.client_secret
        if self.certificate_pem and self.private_key_pem:
            from cryptography import x509
            from cryptography.hazmat.primitives import hashes

            cert = x509.load_pem_x509_certificate(self.certificate_pem.encode())
            return {"private_key": self.private_key_pem, "thumbprint": cert.fingerprint(hashes.SHA1()).hex(),
                    "public_certificate": self.certificate_pem}
        raise NeedsReauthorisation("credentials have neither a secret nor a certificate", code="no_credential")


# One msal application per (authority, app registration, credential) for the whole process. msal keeps its
# token cache (and what it discovered about the authority) in the application object, and advises keeping
# that object alive: a provider made for the next round then reuses a valid token instead of asking the
# token endpoint again. A refused credential drops its application, so the next attempt starts afresh.
_APPS: dict[tuple, object] = {}
_APPS_LOCK = threading.Lock()


class TokenSource:
    def __init__(self, credentials: GraphCredentials, *, authority: str | None = None, ca_path: str | None = None,
                 scope: str = GRAPH_SCOPE, refresh_margin: float = 300.0, timeout: float = 30.0) -> None:
        self.credentials = credentials
        self.authority = authority or f"{PUBLIC_AUTHORITY}/{credentials.tenant_id}"
        self.ca_path = ca_path
        self.scope = scope
        self.refresh_margin = refresh_margin
        self.timeout = timeout
        self._app = None
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()
        self.acquisitions = 0  # tokens fetched from msal (for tests and metrics)
        self.fetched = 0  # of those, how many msal had to ask the token endpoint for (not from its cache)

    def _build(self):
        import msal
        import requests

        session = requests.Session()
        if self.ca_path:  # requests would let REQUESTS_CA_BUNDLE override verify; keep proxies etc. otherwise
            session.trust_env = False
            session.verify = self.ca_path
        return msal.ConfidentialClientApplication(
            self.credentials.client_id,
            client_credential=self.credentials.msal_credential(),
            authority=self.authority,
            http_client=session,
            instance_discovery=None if self.authority.startswith(PUBLIC_AUTHORITY) else False,
            timeout=self.timeout,
        )

    def _key(self) -> tuple:
        credential = hashlib.sha256(repr(self.credentials.msal_credential()).encode()).hexdigest()
        return (self.authority, self.credentials.client_id, credential, self.ca_path, self.timeout)

    def _shared_app(self):
        key = self._key()
        with _APPS_LOCK:
            app = _APPS.get(key)
        if app is None:
            app = self._build()
            with _APPS_LOCK:
                app = _APPS.setdefault(key, app)
        return app

    def _forget_app(self) -> None:
        if self._app is not None:
            with _APPS_LOCK:
                for key in [k for k, app in _APPS.items() if app is self._app]:
                    del _APPS[key]
        self._app = None

    def _acquire_sync(self, force: bool) -> dict:
        import requests

        try:
            if self._app is None:
                self._app = self._shared_app()
            if force:
                self._app.remove_tokens_for_client()
            return self._app.acquire_token_for_client([self.scope])
        except ValueError as exc:  # msal: unknown tenant / authority during discovery
            self._forget_app()
            return {"error": "invalid_tenant", "error_description": type(exc).__name__}
        except requests.RequestException as exc:
            self._forget_app()
            return {"error": "network", "error_description": type(exc).__name__}

    async def token(self, *, force: bool = False, failed: str | None = None) -> str:
        """The current token; ``force`` gets a new one unless another caller already replaced ``failed``."""
        async with self._lock:
            fresh = self._token and time.monotonic() < self._expires_at - self.refresh_margin
            if fresh and (not force or (failed is not None and failed != self._token)):
                return self._token  # type: ignore[return-value]
            result = await asyncio.to_thread(self._acquire_sync, force)
            if "access_token" not in result:
                self._forget_app()  # msal replays refused answers for a while; a fixed credential must be tried afresh
                error = str(result.get("error") or "unknown")
                codes = result.get("error_codes") or []
                log.warning("graph token refused", extra={"error": error, "aadsts": codes,
                                                          "client_id": self.credentials.client_id})
                if error in _REAUTH_ERRORS:
                    raise NeedsReauthorisation(f"token refused: {error} {codes}", code=error)
                raise TransientError(f"token endpoint failed: {error}", code=error)
            self.acquisitions += 1
            self.fetched += result.get("token_source") != "cache"
            self._token = result["access_token"]
            self._expires_at = time.monotonic() + float(result.get("expires_in") or 3600)
            return self._token

    def invalidate(self) -> None:
        self._token = None
        self._expires_at = 0.0
