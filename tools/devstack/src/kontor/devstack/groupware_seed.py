"""The demo tenant's groupware: a Microsoft Graph emulator mailbox that syncs with the CRM.

Two halves, both run by every ``kontor-dev up``:

1. **The emulator side** (:func:`write_emulator_seed`): the Graph emulator keeps its state in memory, so
   every start loads ``<data dir>/graph-emulator/seed.json`` (``--seed``), written here before the stack
   starts: a demo Azure tenant with an app registration (fixed client id and secret, **dev only**), the
   mailbox of the demo org manager with a handful of appointments in the next days (a weekly series and a
   private one among them) and two rooms. Ids (tenant, app, mailboxes, rooms, events) and the events'
   iCalUIds are fixed, so a restarted emulator is the same directory and calendar to the CRM (the sync maps
   events by id: new ids would look like new events); the dates follow today.

2. **The CRM side** (:func:`seed_groupware`), through the gateway's REST API as the demo org manager,
   each step only when missing: register the branch server (authority, Graph base and CA file of the
   emulator; updated when a port or the data dir moved), import its rooms (an upsert), connect the
   manager's mailbox (direction both), then ask for a resync, run it at once ("sync now") and read the
   sync health when the sync API is there.

The demo connector uses the deletion policy ``unlink``: an emulator restart forgets events Kontor pushed,
and with ``delete_other_side`` the sync would then delete those appointments in the CRM.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import ssl
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from kontor.devstack.seed import DEMO_ADMIN_EMAIL, DEMO_ADMIN_NAME, DEMO_NAME, DEMO_PASSWORD, DEMO_SLUG, SeedError, _call
from kontor.devstack.topology import EmulatorSpec

# DEV ONLY: fixed, published ids and secret of the emulator's demo app registration.
DEMO_AZURE_TENANT_ID = "6f1c2a7e-3b9d-4c1e-9a55-0d3e00000001"
DEMO_CLIENT_ID = "6f1c2a7e-3b9d-4c1e-9a55-0d3e00000002"
DEMO_CLIENT_SECRET = "kontor-dev-only-graph-client-secret"
DEMO_DOMAIN = "demo.example"
DEMO_MAILBOX = DEMO_ADMIN_EMAIL  # the org manager's own address, as in a real tenant
DEMO_MAILBOX_ID = "6f1c2a7e-3b9d-4c1e-9a55-0d3e00000010"
DEMO_SERVER_NAME = "Demo branch Berlin (Graph emulator)"
DEMO_BRANCH = "Berlin"
DEMO_TIME_ZONE = "Europe/Berlin"
ROOM_LIST = f"rooms-berlin@{DEMO_DOMAIN}"
DEMO_ROOMS: tuple[dict[str, Any], ...] = (
    {"id": "6f1c2a7e-3b9d-4c1e-9a55-0d3e00000021", "userPrincipalName": f"room.spree@{DEMO_DOMAIN}",
     "displayName": "Meeting room Spree", "capacity": 8, "floorNumber": 2},
    {"id": "6f1c2a7e-3b9d-4c1e-9a55-0d3e00000022", "userPrincipalName": f"room.havel@{DEMO_DOMAIN}",
     "displayName": "Meeting room Havel", "capacity": 4, "floorNumber": 3},
)
_SYNC_FOLLOW_TIMEOUT_S = 120.0
_SYNC_POLL_S = 3.0


# ------------------------------------------------------------------ emulator side


def _event(subject: str, day: date, start: str, end: str, ical_uid: str, **extra: Any) -> dict[str, Any]:
    digest = base64.urlsafe_b64encode(hashlib.sha256(ical_uid.encode()).digest()).decode().rstrip("=")
    return {
        # Fixed, in Exchange's shape: the sync maps events by id, so a re-seeded event must keep its id.
        "id": f"AAMkA{digest}",
        "subject": subject,
        "start": {"dateTime": f"{day.isoformat()}T{start}:00", "timeZone": DEMO_TIME_ZONE},
        "end": {"dateTime": f"{day.isoformat()}T{end}:00", "timeZone": DEMO_TIME_ZONE},
        "iCalUId": f"kontor-demo-{ical_uid}@{DEMO_DOMAIN}",
        **extra,
    }


def demo_events(today: date) -> list[dict[str, Any]]:
    """The demo mailbox's appointments, in the days after ``today`` (Berlin time)."""
    monday = today + timedelta(days=(7 - today.weekday()) % 7 or 7)  # the coming Monday
    spree = DEMO_ROOMS[0]
    return [
        _event("Weekly sales meeting", monday, "09:00", "10:00", "weekly-sales-meeting",
               body={"contentType": "text", "content": "Pipeline review, every Monday."},
               location={"displayName": spree["displayName"]},
               recurrence={"pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"],
                                       "firstDayOfWeek": "monday"},
                           "range": {"type": "noEnd", "startDate": monday.isoformat(),
                                     "recurrenceTimeZone": DEMO_TIME_ZONE}}),
        _event("Visit Muster GmbH", today + timedelta(days=1), "10:00", "11:30", "visit-muster",
               location={"displayName": "Muster GmbH, Berlin"}, categories=["Customer"]),
        _event("Call with Beispiel AG", today + timedelta(days=1), "15:00", "15:30", "call-beispiel",
               body={"contentType": "text", "content": "Follow up on the offer."}),
        _event("Quarterly planning", today + timedelta(days=2), "13:00", "15:00", "quarterly-planning",
               location={"displayName": spree["displayName"]},
               attendees=[{"type": "resource", "emailAddress": {"address": spree["userPrincipalName"],
                                                                "name": spree["displayName"]}}]),
        _event("Dentist", today + timedelta(days=3), "08:00", "09:00", "private-dentist",
               sensitivity="private", location={"displayName": "Dental practice"}),
    ]


