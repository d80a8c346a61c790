"""The HTTPS server: its own CA, a free port, start/stop for fixtures and the dev stack.

At start a fresh CA is made with ``trustme`` and its PEM is written to
``ca_path``; clients trust that file (httpx ``verify=ca_path``, msal
``verify=ca_path``). The server certificate names ``localhost``,
``127.0.0.1`` and ``::1``. uvicorn serves the Starlette app on a socket the
emulator binds itself (port 0 → a free port), in a background thread.

    with GraphEmulator() as graph:
        tenant = graph.store.add_tenant(domain="contoso.onmicrosoft.com")
        ...
        httpx.get(f"{graph.base_url}/v1.0/users/...", verify=graph.ca_path)
"""

from __future__ import annotations

import socket
import ssl
import tempfile
import threading
import time
from pathlib import Path

import trustme
import uvicorn
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from kontor.emulators.graph.certificates import load_certificate
from kontor.emulators.graph.control import Control
from kontor.emulators.graph.graph import Graph
from kontor.emulators.graph.identity import Identity
from kontor.emulators.graph.mail import MailApi
from kontor.emulators.graph.mail_control import MailControl
from kontor.emulators.graph.mail_store import MailStore
from kontor.emulators.graph.store import Store
from kontor.emulators.graph.subscriptions import Subscriptions
from kontor.emulators.graph.throttle import Throttle

ALL = ["GET", "POST", "PATCH", "PUT", "DELETE"]


def build_app(store: Store, identity: Identity, throttle: Throttle, base_url_fn,
              subscriptions: Subscriptions | None = None, mail: MailStore | None = None) -> Starlette:
    graph = Graph(store, identity, throttle, base_url_fn)
    mail = mail or MailStore(store)
    graph.mail = MailApi(mail, base_url_fn)
    subscriptions = subscriptions or Subscriptions(store, identity, base_url_fn)
    control = Control(store, throttle)

    async def health(_request):
        return JSONResponse({"status": "ok"})

    routes = [
        Route("/_control/health", health),
        *control.routes(),
        *subscriptions.control_routes(),
        *MailControl(mail).routes(),
        Route("/common/discovery/instance", identity.instance_discovery),
        Route("/{tenant}/v2.0/.well-known/openid-configuration", identity.openid_configuration),
        Route("/{tenant}/discovery/v2.0/keys", identity.keys),
        Route("/{tenant}/oauth2/v2.0/token", identity.token, methods=["POST"]),
        Route("/v1.0/me", graph.me, methods=ALL),
        Route("/v1.0/me/{rest:path}", graph.me, methods=ALL),
        Route("/v1.0/users", graph.users_route, methods=["GET"]),
        Route("/v1.0/users/{user}", graph.user_route, methods=ALL),
        Route("/v1.0/users/{user}/{rest:path}", graph.user_route, methods=ALL),
        Route("/v1.0/places/{rest:path}", graph.places_route, methods=["GET"]),
        Route("/v1.0/subscriptions", subscriptions.collection, methods=ALL),
        Route("/v1.0/subscriptions/{sid}", subscriptions.item, methods=ALL),
        Route("/v1.0/subscriptions/{sid}/reauthorize", subscriptions.reauthorize, methods=ALL),
    ]
    return Starlette(routes=routes)


