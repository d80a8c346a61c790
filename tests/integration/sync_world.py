"""One CRM user, one Outlook mailbox on the Graph emulator, and the sync between them, driven from outside.

The scenario tests (``test_sync_scenarios_*.py``) use only what a customer has: the gateway's REST API (the
CRM calendar, connector settings, sync health, log, conflicts, "sync now") and the emulator's ``/_control``
API, which acts as the Outlook user (changes made there look to Graph clients like changes made in Outlook).
Every world has its own Azure tenant, app registration, mailbox, Kontor tenant and connector, so the tests
share one stack (and one emulator) without seeing each other.

Waiting is always polling with a deadline: :meth:`SyncWorld.sync` asks for a run ("sync now") and waits
until a run that started after the request has finished.
"""

from __future__ import annotations

import ssl
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from tests.integration.test_companies_api import Api
from tests.integration.test_connectors_api import _as

BERLIN = ZoneInfo("Europe/Berlin")
SYNC_TIMEOUT_S = 90.0  # generous: 2 CPUs shared by everything; a run normally takes well under a second
RETRIGGER_S = 10.0  # no run started after our request within this: ask again (the first one may have been busy)
# Monday to Friday, 08:00-18:00 in Berlin.
OFFICE_HOURS = {"time_zone": "Europe/Berlin",
                **{day: [{"start": "08:00", "end": "18:00"}] for day in ("mon", "tue", "wed", "thu", "fri")}}


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def next_weekday(weekday: int, *, after_days: int = 2) -> date:
    """The first ``weekday`` (0 = Monday) at least ``after_days`` days after today in Berlin."""
    first = datetime.now(BERLIN).date() + timedelta(days=after_days)
    return first + timedelta(days=(weekday - first.weekday()) % 7)


def next_dst_change(*, after_days: int = 20) -> date:
    """The next Sunday (at least ``after_days`` from today) on which Berlin's UTC offset changes."""
    day = datetime.now(BERLIN).date() + timedelta(days=after_days)
    while berlin(day, 12).utcoffset() == berlin(day - timedelta(days=1), 12).utcoffset():
        day += timedelta(days=1)
    return day


def berlin(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN)


def graph_time(when: datetime) -> dict[str, str]:
    """A Graph dateTimeTimeZone in Berlin wall time."""
    return {"dateTime": when.astimezone(BERLIN).replace(tzinfo=None).isoformat(timespec="seconds"),
            "timeZone": "Europe/Berlin"}


def graph_instant(value: dict[str, str]) -> datetime:
    """A dateTimeTimeZone the emulator rendered (UTC unless a Prefer header asked otherwise) as an instant."""
    zone = value.get("timeZone") or "UTC"
    naive = datetime.fromisoformat(value["dateTime"][:26].rstrip("Z"))
    return naive.replace(tzinfo=UTC if zone.upper() in ("UTC", "Z") else ZoneInfo(zone))


def trusting(ca_path: str) -> ssl.SSLContext:
    """TLS that trusts the emulator's CA (and only it)."""
    return ssl.create_default_context(cafile=ca_path)


class Control:
    """The emulator's ``/_control`` API over HTTPS (trusting the CA the emulator wrote)."""

    def __init__(self, base_url: str, ca_path: str) -> None:
        self.client = httpx.Client(base_url=f"{base_url}/_control", verify=trusting(ca_path), timeout=30,
                                   trust_env=False)

    def __call__(self, method: str, path: str, expect: int | tuple[int, ...] = (200, 201, 204), **kwargs) -> Any:
        response = self.client.request(method, path, **kwargs)
        expected = (expect,) if isinstance(expect, int) else expect
        assert response.status_code in expected, f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None


