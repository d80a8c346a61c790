"""Graph change notifications end to end: calendar-sync's worker subscribes the mailbox (the emulator validates the
gateway's webhook), a change made in Outlook makes the emulator POST a notification to the gateway, and the
mailbox syncs without anyone asking. Plus what the webhook tells a stranger: nothing.

Waiting is polling with a deadline (notifications and runs are asynchronous)."""

from __future__ import annotations

import time
import uuid

import httpx
import pytest
from celery import Celery

from tests.integration.sync_world import SyncWorld, berlin, next_weekday

MAINTAIN = "calendar-sync.notifications.maintain_subscriptions"
TIMEOUT_S = 90.0
ACCEPTED = "graph notifications accepted"  # calendar-sync's log line for verified notifications


@pytest.fixture
def world(stack, graph_emulator, calendar_sync_worker) -> SyncWorld:
    return SyncWorld.create(stack, graph_emulator)


def _webhook(stack) -> str:
    return f"{stack.http('gateway')}/api/v1/webhooks/graph"


def _maintain_subscriptions(stack) -> None:
    """Queue the upkeep task the way beat does (beat is off in the test stack)."""
    broker = stack.launcher.env(stack.topology.service("calendar-sync"))["KONTOR_CALENDAR_SYNC_REDIS_URL"]
    app = Celery("graph-notifications-test", broker=broker)
    app.conf.update(task_ignore_result=True)
    app.send_task(MAINTAIN, queue="calendar-sync")


def _wait(what: str, probe, timeout: float = TIMEOUT_S):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"{what} not within {timeout}s")


def _subscription(world: SyncWorld) -> dict:
    for sub in world.control("GET", "/subscriptions")["value"]:
        if sub["resource"].lower().endswith(f"{world.upn}/events"):
            return sub
    return {}


def _crm_subjects(world: SyncWorld) -> set[str]:
    return {a["subject"] for a in world.crm_appointments()}


def test_an_outlook_change_syncs_through_a_notification(stack, world):
    world.sync()  # a mailbox is subscribed once it synced
    _maintain_subscriptions(stack)
    sub = _wait("a Graph subscription for the mailbox", lambda: _subscription(world))
    assert sub["notificationUrl"] == _webhook(stack) and sub["changeType"] == "created,updated,deleted"
    accepted_before = stack.log("calendar-sync").count(ACCEPTED)

    day = next_weekday(2)
    event = world.outlook_create("Booked in Outlook, notified", berlin(day, 9), berlin(day, 10))
    # No "sync now", no beat: the notification makes this run.
    _wait("the Outlook appointment in the CRM", lambda: "Booked in Outlook, notified" in _crm_subjects(world))
    delivered = [a for a in world.control("GET", "/notifications")["value"]
                 if a["subscriptionId"] == sub["id"] and a["resource"].endswith(event["id"])]
    # "created"; then "updated" too once the run wrote Kontor's ids into the event (that run changes nothing).
    assert delivered[0]["changeType"] == "created"
    assert {(a["status"], a["delivered"]) for a in delivered} == {(202, True)}
    assert stack.log("calendar-sync").count(ACCEPTED) > accepted_before  # verified and a run requested


def test_the_webhook_echoes_validation_and_tells_strangers_nothing(stack, world):
    url = _webhook(stack)
    echo = httpx.post(url, params={"validationToken": "opaque <token> & more"},
                      headers={"Content-Type": "text/plain"}, timeout=10)
    assert echo.status_code == 200 and echo.text == "opaque <token> & more"
    assert echo.headers["content-type"].startswith("text/plain")

    world.sync()
    _maintain_subscriptions(stack)
    sub = _wait("a Graph subscription for the mailbox", lambda: _subscription(world))
    forged = {"subscriptionId": sub["id"], "clientState": "guessed", "changeType": "updated",
              "tenantId": world.azure_tenant, "resource": "Users/x/Events/y"}
    unknown = forged | {"subscriptionId": str(uuid.uuid4())}
    answers = [httpx.post(url, json={"value": [body]}, timeout=10) for body in (forged, unknown)]
    # Same answer for a forged clientState and an unknown subscription: nothing to learn from it.
    assert [(a.status_code, a.content) for a in answers] == [(202, b""), (202, b"")]
    bad = httpx.post(url, json={"value": [{"clientState": "x"}]}, timeout=10)
    assert bad.status_code == 422 and "subscriptionId" in bad.text
