"""Helpers for tests that drive the emulator (this package's and calendar-sync's).

``new_tenant(emulator)`` registers a tenant, an app and a mailbox through the
control API over HTTPS and returns a :class:`TenantHandle` that gets msal
tokens and Graph clients for it. ``new_tenant(emulator, certificate=cert)``
also registers a certificate credential; :func:`make_certificate` makes a
self-signed one (``SelfSignedCertificate``: certificate and private key PEM,
and the msal ``client_credential`` dict for it). Benchmarks run the emulator in a
process of their own (``start_emulator_process`` / ``stop_process``), so its work
does not count as the client's.

msal's ``verify=`` is not enough where ``REQUESTS_CA_BUNDLE`` is set: requests
lets the environment's bundle override a session's ``verify``
(https://github.com/psf/requests/issues/3829), so :func:`msal_session` hands
msal a ``requests.Session`` that ignores the environment (msal's
``http_client`` parameter:
https://learn.microsoft.com/python/api/msal/msal.application.clientapplication).
"""

from __future__ import annotations

import json
import selectors
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

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


@dataclass(frozen=True)
class SelfSignedCertificate:
    certificate_pem: str
    private_key_pem: str
    thumbprint: str  # hex SHA-1, as the portal shows it

    def msal_credential(self, *, sha1: bool = True) -> dict:
        """msal signs RS256 + ``x5t`` when given the thumbprint, PS256 + ``x5t#S256`` when given only the certificate."""
        if sha1:
            return {"private_key": self.private_key_pem, "thumbprint": self.thumbprint,
                    "public_certificate": self.certificate_pem}
        return {"private_key": self.private_key_pem, "public_certificate": self.certificate_pem}


def make_certificate(common_name: str = "kontor-graph-app", *, days: int = 30,
                     not_after=None) -> SelfSignedCertificate:
    """A self-signed RSA certificate (2048 bit) valid from an hour ago for ``days`` (or until ``not_after``)."""
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(hours=1))
            .not_valid_after(not_after or now + timedelta(days=days)).sign(key, hashes.SHA256()))
    return SelfSignedCertificate(
        certificate_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
        private_key_pem=key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()).decode(),
        thumbprint=cert.fingerprint(hashes.SHA1()).hex().upper(),  # noqa: S303 - x5t is SHA-1 by definition
    )


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

    def msal_app(self, secret: str | dict | None = None, authority: str | None = None):
        import msal

        return msal.ConfidentialClientApplication(
            self.client_id,
            client_credential=secret or self.secret,
            authority=authority or self.emulator.authority(self.tenant_id),
            http_client=msal_session(self.emulator.ca_path),
            instance_discovery=False,
        )

    def token(self, secret: str | dict | None = None) -> dict:
        """A token for the app; ``secret`` may be an msal certificate credential dict."""
        return self.msal_app(secret).acquire_token_for_client(GRAPH_SCOPE)

    def add_certificate(self, certificate: SelfSignedCertificate | str) -> dict:
        """Register a certificate credential on the app; answers its keyCredential (``keyId``, ...)."""
        pem = certificate if isinstance(certificate, str) else certificate.certificate_pem
        r = self.control.post(f"/apps/{self.client_id}/certificates", json={"certificate": pem})
        r.raise_for_status()
        return r.json()

    def remove_certificate(self, ref: str) -> None:
        """Remove a certificate credential by ``keyId`` or thumbprint (a rotated or revoked certificate)."""
        self.control.delete(f"/apps/{self.client_id}/certificates/{ref}").raise_for_status()

    def graph(self, upn: str | None = None) -> httpx.Client:
        token = self.token()["access_token"]
        return httpx.Client(base_url=f"{self.emulator.base_url}/v1.0/users/{upn or self.upn}", verify=self.emulator.ssl_context(),
                            headers={"Authorization": f"Bearer {token}"}, timeout=30)

    def add_mailbox(self, upn: str, **extra) -> dict:
        r = self.control.post(f"/tenants/{self.tenant_id}/mailboxes", json={"userPrincipalName": upn, **extra})
        r.raise_for_status()
        return r.json()