def emulator_seed(today: date) -> dict[str, Any]:
    """The ``--seed`` document of the Graph emulator (see ``kontor.emulators.graph.server.seed``)."""
    rooms = [{"id": room["id"], "userPrincipalName": room["userPrincipalName"],
              "displayName": room["displayName"], "kind": "room",
              "place": {"capacity": room["capacity"], "building": DEMO_BRANCH, "floorNumber": room["floorNumber"],
                        "roomList": ROOM_LIST}}
             for room in DEMO_ROOMS]
    return {"tenants": [{
        "id": DEMO_AZURE_TENANT_ID, "domain": DEMO_DOMAIN, "displayName": DEMO_NAME,
        "apps": [{"displayName": "Kontor CRM (dev)", "clientId": DEMO_CLIENT_ID, "secret": DEMO_CLIENT_SECRET}],
        "mailboxes": [{"id": DEMO_MAILBOX_ID, "userPrincipalName": DEMO_MAILBOX, "displayName": DEMO_ADMIN_NAME,
                       "events": demo_events(today)}, *rooms],
    }]}


def write_emulator_seed(emulator: EmulatorSpec, data_dir: Path, today: date | None = None) -> Path:
    """Write the emulator's seed file (dates relative to today in Berlin); return its path."""
    today = today or datetime.now(ZoneInfo(DEMO_TIME_ZONE)).date()
    path = emulator.seed_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(emulator_seed(today), indent=2) + "\n", encoding="utf-8")
    return path


async def probe_emulator(emulator: EmulatorSpec, data_dir: Path) -> tuple[bool, str]:
    """(ready, detail): the emulator answers its health route over TLS with the CA it wrote."""
    ca_path = emulator.ca_path(data_dir)
    try:
        verify = ssl.create_default_context(cafile=str(ca_path))
    except (OSError, ssl.SSLError):
        return False, "no CA file yet"
    try:
        async with httpx.AsyncClient(verify=verify, timeout=2.0, trust_env=False) as client:
            response = await client.get(emulator.health_url)
    except httpx.ConnectError as exc:
        return False, "TLS not trusted yet" if "CERTIFICATE_VERIFY_FAILED" in str(exc) else "not listening"
    except httpx.HTTPError as exc:
        return False, f"health failed: {exc.__class__.__name__}"
    if response.status_code == 200:
        return True, "ready"
    return False, f"health answered HTTP {response.status_code}"


async def wait_for_emulator(emulator: EmulatorSpec, data_dir: Path, timeout: float) -> tuple[bool, str]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        ready, detail = await probe_emulator(emulator, data_dir)
        if ready or loop.time() >= deadline:
            return ready, detail
        await asyncio.sleep(0.3)


# ------------------------------------------------------------------ CRM side


