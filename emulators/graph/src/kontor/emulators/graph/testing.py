"""Helpers for tests that drive the emulator (this package's and calendar-sync's).

``new_tenant(emulator)`` registers a tenant, an app and a mailbox through the
control API over HTTPS and returns a :class:`TenantHandle` that gets msal
tokens and Graph clients for it.

msal's ``verify=`` is not enough where ``REQUESTS_CA_BUNDLE`` is set: requests
lets the environment's bundle override a session's ``verify``
(https://github.com/psf/requests/issues/3829), so :func:`msal_session` hands
msal a ``requests.Session`` that ignores the environment (msal's
``http_client`` parameter:
https://learn.microsoft.com/python/api/msal/msal.application.clientapplication).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx

GRAPH_SCOPE = ["https://graph.microsoft.com/.default"]


def msal_session(ca_path: str):
    import requests

    session = requests.Session()
    session.verify = ca_path
    session.trust_env = False
    return session


def event_body(subject: str, start: str, end: str, tz: str = "UTC", **extra) -> dict:
    return {"subject": subject, "start": {"dateTime": start, "timeZone": tz}, "end": {"dateTime": end, "timeZone": tz}, **extra}


@dataclass
class TenantHandle:
    emulator: object
    control: httpx.Client
    tenant_id: str
    domain: str
    client_id: str
    secret: str
    upn: str
    mailbox_id: str

    def msal_app(self, secret: str | None = None, authority: str | None = None):
        import msal

        return msal.ConfidentialClientApplication(
            self.client_id,
            client_credential=secret or self.secret,
            authority=authority or self.emulator.authority(self.tenant_id),
            http_client=msal_session(self.emulator.ca_path),
            instance_discovery=False,
        )

    def token(self, secret: str | None = None) -> dict:
        return self.msal_app(secret).acquire_token_for_client(GRAPH_SCOPE)

    def graph(self, upn: str | None = None) -> httpx.Client:
        token = self.token()["access_token"]
        return httpx.Client(base_url=f"{self.emulator.base_url}/v1.0/users/{upn or self.upn}", verify=self.emulator.ssl_context(),
                            headers={"Authorization": f"Bearer {token}"}, timeout=30)

    def add_mailbox(self, upn: str, **extra) -> dict:
        r = self.control.post(f"/tenants/{self.tenant_id}/mailboxes", json={"userPrincipalName": upn, **extra})
        r.raise_for_status()
        return r.json()


def new_tenant(emulator, *, user: str = "anna", roles: list[str] | None = None) -> TenantHandle:
    control = httpx.Client(base_url=emulator.control_url, verify=emulator.ssl_context(), timeout=30)
    domain = f"t{uuid.uuid4().hex[:8]}.onmicrosoft.com"
    t = control.post("/tenants", json={"domain": domain}).json()
    body = {"displayName": "Kontor CRM"} | ({"roles": roles} if roles else {})
    app = control.post(f"/tenants/{t['id']}/apps", json=body).json()
    upn = f"{user}@{domain}"
    mb = control.post(f"/tenants/{t['id']}/mailboxes", json={"userPrincipalName": upn, "displayName": user.title()}).json()
    return TenantHandle(emulator, control, t["id"], domain, app["clientId"], app["secret"], upn, mb["id"])
