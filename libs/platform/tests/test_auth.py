import time
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kontor.platform.auth import TokenIssuer, TokenVerifier, bearer_token
from kontor.platform.errors import Unauthenticated


def _pair(**issuer_kwargs):
    issuer = TokenIssuer(Ed25519PrivateKey.generate(), issuer="kontor-gateway", audience="kontor", **issuer_kwargs)
    # An unreachable JWKS URL: the verifier must rely on the keys it was given.
    verifier = TokenVerifier("http://127.0.0.1:9/jwks.json", issuer="kontor-gateway", audience="kontor",
                             min_refresh_s=0)
    verifier.add_keys(issuer.jwks())
    return issuer, verifier


async def test_issued_token_verifies_to_the_principal():
    issuer, verifier = _pair()
    tenant = uuid.uuid4()
    principal = await verifier.verify(issuer.issue(subject="u1", tenant_id=tenant, roles=["sales_rep"]))
    assert (principal.subject, principal.tenant_id, principal.roles) == ("u1", tenant, ("sales_rep",))
    assert principal.token not in repr(principal)


async def test_a_delegated_token_names_its_actor():
    issuer, verifier = _pair()
    tenant = uuid.uuid4()
    token = issuer.issue(subject="u1", tenant_id=tenant, roles=["sales_rep"], actor="service:calendar-sync")
    principal = await verifier.verify(token)
    assert (principal.subject, principal.roles, principal.actor) == ("u1", ("sales_rep",), "service:calendar-sync")
    assert jwt.decode(token, options={"verify_signature": False})["act"] == {"sub": "service:calendar-sync"}
    assert (await verifier.verify(issuer.issue(subject="u1", tenant_id=tenant, roles=[]))).actor is None


async def test_a_malformed_act_claim_is_refused():
    issuer, verifier = _pair()
    now = int(time.time())
    claims = {"iss": "kontor-gateway", "aud": "kontor", "sub": "u", "tid": str(uuid.uuid4()), "iat": now,
              "exp": now + 60, "act": "service:calendar-sync"}
    forged = jwt.encode(claims, issuer._key, algorithm="EdDSA", headers={"kid": issuer.kid})  # noqa: SLF001
    with pytest.raises(Unauthenticated, match="act"):
        await verifier.verify(forged)


async def test_expired_token_is_refused_with_advice():
    issuer, verifier = _pair()
    token = issuer.issue(subject="u1", tenant_id=uuid.uuid4(), roles=[], ttl_s=-120)
    with pytest.raises(Unauthenticated, match="expired; refresh"):
        await verifier.verify(token)


async def test_a_verified_token_is_remembered_until_it_expires(monkeypatch):
    issuer, verifier = _pair()
    token = issuer.issue(subject="u1", tenant_id=uuid.uuid4(), roles=[], ttl_s=60)
    first = await verifier.verify(token)
    with monkeypatch.context() as patched:
        patched.setattr(jwt, "decode", lambda *a, **kw: pytest.fail("verified again"))
        assert await verifier.verify(token) is first  # the signature is checked once
        # After exp plus the leeway the remembered entry no longer counts: decode runs (and refuses).
        later = time.time() + 60 + 30 + 1
        patched.setattr(time, "time", lambda: later)
        patched.setattr(jwt, "decode", lambda *a, **kw: (_ for _ in ()).throw(jwt.ExpiredSignatureError()))
        with pytest.raises(Unauthenticated, match="expired"):
            await verifier.verify(token)
    assert token not in verifier._verified  # noqa: SLF001


async def test_a_remembered_token_is_neither_parsed_nor_verified_again(monkeypatch):
    issuer, verifier = _pair()
    token = issuer.issue(subject="u1", tenant_id=uuid.uuid4(), roles=[])
    first = await verifier.verify(token)
    monkeypatch.setattr(jwt, "get_unverified_header", lambda *a, **kw: pytest.fail("header read again"))
    monkeypatch.setattr(jwt, "decode", lambda *a, **kw: pytest.fail("verified again"))
    assert await verifier.verify(token) is first


async def test_a_remembered_token_stops_counting_when_its_key_is_no_longer_trusted():
    issuer, verifier = _pair()
    token = issuer.issue(subject="u1", tenant_id=uuid.uuid4(), roles=[])
    await verifier.verify(token)
    verifier.add_keys(_pair()[0].jwks(), replace=True)
    with pytest.raises(Unauthenticated, match="signing keys unavailable|unknown key"):
        await verifier.verify(token)


async def test_the_token_memory_is_bounded():
    issuer, verifier = _pair()
    verifier._max_cached = 3  # noqa: SLF001
    tokens = [issuer.issue(subject=f"u{i}", tenant_id=uuid.uuid4(), roles=[]) for i in range(5)]
    for token in tokens:
        await verifier.verify(token)
    assert list(verifier._verified) == tokens[2:]  # noqa: SLF001 - the oldest went first


async def test_token_of_another_key_is_refused():
    other, _ = _pair()
    _, verifier = _pair()
    with pytest.raises(Unauthenticated, match="signing keys unavailable|unknown key"):
        await verifier.verify(other.issue(subject="u1", tenant_id=uuid.uuid4(), roles=[]))


async def test_wrong_audience_and_missing_tenant_are_refused():
    issuer, verifier = _pair()
    key = issuer._key  # noqa: SLF001 - forging tokens signed with the real key on purpose
    now = int(time.time())
    base = {"iss": "kontor-gateway", "sub": "u", "iat": now, "exp": now + 60}
    wrong_aud = jwt.encode({**base, "aud": "other", "tid": str(uuid.uuid4())}, key, algorithm="EdDSA",
                           headers={"kid": issuer.kid})
    with pytest.raises(Unauthenticated, match="(?i)audience"):
        await verifier.verify(wrong_aud)
    no_tenant = jwt.encode({**base, "aud": "kontor"}, key, algorithm="EdDSA", headers={"kid": issuer.kid})
    with pytest.raises(Unauthenticated):
        await verifier.verify(no_tenant)


@pytest.mark.parametrize("header", [None, "", "Basic abc", "Bearer ", "token"])
def test_malformed_authorization_headers(header):
    with pytest.raises(Unauthenticated):
        bearer_token(header)
