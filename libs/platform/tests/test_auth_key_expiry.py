"""Verifiers drop keys the gateway stopped publishing, and survive a JWKS outage with the keys they have."""

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kontor.platform.auth import TokenIssuer, TokenVerifier
from kontor.platform.errors import Unauthenticated


class _Jwks:
    """A real HTTP server publishing whatever ``keys`` holds; ``down`` makes it answer 503."""

    def __init__(self):
        self.keys: list[dict] = []
        self.down = False
        jwks = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's naming
                body = json.dumps({"keys": jwks.keys}).encode()
                self.send_response(503 if jwks.down else 200)
                self.send_header("content-type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/jwks.json"


@pytest.fixture
def jwks():
    server = _Jwks()
    yield server
    server.server.shutdown()


def _issuer() -> TokenIssuer:
    return TokenIssuer(Ed25519PrivateKey.generate(), issuer="kontor-gateway", audience="kontor")


def _token(issuer: TokenIssuer) -> str:
    return issuer.issue(subject="u", tenant_id=uuid.uuid4(), roles=[])


async def test_a_key_no_longer_published_stops_being_trusted(jwks):
    old, new = _issuer(), _issuer()
    jwks.keys = [*old.jwks()["keys"], *new.jwks()["keys"]]
    verifier = TokenVerifier(jwks.url, issuer="kontor-gateway", audience="kontor", min_refresh_s=0, max_age_s=0.2)
    await verifier.verify(_token(old))
    jwks.keys = new.jwks()["keys"]
    time.sleep(0.3)
    await verifier.verify(_token(new))  # stale: refetched
    with pytest.raises(Unauthenticated, match="unknown key"):
        await verifier.verify(_token(old))


async def test_known_keys_keep_working_while_the_jwks_is_down(jwks):
    issuer = _issuer()
    jwks.keys = issuer.jwks()["keys"]
    verifier = TokenVerifier(jwks.url, issuer="kontor-gateway", audience="kontor", min_refresh_s=0, max_age_s=0.1)
    await verifier.verify(_token(issuer))
    jwks.down = True
    time.sleep(0.2)
    assert (await verifier.verify(_token(issuer))).subject == "u"


async def test_replacing_keys_trusts_exactly_the_new_set(jwks):
    old, new = _issuer(), _issuer()
    verifier = TokenVerifier(jwks.url, issuer="kontor-gateway", audience="kontor")  # serves no key at all
    verifier.add_keys(old.jwks())
    await verifier.verify(_token(old))
    verifier.add_keys(new.jwks(), replace=True)
    await verifier.verify(_token(new))
    with pytest.raises(Unauthenticated, match="unknown key"):
        await verifier.verify(_token(old))
