"""The console script: starts, prints where it listens, loads a seed file, stops on SIGTERM."""

from __future__ import annotations

import json
import signal
import ssl
import subprocess
import sys

import httpx


def test_cli_serves_seeded_tenant(tmp_path):
    seed = {"tenants": [{"domain": "demo.onmicrosoft.com", "apps": [{"clientId": "demo-app", "secret": "s3cret"}],
                         "mailboxes": [{"userPrincipalName": "demo@demo.onmicrosoft.com",
                                        "events": [{"id": "AAMkAfixed-kick-off", "subject": "Kick-off", "start": {"dateTime": "2025-03-03T09:00:00", "timeZone": "UTC"},
                                                    "end": {"dateTime": "2025-03-03T10:00:00", "timeZone": "UTC"}}]}]}]}
    seed_file = tmp_path / "seed.json"
    seed_file.write_text(json.dumps(seed))
    ca = tmp_path / "ca.pem"
    proc = subprocess.Popen([sys.executable, "-m", "kontor.emulators.graph.cli", "--ca-path", str(ca), "--seed", str(seed_file)],
                            stdout=subprocess.PIPE, text=True)
    try:
        info = json.loads(proc.stdout.readline())
        assert info["ca_path"] == str(ca) and info["base_url"].startswith("https://127.0.0.1:")
        verify = ssl.create_default_context(cafile=str(ca))
        token = httpx.post(f"{info['base_url']}/demo.onmicrosoft.com/oauth2/v2.0/token", verify=verify,
                           data={"grant_type": "client_credentials", "client_id": "demo-app", "client_secret": "s3cret",
                                 "scope": "https://graph.microsoft.com/.default"}).json()["access_token"]
        events = httpx.get(f"{info['base_url']}/v1.0/users/demo@demo.onmicrosoft.com/events", verify=verify,
                           headers={"Authorization": f"Bearer {token}"}).json()["value"]
        assert [(e["id"], e["subject"]) for e in events] == [("AAMkAfixed-kick-off", "Kick-off")]
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
