"""A stand-in for a `kontor-<name>` console script, for testing `kontor-dev up`.

Usage: fake_service.py NAME COMMAND [ARGS]. It honours the env contract of the
local stack: `serve` answers /readyz on KONTOR_<NAME>_HTTP_PORT (the gateway
also logs the demo user in and keeps companies in a JSON file next to its
signing key), `migrate` checks that its database URL works, contacts'
`create-tenant --if-missing` records the tenant once. The gateway also keeps
groupware servers and connectors (JSON file); its room import signs in at the
server's authority and lists /places, so the record must really point at the
Graph emulator and its CA.
"""

import json
import os
import ssl
import sys
import time
import urllib.parse
import urllib.request
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

name, command = sys.argv[1], sys.argv[2]
prefix = "KONTOR_" + name.upper().replace("-", "_") + "_"


def setting(key: str) -> str:
    return os.environ[prefix + key]


def list_rooms(server: dict) -> list[dict]:
    """What calendar-sync's Graph provider does for a refresh: token at the authority, then /places."""
    context = ssl.create_default_context(cafile=server["ca_bundle_path"])
    form = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": server["client_id"],
                                   "client_secret": server["secret"],
                                   "scope": "https://graph.microsoft.com/.default"}).encode()
    token_url = f"{server['authority_url']}/{server['azure_tenant_id']}/oauth2/v2.0/token"
    with urllib.request.urlopen(token_url, data=form, context=context, timeout=10) as answer:
        token = json.load(answer)["access_token"]
    request = urllib.request.Request(f"{server['base_url']}/places/microsoft.graph.room",
                                     headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, context=context, timeout=10) as answer:
        return json.load(answer)["value"]


def groupware(store: Path, method: str, path: str, body: dict | None) -> tuple[int, object] | None:
    """/api/v1/groupware-servers, /me/connectors and a connector's sync, kept in a JSON file."""
    data = json.loads(store.read_text()) if store.exists() else {"servers": [], "connectors": [], "rooms": {}}
    servers, connectors = data["servers"], data["connectors"]
    parts = path.strip("/").split("/")[2:]  # after api/v1
    now = datetime.now(UTC).isoformat()

    def save(status: int, answer: object) -> tuple[int, object]:
        store.write_text(json.dumps(data))
        return status, answer

    def public(server: dict) -> dict:
        return {key: value for key, value in server.items() if key != "secret"}

    if parts == ["groupware-servers"] and method == "GET":
        return 200, {"items": [public(s) for s in servers]}
    if parts == ["groupware-servers"] and method == "POST":
        assert body is not None
        secret = body.pop("credentials")["client_secret"]
        server = {**body, "id": str(uuid.uuid4()), "version": 1, "active": True, "has_secret": True,
                  "secret": secret}
        servers.append(server)
        return save(201, public(server))
    if parts[:1] == ["groupware-servers"] and len(parts) >= 2:
        server = next(s for s in servers if s["id"] == parts[1])
        if len(parts) == 2 and method == "PATCH":
            assert body is not None
            server.update(body, version=server["version"] + 1)
            return save(200, public(server))
        if parts[2:] == ["resources", "refresh"] and method == "POST":
            known = data["rooms"]
            listed = {room["id"]: room["displayName"] for room in list_rooms(server)}
            created = len(set(listed) - set(known))
            data["rooms"] = listed
            return save(200, {"created": created, "updated": 0, "deactivated": 0,
                              "unchanged": len(listed) - created})
    if parts == ["me", "connectors"] and method == "GET":
        return 200, {"items": connectors}
    if parts == ["me", "connectors"] and method == "POST":
        assert body is not None and body["direction"] == "both"
        connector = {**body, "id": str(uuid.uuid4()), "version": 1}
        connectors.append(connector)
        return save(201, connector)
    if parts[:1] == ["connectors"] and parts[2:3] == ["sync"]:
        health = {"connector_id": parts[1], "state": "idle", "healthy": True, "reasons": [],
                  "last_attempt_at": now, "last_success_at": now, "crm_count": 5,
                  "last_counts": {"created_in_crm": 5}}
        return 202 if method == "POST" else 200, health
    return None


