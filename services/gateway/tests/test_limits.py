"""Login throttling and API rate limits against a real redis-server."""

import asyncio
import uuid

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from kontor.gateway.edge.limits import ApiRateLimiter, LimitExceeded
from kontor.gateway.identity.throttle import LoginThrottle, account_key
from kontor.gateway.settings import GatewaySettings
from kontor.platform.auth import Principal


def _settings(**values) -> GatewaySettings:
    return GatewaySettings(database_url="postgresql+asyncpg://u:p@h/db", nats_url="nats://h:1",
                           signing_key_file="unused.pem", contacts_addr="h:1", billing_addr="h:2",
                           calendar_sync_addr="h:3", mail_import_addr="h:4", **values)


async def _attempts(throttle: LoginThrottle, n: int, *, email: str = "anna@muster.de", address: str = "10.0.0.1"):
    outcomes = []
    for _ in range(n):
        try:
            await throttle.attempt(tenant_slug="muster", email=email, address=address)
            outcomes.append("checked")
        except LimitExceeded as exc:
            outcomes.append(exc.retry_after_s)
    return outcomes


async def test_an_account_is_throttled_after_n_failures_and_told_when_to_retry(redis):
    throttle = LoginThrottle(redis, _settings(login_max_failures_per_account=3, login_failure_window_s=600))
    outcomes = await _attempts(throttle, 5)
    assert outcomes[:3] == ["checked"] * 3
    assert all(isinstance(o, int) and 590 <= o <= 600 for o in outcomes[3:])


async def test_every_address_is_throttled_across_accounts(redis):
    throttle = LoginThrottle(redis, _settings(login_max_failures_per_ip=4, login_max_failures_per_account=100))
    outcomes = [(await _attempts(throttle, 1, email=f"u{i}@x.de", address="10.9.9.9"))[0] for i in range(6)]
    assert outcomes[:4] == ["checked"] * 4 and all(isinstance(o, int) for o in outcomes[4:])
    assert await _attempts(throttle, 1, email="u0@x.de", address="10.9.9.10") == ["checked"]


async def test_a_correct_password_clears_the_account(redis):
    throttle = LoginThrottle(redis, _settings(login_max_failures_per_account=2))
    await _attempts(throttle, 2)
    await throttle.succeeded(tenant_slug="muster", email="anna@muster.de", address="10.0.0.1")
    assert await _attempts(throttle, 2) == ["checked", "checked"]


async def test_parallel_guesses_cannot_slip_past_the_limit(redis):
    throttle = LoginThrottle(redis, _settings(login_max_failures_per_account=5))
    results = await asyncio.gather(*(_attempts(throttle, 1) for _ in range(40)))
    assert sum(r == ["checked"] for r in results) == 5


@given(email=st.emails())
@hsettings(max_examples=50, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_account_key_ignores_case_and_reveals_no_email(email):
    assert account_key("Muster", email.upper()) == account_key("muster", f" {email.lower()} ")
    key = account_key("muster", email)
    assert len(key) == 64 and set(key) <= set("0123456789abcdef")  # a digest, not the address


def _principal(tenant: uuid.UUID, subject: str) -> Principal:
    return Principal(subject=subject, tenant_id=tenant, roles=("sales_rep",))


async def _admitted(limiter: ApiRateLimiter, principal: Principal | None, n: int, address: str = "10.1.1.1"):
    admitted = 0
    for _ in range(n):
        try:
            await limiter.admit(principal, address)
            admitted += 1
        except LimitExceeded as exc:
            assert 1 <= exc.retry_after_s <= 60
    return admitted


async def test_each_user_has_their_own_limit(redis):
    limiter = ApiRateLimiter(redis, _settings(rate_limit_per_user=5, rate_limit_per_tenant=1000))
    tenant = uuid.uuid4()
    assert await _admitted(limiter, _principal(tenant, "anna"), 8) == 5
    assert await _admitted(limiter, _principal(tenant, "ben"), 3) == 3


async def test_a_tenant_limit_caps_all_its_users_together(redis):
    limiter = ApiRateLimiter(redis, _settings(rate_limit_per_user=100, rate_limit_per_tenant=6))
    tenant, other = uuid.uuid4(), uuid.uuid4()
    assert sum([await _admitted(limiter, _principal(tenant, u), 3) for u in ("a", "b", "c")]) == 6
    assert await _admitted(limiter, _principal(other, "a"), 3) == 3


async def test_anonymous_calls_count_per_address(redis):
    limiter = ApiRateLimiter(redis, _settings(rate_limit_per_user=2))
    assert await _admitted(limiter, None, 4, address="10.2.2.2") == 2
    assert await _admitted(limiter, None, 1, address="10.2.2.3") == 1


@pytest.mark.parametrize("window", [1])
async def test_a_window_ends_and_the_limit_resets(redis, window):
    limiter = ApiRateLimiter(redis, _settings(rate_limit_per_user=1, rate_limit_window_s=window))
    principal = _principal(uuid.uuid4(), "anna")
    assert await _admitted(limiter, principal, 2) == 1
    await asyncio.sleep(window + 0.1)
    assert await _admitted(limiter, principal, 1) == 1


async def test_taking_back_after_the_window_ended_leaves_no_counter_behind(redis):
    throttle = LoginThrottle(redis, _settings(login_max_failures_per_account=1, login_failure_window_s=1))
    await _attempts(throttle, 1)
    await asyncio.sleep(1.1)
    await throttle.take_back(tenant_slug="muster", email="anna@muster.de", address="10.0.0.1")
    assert await redis.keys("kontor:gateway:login:*") == []
    assert await _attempts(throttle, 2) == ["checked", 1]