def new_tenant(emulator, *, user: str = "anna", roles: list[str] | None = None,
               certificate: SelfSignedCertificate | None = None) -> TenantHandle:
    control = httpx.Client(base_url=emulator.control_url, verify=emulator.ssl_context(), timeout=30)
    domain = f"t{uuid.uuid4().hex[:8]}.onmicrosoft.com"
    t = control.post("/tenants", json={"domain": domain}).json()
    body = {"displayName": "Kontor CRM"} | ({"roles": roles} if roles else {})
    if certificate is not None:
        body["certificates"] = [certificate.certificate_pem]
    app = control.post(f"/tenants/{t['id']}/apps", json=body).json()
    upn = f"{user}@{domain}"
    mb = control.post(f"/tenants/{t['id']}/mailboxes", json={"userPrincipalName": upn, "displayName": user.title()}).json()
    return TenantHandle(emulator, control, t["id"], domain, app["clientId"], app["secret"], upn, mb["id"])


class NotificationReceiver:
    """A local webhook receiver over plain http on 127.0.0.1 (the emulator allows http to loopback hosts).

    It answers the validation handshake as Graph requires (200, text/plain, the token) unless told
    otherwise (``validation = "status" | "wrong_body" | "hang"``), records every notification body, and
    answers notifications with ``notify_status`` after failing the first ``fail_next`` of them with 500.

        with NotificationReceiver() as receiver:
            ... subscribe with notificationUrl=receiver.url ...
            receiver.wait_for(lambda items: len(items) >= 1)
    """

    def __init__(self, tls: tuple[str, str] | None = None) -> None:
        """``tls``: (certificate chain file, key file) to serve https instead of http."""
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        from urllib.parse import parse_qs, urlsplit

        self.validation = "echo"
        self.fail_next = 0
        self.notify_status = 202
        self.validations: list[str] = []
        self.bodies: list[dict] = []
        self.changed = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def _answer(self, status: int, body: bytes = b"", content_type: str = "text/plain") -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                query = parse_qs(urlsplit(self.path).query)
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if "validationToken" in query:
                    token = query["validationToken"][0]
                    with receiver.changed:
                        receiver.validations.append(token)
                        receiver.changed.notify_all()
                    if receiver.validation == "hang":
                        import time
                        time.sleep(3)
                    if receiver.validation == "status":
                        return self._answer(400, b"no")
                    if receiver.validation == "wrong_body":
                        return self._answer(200, b"not-the-token")
                    return self._answer(200, token.encode())
                with receiver.changed:
                    if receiver.fail_next > 0:
                        receiver.fail_next -= 1
                        status = 500
                    else:
                        status = receiver.notify_status
                        receiver.bodies.append(json.loads(raw))
                    receiver.changed.notify_all()
                self._answer(status)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        scheme = "http"
        if tls is not None:
            import ssl

            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
            scheme = "https"
        self.url = f"{scheme}://127.0.0.1:{self._server.server_address[1]}/notify"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True, name="notification-receiver")

    @property
    def items(self) -> list[dict]:
        with self.changed:
            return [item for body in self.bodies for item in body.get("value", [])]

    def wait_for(self, condition, timeout: float = 20.0) -> list[dict]:
        """Block until ``condition(items)`` holds; raise AssertionError with what arrived otherwise."""
        import time

        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                items = [item for body in self.bodies for item in body.get("value", [])]
                if condition(items):
                    return items
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"notifications never matched; got {items}")
                self.changed.wait(timeout=left)

    def start(self) -> NotificationReceiver:
        self._thread.start()
        return self

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> NotificationReceiver:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()


def start_emulator_process(work_dir: Path, seed: dict, *,
                           ready_timeout_s: float = 90) -> tuple[subprocess.Popen, dict]:
    """``kontor-emulator-graph`` seeded with ``seed`` (CA, seed file and log in ``work_dir``): the process and its
    ready line ``{"base_url", "ca_path", "seeded"}``. Stop it with ``stop_process``."""
    seed_file = work_dir / "graph-seed.json"
    seed_file.write_text(json.dumps(seed))
    log = (work_dir / "graph-emulator.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "kontor.emulators.graph.cli", "--ca-path", str(work_dir / "graph-ca.pem"),
         "--seed", str(seed_file)], stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL)
    # The emulator prints one JSON line once it listens and holds the seed.
    with selectors.DefaultSelector() as waiting:
        waiting.register(process.stdout, selectors.EVENT_READ)
        ready = waiting.select(ready_timeout_s)
    line = process.stdout.readline() if ready else b""
    if not line:
        process.kill()
        raise RuntimeError(f"graph emulator did not start:\n{(work_dir / 'graph-emulator.log').read_text()[-4000:]}")
    return process, json.loads(line)


def stop_process(process: subprocess.Popen, timeout_s: float = 15) -> None:
    """Ends ``process``: SIGTERM, then SIGKILL when it has not ended within ``timeout_s``."""
    process.terminate()
    try:
        process.wait(timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
