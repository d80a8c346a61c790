"""Key rotation never invalidates a token before it expires, and keys leave the JWKS eventually."""

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings, strategies as st

from kontor.gateway.identity.keys.schedule import KeyTimes, published, signing_key

T0 = datetime(2026, 1, 1, tzinfo=UTC)
TTL = timedelta(minutes=15, seconds=30)
LAG = timedelta(seconds=10)


def _keys(offsets_s: list[int]) -> list[KeyTimes]:
    """A bootstrap key plus one rotation per offset (seconds after T0, in any order)."""
    return [KeyTimes("k0", datetime(1970, 1, 1, tzinfo=UTC))] + [
        KeyTimes(f"k{i + 1}", T0 + timedelta(seconds=s)) for i, s in enumerate(offsets_s)]


rotations = st.lists(st.integers(min_value=0, max_value=7200), max_size=6)
moments = st.integers(min_value=-60, max_value=9000)


@settings(max_examples=300)
@given(rotations, moments, st.integers(min_value=0, max_value=int(TTL.total_seconds())))
def test_the_key_of_a_token_is_published_for_its_whole_life(offsets, signed_at_s, age_s):
    keys = _keys(offsets)
    signed_at = T0 + timedelta(seconds=signed_at_s)
    # A replica that has not reloaded yet may still sign with the key that was current LAG ago.
    signers = {signing_key(keys, signed_at).kid, signing_key(keys, signed_at - LAG).kid}
    later = signed_at + timedelta(seconds=age_s)
    kids = {k.kid for k in published(keys, later, token_ttl=TTL, reload_lag=LAG)}
    assert signers <= kids


@given(rotations, moments)
def test_a_key_is_published_before_it_signs(offsets, now_s):
    keys = _keys(offsets)
    now = T0 + timedelta(seconds=now_s)
    kids = {k.kid for k in published(keys, now, token_ttl=TTL, reload_lag=LAG)}
    assert {k.kid for k in keys if k.activates_at > now} <= kids
    assert signing_key(keys, now).kid in kids


@given(rotations)
def test_superseded_keys_leave_the_jwks_once_their_tokens_expired(offsets):
    keys = _keys(offsets)
    much_later = T0 + timedelta(seconds=max(offsets, default=0)) + LAG + TTL + timedelta(seconds=1)
    assert [k.kid for k in published(keys, much_later, token_ttl=TTL, reload_lag=LAG)] == [
        signing_key(keys, much_later).kid]


def test_a_long_lived_operator_token_keeps_its_key_published():
    keys = [KeyTimes("old", T0, tokens_valid_until=T0 + timedelta(hours=12)), KeyTimes("new", T0 + timedelta(hours=1))]
    at = T0 + timedelta(hours=11)
    assert {k.kid for k in published(keys, at, token_ttl=TTL, reload_lag=LAG)} == {"old", "new"}
    assert {k.kid for k in published(keys, at + timedelta(hours=2), token_ttl=TTL, reload_lag=LAG)} == {"new"}


def test_the_newest_active_key_signs():
    keys = [KeyTimes("a", T0), KeyTimes("b", T0 + timedelta(minutes=1)), KeyTimes("c", T0 + timedelta(minutes=5))]
    assert signing_key(keys, T0 + timedelta(minutes=2)).kid == "b"
    assert [k.kid for k in published(keys, T0 + timedelta(minutes=2), token_ttl=TTL, reload_lag=LAG)] == [
        "c", "b", "a"]
