"""Fixtures: a ``GraphMailProvider`` per test for tests/conftest.py's ``graph_tenant`` (a fresh tenant / app /
mailbox with mail rights on the session's Graph emulator over real HTTPS), and the Outlook side through the
emulator's control API."""

from __future__ import annotations

import pytest

from kontor.emulators.graph.mail_testing import deliver, make_mime
from kontor.mail_import.providers.graph import GraphMailProvider
from kontor.platform.groupware.graph import GraphCredentials, LimitPolicy

FAST = LimitPolicy(backoff_base=0.05, backoff_cap=0.2, max_wait=5.0)


def make_provider(emulator, handle, *, policy: LimitPolicy = FAST, mailbox: str | None = None) -> GraphMailProvider:
    creds = GraphCredentials(tenant_id=handle.tenant_id, client_id=handle.client_id, client_secret=handle.secret)
    return GraphMailProvider.connect(creds, mailbox or handle.upn, base_url=f"{emulator.base_url}/v1.0",
                                     authority=emulator.authority(handle.tenant_id), ca_path=emulator.ca_path,
                                     policy=policy)


@pytest.fixture
def provider_with(emulator, graph_tenant):
    """``provider_with(policy=...)``: a provider with other limits (close it with ``async with``)."""
    return lambda **kw: make_provider(emulator, graph_tenant, **kw)


@pytest.fixture
async def provider(emulator, graph_tenant):
    async with make_provider(emulator, graph_tenant) as p:
        yield p


class Outlook:
    """The mail server and the Outlook user, through the emulator's control API."""

    def __init__(self, handle) -> None:
        self.h = handle
        self.c = handle.control
        self.base = f"/mailboxes/{handle.upn}/mail"

    def deliver(self, folder: str = "inbox", **mime) -> dict:
        return deliver(self.h, make_mime(to=self.h.upn, **mime), folder=folder)

    def folder(self, name: str, parent: str | None = None) -> dict:
        r = self.c.post(f"{self.base}/folders", json={"displayName": name, **({"parent": parent} if parent else {})})
        assert r.status_code == 201, r.text
        return r.json()

    def folders(self) -> list[dict]:
        return self.c.get(f"{self.base}/folders").json()["value"]

    def messages(self, folder: str | None = None) -> list[dict]:
        return self.c.get(f"{self.base}/messages", params={"folder": folder} if folder else None).json()["value"]

    def move(self, message_id: str, destination: str) -> dict:
        r = self.c.post(f"{self.base}/messages/{message_id}/move", json={"destination": destination})
        assert r.status_code == 200, r.text
        return r.json()

    def mark_read(self, message_id: str) -> None:
        assert self.c.patch(f"{self.base}/messages/{message_id}", json={"isRead": True}).status_code == 200

    def expire_delta(self) -> None:
        assert self.c.post(f"{self.base}/delta/expire", json={}).status_code == 200

    def sent(self) -> list[dict]:
        return self.c.get(f"{self.base}/sent").json()["value"]

    def throttle(self, **policy) -> None:
        r = self.c.put(f"/mailboxes/{self.h.upn}/throttle", json=policy)
        assert r.status_code == 204, r.text


@pytest.fixture
def outlook(graph_tenant) -> Outlook:
    return Outlook(graph_tenant)