def serve() -> None:
    store = None
    if name == "gateway":
        store = Path(setting("SIGNING_KEY_FILE")).parent / "fake-companies.json"
        assert Path(setting("SIGNING_KEY_FILE")).read_bytes().startswith(b"-----BEGIN PRIVATE KEY")

    class Handler(BaseHTTPRequestHandler):
        def _reply(self, status: int, body: object) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _authorised(self) -> bool:
            if self.headers.get("Authorization") != "Bearer fake-demo-token":
                self._reply(401, {"detail": "unauthorized"})
                return False
            return True

        def _groupware(self, method: str) -> bool:
            if store is None or not self.path.startswith(("/api/v1/groupware-servers", "/api/v1/me/connectors",
                                                         "/api/v1/connectors/")):
                return False
            if self._authorised():
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length)) if length else None
                status, answer = groupware(store.parent / "fake-groupware.json", method, self.path, body) \
                    or (404, {"detail": "not found"})
                self._reply(status, answer)
            return True

        def do_PATCH(self) -> None:
            if not self._groupware("PATCH"):
                self._reply(404, {"detail": "not found"})

        def do_PUT(self) -> None:
            if not self._groupware("PUT"):
                self._reply(404, {"detail": "not found"})

        def do_GET(self) -> None:
            if self._groupware("GET"):
                return
            if self.path == "/readyz":
                self._reply(200, {"status": "ready"})
            elif self.path == "/api/v1/companies" and store is not None:
                if self.headers.get("Authorization") != "Bearer fake-demo-token":
                    self._reply(401, {"detail": "unauthorized"})
                    return
                items = json.loads(store.read_text()) if store.exists() else []
                self._reply(200, {"items": items})
            else:
                self._reply(404, {"detail": "not found"})

        def do_POST(self) -> None:
            assert store is not None
            if self._groupware("POST"):
                return
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if self.path == "/api/v1/auth/login":
                if body != {"tenant": "demo", "email": "anna.admin@demo.example",
                            "password": "kontor-dev-only-password"}:
                    self._reply(401, {"detail": "wrong login"})
                    return
                self._reply(200, {"access_token": "fake-demo-token", "refresh_token": "fake-refresh",
                                  "token_type": "Bearer"})
                return
            if self.path == "/api/v1/auth/logout":
                self._reply(200, {})
                return
            assert self.path == "/api/v1/companies"
            if self.headers.get("Authorization") != "Bearer fake-demo-token":
                self._reply(401, {"detail": "unauthorized"})
                return
            company = body
            items = json.loads(store.read_text()) if store.exists() else []
            items.append(company)
            store.write_text(json.dumps(items))
            self._reply(201, company)

        def log_message(self, format: str, *args: object) -> None:
            print(f"{name} http: " + format % args, flush=True)

    server = ThreadingHTTPServer(("127.0.0.1", int(setting("HTTP_PORT"))), Handler)
    print(f"{name} serving on {setting('HTTP_PORT')}", flush=True)
    server.serve_forever()


if command == "migrate":
    import asyncio

    import asyncpg

    async def migrate() -> None:
        url = setting("DATABASE_URL").replace("postgresql+asyncpg://", "postgresql://")
        connection = await asyncpg.connect(url)
        await connection.execute("CREATE TABLE IF NOT EXISTS fake_migrated (id int)")
        await connection.close()

    asyncio.run(migrate())
    print(f"{name}: migrated", flush=True)
elif command == "serve":
    serve()
elif command in ("worker", "beat"):
    assert Path(setting("CELERY_BEAT_SCHEDULE_FILE")).parent.is_dir()
    print(f"{name} {command} running", flush=True)
    while True:
        time.sleep(1)
elif command == "create-tenant" and name == "contacts":
    expected = ["--slug", "demo", "--name", "Demo GmbH", "--admin-email", "anna.admin@demo.example",
                "--admin-display-name", "Anna Admin", "--if-missing"]
    if sys.argv[3:] != expected:
        sys.exit(f"unexpected create-tenant arguments {sys.argv[3:]}")
    if os.environ.get("KONTOR_ADMIN_PASSWORD") != "kontor-dev-only-password":
        sys.exit("KONTOR_ADMIN_PASSWORD is not the demo password")
    record = Path(setting("CELERY_BEAT_SCHEDULE_FILE")).parent / "fake-tenant"
    if record.exists():
        print(f"tenant {record.read_text().strip()} (demo) exists already; nothing changed")
    else:
        tenant_id = "5f0c6a3e-0000-4000-8000-000000000001"
        record.write_text(tenant_id)
        print(f"tenant {tenant_id} (demo)\nadmin user 9a1b0000-0000-4000-8000-000000000002 (anna.admin@demo.example)")
else:
    sys.exit(f"unknown command {command}")