@dataclass
class GroupwareSeed:
    server_id: str
    server: str  # "registered", "updated", "exists"
    rooms: dict[str, int]  # the refresh's counts: created, updated, deactivated, unchanged
    connector_id: str
    connector_created: bool
    sync: dict[str, Any] | None = None  # the health after asking for a resync; None: no sync API
    sync_note: str = ""
    resync_requested_at: datetime | None = None


def server_body(emulator: EmulatorSpec, data_dir: Path) -> dict[str, Any]:
    """What the demo branch server record holds (without its credentials)."""
    return {
        "provider": "graph", "name": DEMO_SERVER_NAME, "branch": DEMO_BRANCH,
        "azure_tenant_id": DEMO_AZURE_TENANT_ID, "client_id": DEMO_CLIENT_ID,
        # calendar-sync appends the tenant id to the authority, as for login.microsoftonline.com.
        "authority_url": emulator.base_url, "base_url": f"{emulator.base_url}/v1.0",
        # The provider trusts this file (and only it) for this server; the emulator rewrites it at every start
        # and calendar-sync reads it whenever it opens a client.
        "ca_bundle_path": str(emulator.ca_path(data_dir)),
    }


async def login(client: httpx.AsyncClient) -> tuple[dict[str, str], str]:
    """Log the demo org manager in; (authorization headers, refresh token)."""
    answer = await _call(client, "POST", "/api/v1/auth/login",
                         json={"tenant": DEMO_SLUG, "email": DEMO_ADMIN_EMAIL, "password": DEMO_PASSWORD})
    try:
        pair = answer.json()
        return {"Authorization": f"Bearer {pair['access_token']}"}, pair["refresh_token"]
    except (ValueError, KeyError, TypeError) as exc:
        raise SeedError("POST /api/v1/auth/login did not answer a token pair") from exc


async def logout(client: httpx.AsyncClient, refresh_token: str) -> None:
    try:
        await client.post("/api/v1/auth/logout", json={"refresh_token": refresh_token})
    except httpx.HTTPError:
        pass


def _json(response: httpx.Response, what: str) -> Any:
    try:
        return response.json()
    except ValueError as exc:
        raise SeedError(f"{what} did not answer JSON") from exc


async def seed_groupware(gateway_url: str, emulator: EmulatorSpec, data_dir: Path) -> GroupwareSeed:
    """Register the emulator as the demo tenant's branch server, import its rooms and connect the org
    manager's mailbox, each only when missing; then request a first (re)sync. Raises SeedError."""
    wanted = server_body(emulator, data_dir)
    async with httpx.AsyncClient(base_url=gateway_url, timeout=30.0, trust_env=False) as client:
        headers, refresh_token = await login(client)
        try:
            server_id, server_state = await _ensure_server(client, headers, wanted)
            refresh = await _call(client, "POST", f"/api/v1/groupware-servers/{server_id}/resources/refresh",
                                  headers=headers, what="importing the rooms")
            rooms = {key: int(value) for key, value in _json(refresh, "the room import").items()
                     if isinstance(value, int)}
            connector_id, created = await _ensure_connector(client, headers, server_id)
            result = GroupwareSeed(server_id=server_id, server=server_state, rooms=rooms,
                                   connector_id=connector_id, connector_created=created)
            await _request_resync(client, headers, result)
            return result
        finally:
            await logout(client, refresh_token)


async def _ensure_server(client: httpx.AsyncClient, headers: dict[str, str],
                         wanted: dict[str, Any]) -> tuple[str, str]:
    listing = _json(await _call(client, "GET", "/api/v1/groupware-servers", headers=headers),
                    "GET /api/v1/groupware-servers")
    existing = next((s for s in listing.get("items", [])
                     if s.get("name", "").casefold() == DEMO_SERVER_NAME.casefold()), None)
    if existing is None:
        body = {**wanted, "credentials": {"client_secret": DEMO_CLIENT_SECRET}}
        created = _json(await _call(client, "POST", "/api/v1/groupware-servers", headers=headers, json=body,
                                    what="registering the demo branch server"), "the server registration")
        return str(created["id"]), "registered"
    server_id, state = str(existing["id"]), "exists"
    # A moved port or data dir changes where the emulator is; bring the record along.
    changes = {key: value for key, value in wanted.items()
               if key not in ("provider", "name") and existing.get(key) != value}
    if not existing.get("active", True):
        changes["active"] = True
    if changes:
        existing = _json(await _call(client, "PATCH", f"/api/v1/groupware-servers/{server_id}", json=changes,
                                     headers={**headers, "If-Match": f'"{existing["version"]}"'},
                                     what="updating the demo branch server"), "the server update")
        state = "updated"
    if not existing.get("has_secret", False):
        await _call(client, "PUT", f"/api/v1/groupware-servers/{server_id}/credentials",
                    json={"client_secret": DEMO_CLIENT_SECRET},
                    headers={**headers, "If-Match": f'"{existing["version"]}"'},
                    what="storing the demo server's client secret")
        state = "updated"
    return server_id, state


