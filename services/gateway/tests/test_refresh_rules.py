import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hypothesis import given, strategies as st

from kontor.gateway.identity.sessions.rules import Verdict, digest, judge, new_token, tenant_of

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


@dataclass
class Stored:
    expires_at: datetime
    used_at: datetime | None = None
    revoked_at: datetime | None = None


optional_moment = st.none() | st.integers(-10**6, 10**6).map(lambda s: NOW + timedelta(seconds=s))


@given(expires_in=st.integers(-10**6, 10**6), used=optional_moment, revoked=optional_moment)
def test_only_an_unused_unrevoked_unexpired_token_is_valid(expires_in, used, revoked):
    verdict = judge(Stored(NOW + timedelta(seconds=expires_in), used, revoked), NOW)
    assert (verdict is Verdict.VALID) == (expires_in > 0 and used is None and revoked is None)
    # A used token presented again is reuse, even once expired: its family must end.
    if used is not None and revoked is None:
        assert verdict is Verdict.REUSED
    if revoked is not None:
        assert verdict is Verdict.REVOKED


def test_an_unknown_token_is_unknown():
    assert judge(None, NOW) is Verdict.UNKNOWN


@given(st.uuids())
def test_a_token_names_its_tenant_and_is_never_issued_twice(tenant):
    first, second = new_token(tenant), new_token(tenant)
    assert tenant_of(first) == tenant_of(second) == tenant
    assert first != second and digest(first) != digest(second)
    assert len(first.partition(".")[2]) >= 43  # 256 random bits


def test_malformed_tokens_name_no_tenant():
    assert tenant_of("no-dot") is None
    assert tenant_of(f"{uuid.uuid4()}.") is None
    assert tenant_of("not-a-uuid.secret") is None
