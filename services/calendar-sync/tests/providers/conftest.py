"""Fixtures: the real Graph emulator over HTTPS (one per session), a fresh tenant / app / mailbox and a provider per test."""

from __future__ import annotations

import pytest

from kontor.calendar_sync.providers.graph import GraphCredentials, GraphProvider, LimitPolicy
from kontor.emulators.graph import GraphEmulator
from kontor.emulators.graph.testing import new_tenant

ORIGIN = "kontor-tenant-1"
FAST = LimitPolicy(backoff_base=0.05, backoff_cap=0.2, max_wait=5.0)


@pytest.fixture(scope="session")
def emulator():
    emu = GraphEmulator()
    emu.start()
    yield emu
    emu.close()


@pytest.fixture
def tenant(emulator):
    handle = new_tenant(emulator)
    yield handle
    handle.control.close()


def make_provider(emulator, tenant, *, secret: str | None = None, policy: LimitPolicy = FAST, page_size: int = 1000,
                  transport=None, limits=None) -> GraphProvider:
    creds = GraphCredentials(tenant_id=tenant.tenant_id, client_id=tenant.client_id, client_secret=secret or tenant.secret)
    return GraphProvider(creds, origin=ORIGIN, base_url=f"{emulator.base_url}/v1.0", authority=emulator.authority(tenant.tenant_id),
                         ca_path=emulator.ca_path, policy=policy, page_size=page_size, transport=transport,
                         limits=limits)


@pytest.fixture
async def provider(emulator, tenant):
    p = make_provider(emulator, tenant)
    yield p
    await p.aclose()


class Outlook:
    """The Outlook user, through the emulator's control API."""

    def __init__(self, tenant) -> None:
        self.t = tenant
        self.c = tenant.control

    def create(self, body: dict, upn: str | None = None) -> dict:
        r = self.c.post(f"/mailboxes/{upn or self.t.upn}/events", json=body)
        assert r.status_code == 201, r.text
        return r.json()

    def patch(self, event_id: str, body: dict) -> dict:
        r = self.c.patch(f"/mailboxes/{self.t.upn}/events/{event_id}", json=body)
        assert r.status_code == 200, r.text
        return r.json()

    def delete(self, event_id: str) -> None:
        r = self.c.delete(f"/mailboxes/{self.t.upn}/events/{event_id}")
        assert r.status_code == 204, r.text

    def events(self) -> list[dict]:
        return self.c.get(f"/mailboxes/{self.t.upn}/events").json()["value"]

    def throttle(self, **policy) -> None:
        r = self.c.put(f"/mailboxes/{self.t.upn}/throttle", json=policy)
        assert r.status_code == 204, r.text

    def stats(self) -> dict:
        return self.c.get(f"/mailboxes/{self.t.upn}/stats").json()

    def expire_delta(self) -> None:
        assert self.c.post(f"/mailboxes/{self.t.upn}/delta/expire", json={}).status_code == 200

    def sent(self) -> list[dict]:
        return self.c.get(f"/mailboxes/{self.t.upn}/sent").json()["value"]


@pytest.fixture
def outlook(tenant) -> Outlook:
    return Outlook(tenant)