def seed(store: Store, data: dict) -> dict:
    """Load tenants, apps, mailboxes and events from a dict (the ``--seed`` file); returns ids.

    An app may list ``certificates``: PEM public certificates registered as its certificate credentials.

    Ids may be fixed (tenant ``id``, app ``clientId``, mailbox ``id``, event ``id`` and ``iCalUId``), so an
    emulator restarted with the same file is the same directory and calendar to a client that synced it."""
    made: dict = {"tenants": []}
    for t in data.get("tenants", []):
        tenant = store.add_tenant(domain=t["domain"], tenant_id=t.get("id"), display_name=t.get("displayName"))
        entry = {"id": tenant.id, "domain": tenant.domain, "apps": [], "mailboxes": []}
        for a in t.get("apps", []):
            app = store.add_app(tenant.id, display_name=a.get("displayName", "Kontor"), client_id=a.get("clientId"),
                                secret=a.get("secret"), roles=a.get("roles"))
            # certificate credentials: public certificates (PEM) whose private keys sign client assertions
            app.certificates.extend(load_certificate(pem) for pem in a.get("certificates", []))
            entry["apps"].append({"clientId": app.client_id, "secret": app.secret,
                                  "certificates": [c.thumbprint for c in app.certificates]})
        for m in t.get("mailboxes", []):
            mb = store.add_mailbox(tenant.id, upn=m["userPrincipalName"], display_name=m.get("displayName"),
                                   mailbox_id=m.get("id"), kind=m.get("kind", "user"), place=m.get("place"))
            for ev in m.get("events", []):
                body = {k: v for k, v in ev.items() if k not in ("id", "iCalUId", "organizer")}
                store.create_event(mb, body, organizer=ev.get("organizer"), ical_uid=ev.get("iCalUId"),
                                   event_id=ev.get("id"))
            entry["mailboxes"].append({"id": mb.id, "userPrincipalName": mb.upn})
        made["tenants"].append(entry)
    return made


class GraphEmulator:
    """Start/stop the emulator; ``base_url`` and ``ca_path`` are valid after ``start()``."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, ca_path: str | Path | None = None,
                 receiver_ca_path: str | None = None) -> None:
        self.host = host
        self.port = port
        self._workdir = tempfile.TemporaryDirectory(prefix="kontor-graph-")
        self.ca_path = str(ca_path or Path(self._workdir.name) / "graph-ca.pem")
        self.store = Store()
        self.throttle = Throttle()
        self.mail = MailStore(self.store)  # folders, messages, rules, sent mail (mail_store.py)
        self.identity = Identity(self.store, lambda: self.base_url)
        # Change notifications: receivers' HTTPS is verified against receiver_ca_path (default: the system's
        # trust store); plain http only to loopback hosts (subscriptions.py).
        self.subscriptions = Subscriptions(self.store, self.identity, lambda: self.base_url,
                                           receiver_ca_path=receiver_ca_path)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.base_url = ""

    @property
    def control_url(self) -> str:
        return f"{self.base_url}/_control"

    def ssl_context(self) -> ssl.SSLContext:
        """A client context trusting only this emulator's CA (for httpx ``verify=``)."""
        return ssl.create_default_context(cafile=self.ca_path)

    def authority(self, tenant: str) -> str:
        """The msal ``authority`` for a tenant id or domain."""
        return f"{self.base_url}/{tenant}"

    def start(self, timeout: float = 15.0) -> GraphEmulator:
        ca = trustme.CA(organization_name="Kontor Graph emulator")
        Path(self.ca_path).parent.mkdir(parents=True, exist_ok=True)
        ca.cert_pem.write_to_path(self.ca_path)
        leaf = ca.issue_cert("localhost", "127.0.0.1", "::1")
        cert_file = Path(self._workdir.name) / "server.pem"
        key_file = Path(self._workdir.name) / "server.key"
        for blob in leaf.cert_chain_pems:
            blob.write_to_path(str(cert_file), append=cert_file.exists())
        leaf.private_key_pem.write_to_path(str(key_file))

        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        # IPPROTO_TCP, not 0: asyncio turns Nagle off (TCP_NODELAY) only on sockets that name TCP, and with
        # Nagle on every response written in two parts waits ~40 ms for the client's delayed ACK.
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        shown = f"[{self.host}]" if ":" in self.host else self.host
        self.base_url = f"https://{shown}:{self.port}"

        app = build_app(self.store, self.identity, self.throttle, lambda: self.base_url, self.subscriptions,
                        mail=self.mail)
        self.subscriptions.start()
        config = uvicorn.Config(app, ssl_certfile=str(cert_file), ssl_keyfile=str(key_file), log_level="warning",
                                lifespan="off", access_log=False, timeout_graceful_shutdown=1)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, name="graph-emulator", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the Graph emulator did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.subscriptions.stop()
        if self._server is not None:
            self._server.should_exit = True
            self._server.force_exit = True  # don't wait for clients' idle keep-alive connections
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = self._thread = None

    def close(self) -> None:
        self.stop()
        self._workdir.cleanup()

    def __enter__(self) -> GraphEmulator:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()
