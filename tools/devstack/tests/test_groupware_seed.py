"""The demo groupware: the Graph emulator's seed and the branch server record pointing at it."""

import json
import ssl
from datetime import date
from pathlib import Path

import httpx

from kontor.devstack import groupware_seed as demo
from kontor.devstack.topology import GRAPH_EMULATOR, load_topology
from kontor.emulators.graph.server import GraphEmulator, seed

TODAY = date(2026, 3, 26)  # a Thursday, three days before the change to summer time


def test_seed_has_fixed_ids_and_a_series_a_private_appointment_and_rooms() -> None:
    first, later = demo.emulator_seed(TODAY), demo.emulator_seed(date(2026, 4, 2))
    tenant = first["tenants"][0]
    assert tenant["id"] == demo.DEMO_AZURE_TENANT_ID
    assert tenant["apps"] == [{"displayName": "Kontor CRM (dev)", "clientId": demo.DEMO_CLIENT_ID,
                               "secret": demo.DEMO_CLIENT_SECRET}]
    mailbox, *rooms = tenant["mailboxes"]
    assert mailbox["userPrincipalName"] == "anna.admin@demo.example"
    assert [room["kind"] for room in rooms] == ["room", "room"]
    events = mailbox["events"]
    assert len(events) == 5
    assert [e["subject"] for e in events if e.get("recurrence")] == ["Weekly sales meeting"]
    assert events[0]["start"]["dateTime"] == "2026-03-30T09:00:00"  # the coming Monday
    assert [e["subject"] for e in events if e.get("sensitivity") == "private"] == ["Dentist"]
    assert all(e["start"]["dateTime"] > TODAY.isoformat() for e in events)
    # A later run moves the dates but keeps every id, so the CRM finds the same things again.
    def ids(document: dict) -> list[str]:
        boxes = document["tenants"][0]["mailboxes"]
        return [b["id"] for b in boxes] + [e[key] for e in boxes[0]["events"] for key in ("id", "iCalUId")]
    assert ids(first) == ids(later)
    assert first != later


def test_emulator_serves_the_seed(tmp_path: Path) -> None:
    with GraphEmulator(ca_path=tmp_path / "ca.pem") as graph:
        seed(graph.store, json.loads(json.dumps(demo.emulator_seed(TODAY))))
        verify = ssl.create_default_context(cafile=graph.ca_path)
        token = httpx.post(f"{graph.base_url}/{demo.DEMO_AZURE_TENANT_ID}/oauth2/v2.0/token", verify=verify, data={
            "grant_type": "client_credentials", "client_id": demo.DEMO_CLIENT_ID,
            "client_secret": demo.DEMO_CLIENT_SECRET, "scope": "https://graph.microsoft.com/.default"}
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        view = httpx.get(f"{graph.base_url}/v1.0/users/{demo.DEMO_MAILBOX}/calendarView", verify=verify,
                         headers=headers, params={"startDateTime": "2026-03-26T00:00:00Z",
                                                  "endDateTime": "2026-04-07T00:00:00Z"}).json()["value"]
        assert [e["subject"] for e in view].count("Weekly sales meeting") == 2
        seeded_ids = {e["id"] for e in demo.emulator_seed(TODAY)["tenants"][0]["mailboxes"][0]["events"]}
        assert {e.get("seriesMasterId") or e["id"] for e in view} == seeded_ids
        assert len(view) == 6
        rooms = httpx.get(f"{graph.base_url}/v1.0/places/microsoft.graph.room", verify=verify,
                          headers=headers).json()["value"]
        assert sorted(r["id"] for r in rooms) == sorted(r["id"] for r in demo.DEMO_ROOMS)


def test_server_record_points_at_the_emulator_and_its_ca(tmp_path: Path) -> None:
    emulator = load_topology({"KONTOR_DEV_GRAPH_EMULATOR_PORT": "19443"}).emulator(GRAPH_EMULATOR)
    assert demo.server_body(emulator, tmp_path) == {
        "provider": "graph", "name": demo.DEMO_SERVER_NAME, "branch": "Berlin",
        "azure_tenant_id": demo.DEMO_AZURE_TENANT_ID, "client_id": demo.DEMO_CLIENT_ID,
        "authority_url": "https://127.0.0.1:19443", "base_url": "https://127.0.0.1:19443/v1.0",
        "ca_bundle_path": str(tmp_path / "graph-emulator" / "ca.pem"),
    }
    path = demo.write_emulator_seed(emulator, tmp_path, TODAY)
    assert path == tmp_path / "graph-emulator" / "seed.json"
    assert json.loads(path.read_text()) == demo.emulator_seed(TODAY)