@dataclass
class SyncWorld:
    stack: Any
    control: Control
    ca_path: str
    base_url: str
    azure_tenant: str
    domain: str
    client_id: str
    secret: str
    upn: str
    api: Any  # tests.integration.test_companies_api.Api as the connector's owner (org_manager)
    server: dict = field(default_factory=dict)
    connector: dict = field(default_factory=dict)

    # ------------------------------------------------------------------ set-up

    @classmethod
    def create(cls, stack, emulator, *, role: str = "org_manager", **connector_settings) -> SyncWorld:
        ca_path = str(emulator.ca_path(stack.data_dir))
        control = Control(emulator.base_url, ca_path)
        domain = f"t{uuid.uuid4().hex[:10]}.example"
        azure = control("POST", "/tenants", json={"domain": domain, "displayName": "Scenario"})
        app = control("POST", f"/tenants/{azure['id']}/apps", json={"displayName": "Kontor CRM"})
        upn = f"anna@{domain}"
        control("POST", f"/tenants/{azure['id']}/mailboxes", json={"userPrincipalName": upn, "displayName": "Anna"})
        world = cls(stack=stack, control=control, ca_path=ca_path, base_url=emulator.base_url,
                    azure_tenant=azure["id"], domain=domain, client_id=app["clientId"], secret=app["secret"],
                    upn=upn, api=_as(stack, uuid.uuid4(), role, email=upn))  # a personal mailbox is its user's
        world.server = world._ok(world.api.post("/groupware-servers", json={
            "provider": "graph", "name": f"Branch {domain}", "branch": "Berlin",
            "azure_tenant_id": azure["id"], "client_id": app["clientId"],
            "authority_url": emulator.base_url, "base_url": f"{emulator.base_url}/v1.0", "ca_bundle_path": ca_path,
            "credentials": {"client_secret": app["secret"]}}), 201)
        world.connector = world._ok(world.api.post("/me/connectors", json={
            "server_id": world.server["id"], "mailbox": upn, **connector_settings}), 201)
        return world

    @staticmethod
    def _ok(response: httpx.Response, status: int = 200) -> Any:
        assert response.status_code == status, f"{response.request.method} {response.request.url}: " \
                                               f"{response.status_code} {response.text}"
        return response.json() if response.content else None

    @property
    def user_id(self) -> str:
        return self.api.user_id

    @property
    def sync_path(self) -> str:
        return f"/connectors/{self.connector['id']}/sync"

    def as_user(self, role: str) -> Any:
        """Another user of the same Kontor tenant (a superadmin only as a token: the directory has none)."""
        if role == "superadmin":
            return Api(self.stack, self.api.tenant, roles=(role,))
        return _as(self.stack, self.api.tenant, role)

    def colleague(self, name: str, role: str = "sales_rep") -> SyncWorld:
        """Another CRM user of the same tenant with their own mailbox on the same server and a connector."""
        upn = f"{name}@{self.domain}"
        self.control("POST", f"/tenants/{self.azure_tenant}/mailboxes",
                     json={"userPrincipalName": upn, "displayName": name.title()})
        other = SyncWorld(stack=self.stack, control=self.control, ca_path=self.ca_path, base_url=self.base_url,
                          azure_tenant=self.azure_tenant, domain=self.domain, client_id=self.client_id,
                          secret=self.secret, upn=upn, api=_as(self.stack, self.api.tenant, role, email=upn),
                          server=self.server)
        other.connector = other._ok(other.api.post("/me/connectors", json={"server_id": self.server["id"],
                                                                           "mailbox": upn}), 201)
        return other

    def other_calendar(self, name: str) -> SyncWorld:
        """The mailbox of someone who is not a CRM user, synced by this (manager) user as an other calendar."""
        upn = f"{name}@{self.domain}"
        self.control("POST", f"/tenants/{self.azure_tenant}/mailboxes",
                     json={"userPrincipalName": upn, "displayName": name.title()})
        other = SyncWorld(stack=self.stack, control=self.control, ca_path=self.ca_path, base_url=self.base_url,
                          azure_tenant=self.azure_tenant, domain=self.domain, client_id=self.client_id,
                          secret=self.secret, upn=upn, api=self.api, server=self.server)
        other.connector = other._ok(self.api.post("/me/connectors", json={
            "server_id": self.server["id"], "mailbox": upn, "kind": "other_calendar",
            "display_name": name.title()}), 201)
        return other

    def add_room(self, name: str) -> str:
        """A room mailbox in the Azure tenant (Graph places); returns its address."""
        upn = f"{name.lower().replace(' ', '.')}@{self.domain}"
        self.control("POST", f"/tenants/{self.azure_tenant}/mailboxes", json={
            "userPrincipalName": upn, "displayName": name, "kind": "room",
            "place": {"capacity": 8, "building": "Berlin", "floorNumber": 2}})
        return upn

    def graph(self, path: str, method: str = "GET", json: Any = None, **params) -> Any:
        """Graph as a client would call it (app-only token from the emulator's token endpoint), e.g. Outlook's
        answer to a meeting: ``graph("/events/{id}/accept", "POST", {...})``."""
        token = httpx.post(f"{self.base_url}/{self.azure_tenant}/oauth2/v2.0/token", verify=trusting(self.ca_path),
                           trust_env=False, data={"grant_type": "client_credentials", "client_id": self.client_id,
                                                  "client_secret": self.secret,
                                                  "scope": "https://graph.microsoft.com/.default"})
        assert token.status_code == 200, token.text
        response = httpx.request(method, f"{self.base_url}/v1.0/users/{self.upn}{path}", params=params, json=json,
                                 verify=trusting(self.ca_path), trust_env=False,
                                 headers={"Authorization": f"Bearer {token.json()['access_token']}"})
        assert response.status_code in (200, 201, 202, 204), f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None

    def instances(self, master_id: str, start: datetime, end: datetime) -> list[dict]:
        """A series' occurrences and exceptions between two instants, by start."""
        found = self.graph(f"/events/{master_id}/instances", startDateTime=start.astimezone(UTC).isoformat(),
                           endDateTime=end.astimezone(UTC).isoformat())["value"]
        return sorted(found, key=lambda e: graph_instant(e["start"]))

    def set_connector(self, **fields) -> dict:
        current = self._ok(self.api.get(f"/connectors/{self.connector['id']}"))
        self.connector = self._ok(self.api.patch(f"/connectors/{self.connector['id']}", json=fields,
                                                 headers={"If-Match": f'"{current["version"]}"'}))
        return self.connector

    # ------------------------------------------------------------------ sync

    def health(self) -> dict:
        return self._ok(self.api.get(self.sync_path))

    def log(self) -> list[dict]:
        return self._ok(self.api.get(self.sync_path + "/log"))["items"]

    def conflicts(self) -> list[dict]:
        return self._ok(self.api.get(self.sync_path + "/conflicts"))["items"]

    def run_now(self) -> dict:
        return self._ok(self.api.post(self.sync_path + "/run"), 202)

    def sync(self, timeout: float = SYNC_TIMEOUT_S) -> dict:
        """"Sync now", then the health once a run that started after the request has finished."""
        requested = datetime.now(UTC)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.run_now()
            retrigger = time.monotonic() + RETRIGGER_S
            while time.monotonic() < min(retrigger, deadline):
                health = self.health()
                attempted = health["last_attempt_at"]
                if attempted and parse(attempted) >= requested and health["state"] != "syncing":
                    return health
                time.sleep(0.2)
        raise AssertionError(f"no sync run finished within {timeout}s; health: {self.health()}\n"
                             f"{self.stack.log('calendar-sync-worker')[-3000:]}")

    def sync_until(self, condition, timeout: float = SYNC_TIMEOUT_S, what: str = "condition") -> dict:
        """Runs until ``condition(health)`` holds (e.g. a throttled mailbox recovering at its retry_after)."""
        deadline = time.monotonic() + timeout
        health = {}
        while time.monotonic() < deadline:
            health = self.sync(timeout=max(deadline - time.monotonic(), 1.0))
            if condition(health):
                return health
            time.sleep(0.2)
        raise AssertionError(f"{what} not reached within {timeout}s; health: {health}")

    # ------------------------------------------------------------------ the Outlook side

    def outlook_events(self, upn: str | None = None) -> list[dict]:
        return self.control("GET", f"/mailboxes/{upn or self.upn}/events")["value"]

    def outlook_event(self, subject: str) -> dict:
        found = [e for e in self.outlook_events() if e.get("subject") == subject]
        assert len(found) == 1, f"{len(found)} Outlook events named {subject!r}: {found}"
        return found[0]

    def outlook_create(self, subject: str, start: datetime, end: datetime, **extra) -> dict:
        return self.control("POST", f"/mailboxes/{self.upn}/events", json={
            "subject": subject, "start": graph_time(start), "end": graph_time(end), **extra})

    def outlook_update(self, event_id: str, **fields) -> dict:
        return self.control("PATCH", f"/mailboxes/{self.upn}/events/{event_id}", json=fields)

    def outlook_delete(self, event_id: str) -> None:
        self.control("DELETE", f"/mailboxes/{self.upn}/events/{event_id}")

    def sent(self) -> list[dict]:
        """Meeting requests, updates and cancellations the mailbox "sent" to attendees."""
        return self.control("GET", f"/mailboxes/{self.upn}/sent")["value"]

    # ------------------------------------------------------------------ the CRM side

    def crm_occurrences(self, api=None, user_id: str | None = None, days: int = 120) -> list[dict]:
        """The user's calendar (what the CRM shows), one item per occurrence in -8..+``days`` days."""
        api = api or self.api
        now = datetime.now(UTC)
        items, token = [], ""
        while True:
            page = self._ok(api.get(f"/calendars/users/{user_id or self.user_id}", params={
                "from": (now - timedelta(days=8)).isoformat(), "to": (now + timedelta(days=days)).isoformat(),
                "page_size": 200, "page_token": token}))
            items += page["items"]
            token = page["next_page_token"]
            if not token:
                return items

    def crm_appointments(self, api=None, days: int = 120) -> list[dict]:
        """The appointments behind the user's calendar, once each."""
        seen: dict[str, dict] = {}
        for item in self.crm_occurrences(api, days=days):
            seen.setdefault(item["appointment"]["id"], item["appointment"])
        return list(seen.values())

    def crm_find(self, subject: str, days: int = 120) -> dict:
        found = [a for a in self.crm_appointments(days=days) if a["subject"] == subject]
        assert len(found) == 1, f"{len(found)} CRM appointments named {subject!r}"
        return found[0]

    def crm_get(self, appointment_id: str, api=None) -> httpx.Response:
        return (api or self.api).get(f"/appointments/{appointment_id}")

    def crm_create(self, subject: str, start: datetime, end: datetime, **fields) -> dict:
        return self._ok(self.api.post("/appointments", json={
            "type": "activity", "activity": "meeting", "subject": subject, "start": start.isoformat(),
            "end": end.isoformat(), "time_zone": "Europe/Berlin", **fields}), 201)

    def crm_update(self, appointment_id: str, **fields) -> dict:
        current = self._ok(self.crm_get(appointment_id))
        return self._ok(self.api.patch(f"/appointments/{appointment_id}", json=fields,
                                       headers={"If-Match": f'"{current["version"]}"'}))

    def crm_delete(self, appointment_id: str) -> None:
        current = self._ok(self.crm_get(appointment_id))
        self._ok(self.api.delete(f"/appointments/{appointment_id}",
                                 headers={"If-Match": f'"{current["version"]}"'}), 204)