async def _ensure_connector(client: httpx.AsyncClient, headers: dict[str, str], server_id: str) -> tuple[str, bool]:
    listing = _json(await _call(client, "GET", "/api/v1/me/connectors", headers=headers),
                    "GET /api/v1/me/connectors")
    for connector in listing.get("items", []):
        if connector.get("server_id") == server_id and connector.get("mailbox", "").casefold() == DEMO_MAILBOX:
            return str(connector["id"]), False
    body = {"server_id": server_id, "mailbox": DEMO_MAILBOX, "direction": "both",
            # The emulator forgets what Kontor pushed when it restarts; "unlink" keeps those appointments.
            "deletion_policy": "unlink"}
    created = _json(await _call(client, "POST", "/api/v1/me/connectors", headers=headers, json=body,
                                what="connecting the demo mailbox"), "the connector")
    return str(created["id"]), True


async def _request_resync(client: httpx.AsyncClient, headers: dict[str, str], result: GroupwareSeed) -> None:
    """A full round now: the emulator was just (re)seeded, so its delta cursor is gone anyway."""
    path = f"/api/v1/connectors/{result.connector_id}/sync/resync"
    result.resync_requested_at = datetime.now(UTC)
    try:
        response = await client.post(path, headers=headers)
    except httpx.HTTPError as exc:
        result.sync_note = f"resync request failed: {exc!r}"
        return
    if response.status_code in (404, 405, 501):
        result.sync_note = f"the gateway has no sync API yet (HTTP {response.status_code})"
    elif not response.is_success:
        result.sync_note = f"resync answered HTTP {response.status_code}: {response.text.strip()[:200]}"
    else:
        result.sync = _json(response, "the resync")
        # "Sync now": the run starts at once on the worker instead of at beat's next tick.
        try:
            await client.post(f"/api/v1/connectors/{result.connector_id}/sync/run", headers=headers)
        except httpx.HTTPError:
            pass  # beat runs it anyway: the resync left the mailbox due


async def follow_first_sync(gateway_url: str, connector_id: str, since: datetime,
                            timeout: float = _SYNC_FOLLOW_TIMEOUT_S) -> tuple[dict[str, Any] | None, bool]:
    """Poll the demo connector's sync health until a run attempted after ``since`` (aware) finished, or
    ``timeout``; return (the last health, whether such a run finished).

    The health is None when it cannot be read (no sync API, login failed).
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    async with httpx.AsyncClient(base_url=gateway_url, timeout=10.0, trust_env=False) as client:
        try:
            headers, refresh_token = await login(client)
        except SeedError:
            return None, False
        health: dict[str, Any] | None = None
        try:
            while loop.time() < deadline:
                response = await client.get(f"/api/v1/connectors/{connector_id}/sync", headers=headers)
                if not response.is_success:
                    return health, False
                health = response.json()
                attempted = health.get("last_attempt_at")
                if attempted and health.get("state") != "syncing" \
                        and datetime.fromisoformat(attempted.replace("Z", "+00:00")) >= since:
                    return health, True
                await asyncio.sleep(_SYNC_POLL_S)
            return health, False
        except (httpx.HTTPError, ValueError):
            return health, False
        finally:
            await logout(client, refresh_token)


def describe_health(health: dict[str, Any]) -> str:
    """One line for a person: state, healthy, counts, reasons."""
    parts = [f"state {health.get('state')}", "healthy" if health.get("healthy") else "not healthy"]
    counts = health.get("last_counts") or {}
    if counts:
        parts.append(", ".join(f"{key} {value}" for key, value in sorted(counts.items())))
    parts.append(f"{health.get('crm_count', 0)} appointments mapped")
    if health.get("last_error"):
        parts.append(f"last error: {health['last_error']}")
    reasons = health.get("reasons") or []
    if reasons and not health.get("healthy"):
        parts.append("(" + "; ".join(reasons) + ")")
    return "; ".join(parts)
