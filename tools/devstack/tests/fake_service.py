"""A stand-in for a `kontor-<name>` console script, for testing `kontor-dev up`.

Usage: fake_service.py NAME COMMAND [ARGS]. It honours the env contract of the
local stack: `serve` answers /readyz on KONTOR_<NAME>_HTTP_PORT (the gateway
also keeps companies in a JSON file next to its signing key), `migrate`
checks that its database URL works, `issue-token` prints a token.
"""

import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

name, command = sys.argv[1], sys.argv[2]
prefix = "KONTOR_" + name.upper().replace("-", "_") + "_"


def setting(key: str) -> str:
    return os.environ[prefix + key]


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

        def do_GET(self) -> None:
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
            assert store is not None and self.path == "/api/v1/companies"
            company = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
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
elif command == "issue-token":
    expected = ["--tenant-id", "1bfdc544-a4d7-5af9-9603-0f6f94e2b193", "--subject", "demo-admin",
                "--role", "org_manager", "--ttl-minutes", "720"]
    if sys.argv[3:] != expected:
        sys.exit(f"unexpected issue-token arguments {sys.argv[3:]}")
    print("fake-demo-token")
else:
    sys.exit(f"unknown command {command}")
