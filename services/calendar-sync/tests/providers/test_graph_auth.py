"""Graph auth through the calendar provider: refused secrets, revoked tokens and consent (TokenSource itself:
libs/platform/tests/test_graph_auth.py)."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from kontor.calendar_sync.providers.base import NeedsReauthorisation

from .conftest import make_provider


async def test_wrong_secret_needs_reauthorisation(emulator, tenant):
    p = make_provider(emulator, tenant, secret="not-the-secret")
    try:
        with pytest.raises(NeedsReauthorisation) as err:
            await p.get(tenant.upn, "AAMkAnything")
        assert err.value.code == "invalid_client"
        assert "not-the-secret" not in str(err.value)
    finally:
        await p.aclose()


async def test_revoked_tokens_get_one_fresh_token(emulator, tenant, provider, outlook):
    await provider.tokens.token()
    assert tenant.control.patch(f"/apps/{tenant.client_id}", json={"revokeTokens": True}).status_code == 204
    with provider.counting() as stats:
        listed = await provider.delta(tenant.upn, _window(), None)
    assert listed.upserts == [] and stats.outcomes == {"auth_error": 1, "ok": 1}
    assert provider.tokens.acquisitions == 2


async def test_disabled_app_or_revoked_consent_needs_reauthorisation(emulator, tenant, provider):
    await provider.tokens.token()
    tenant.control.patch(f"/apps/{tenant.client_id}", json={"disabled": True})
    with pytest.raises(NeedsReauthorisation) as err:  # 401 with the cached token, then the token endpoint refuses
        await provider.get(tenant.upn, "AAMkX")
    assert err.value.code == "unauthorized_client"
    tenant.control.patch(f"/apps/{tenant.client_id}", json={"disabled": False, "roles": ["User.Read.All"]})
    provider.tokens.invalidate()
    with pytest.raises(NeedsReauthorisation) as err:  # consent for calendars withdrawn: 403
        await provider.get(tenant.upn, "AAMkX")
    assert err.value.status == 403


def _window():
    from kontor.calendar_sync.providers.base import TimeWindow

    return TimeWindow(dt.datetime(2025, 1, 1, tzinfo=dt.UTC), dt.datetime(2025, 12, 31, tzinfo=dt.UTC))


async def test_concurrent_401s_fetch_one_new_token(emulator, tenant, provider, outlook):
    made = [outlook.create({"subject": f"e{i}", "start": {"dateTime": "2025-04-01T09:00:00", "timeZone": "UTC"},
                            "end": {"dateTime": "2025-04-01T10:00:00", "timeZone": "UTC"}}) for i in range(4)]
    await provider.tokens.token()
    tenant.control.patch(f"/apps/{tenant.client_id}", json={"revokeTokens": True})
    got = await asyncio.gather(*(provider.get(tenant.upn, m["id"]) for m in made))
    assert len(got) == 4 and provider.tokens.acquisitions == 2
