"""Sync scenarios through the gateway and the Graph emulator: an expired delta token (410) and a requested
resync, throttling (429 with Retry-After), and revoked credentials (re-authorisation)."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import timedelta

import pytest

from tests.integration.helpers import apoll
from tests.integration.natsutil import read_stream
from tests.integration.sync_world import SyncWorld, berlin, next_weekday, parse


@pytest.fixture
def world(stack, graph_emulator, calendar_sync_worker) -> SyncWorld:
    return SyncWorld.create(stack, graph_emulator)


def _meeting(world: SyncWorld, subject: str, day, hour: int) -> dict:
    """An Outlook meeting the mailbox organises, with an external attendee (so a write would mail them)."""
    return world.outlook_create(subject, berlin(day, hour), berlin(day, hour + 1), attendees=[
        {"type": "required", "emailAddress": {"address": f"guest-{hour}@partner.example", "name": "Guest"}}])


def _state(world: SyncWorld) -> tuple[list, list, list]:
    crm = sorted((a["subject"], a["start"], tuple(sorted(map(str, a["links"])))) for a in world.crm_appointments())
    outlook = sorted((e["subject"], e["id"]) for e in world.outlook_events())
    return crm, outlook, world.sent()


def test_an_expired_delta_token_resyncs_without_duplicates_or_invitations(world):
    company = world.api.company()
    day = next_weekday(1)
    world.crm_create("Linked visit", berlin(day, 9), berlin(day, 10), links=[{"type": "company", "id": company["id"]}])
    _meeting(world, "Partner meeting", day, 11)
    _meeting(world, "Supplier meeting", day, 14)
    first = world.sync()
    assert first["crm_count"] == 3
    before = _state(world)
    assert len(before[2]) == 2  # the two meeting requests Outlook sent when the meetings were made

    world.control("POST", f"/mailboxes/{world.upn}/delta/expire", json={"code": "SyncStateNotFound"})
    health = world.sync()
    assert health["state"] == "idle" and health["last_error"] == "", health
    assert any(line["code"] == "resync" for line in world.log())  # the 410 was noticed and reconciled
    assert _state(world) == before  # no duplicates either side, links kept, nothing sent to attendees
    assert health["reconciled"] and health["missing_in_crm"] == 0 and health["missing_remote"] == 0
    assert health["healthy"] is True, health["reasons"]

    # A resync a user asks for behaves the same.
    assert world.api.post(world.sync_path + "/resync").status_code == 202
    world.sync()
    assert _state(world) == before


def test_throttling_holds_the_work_and_recovers(world):
    day = next_weekday(2)
    world.sync()  # a cursor first, so the throttled round is an incremental one
    appointment = world.crm_create("Pushed after the storm", berlin(day, 10), berlin(day, 11))
    world.outlook_create("Made during the storm", berlin(day, 13), berlin(day, 14))
    # Every request of the mailbox answers 429 for a while: more than the provider retries in one go.
    world.control("PUT", f"/mailboxes/{world.upn}/throttle",
                  json={"inject": {"status": 429, "count": 12, "retryAfter": 1}})
    throttled = world.sync()
    assert throttled["state"] == "throttled" and throttled["retry_after"] is not None, throttled
    assert parse(throttled["retry_after"]) > parse(throttled["last_attempt_at"])
    assert throttled["pending_pushes"] == 1  # the CRM change is kept, not dropped
    assert any(line["code"] == "throttled" and line["level"] == "warning" for line in world.log())
    assert world.control("GET", f"/mailboxes/{world.upn}/stats")["throttled"] > 0

    recovered = world.sync_until(lambda h: h["state"] == "idle", what="recovery from throttling")
    assert recovered["pending_pushes"] == 0 and recovered["last_error"] == ""
    assert [e["subject"] for e in world.outlook_events()].count("Pushed after the storm") == 1
    assert world.crm_find("Made during the storm")["owner_id"] == world.user_id
    assert world.crm_find("Pushed after the storm")["id"] == appointment["id"]


async def _needs_auth_events(world: SyncWorld) -> list[dict] | None:
    messages = await read_stream(world.stack.topology.infra.nats_url, "KONTOR_CALENDAR",
                                 f"kontor.{world.api.tenant}.calendar.mailbox.needs_reauthorisation")
    return [json.loads(m.data) for m in messages] or None


def test_revoked_credentials_need_reauthorisation_then_resume_from_the_cursor(world):
    day = next_weekday(3)
    world.outlook_create("Before the revocation", berlin(day, 9), berlin(day, 10))
    healthy = world.sync()
    assert healthy["state"] == "idle" and healthy["reconciled_at"] is not None

    # The customer's admin rotates the app secret in Azure and revokes issued tokens; Kontor still has the old one.
    new_secret = f"rotated-{uuid.uuid4().hex}"
    world.control("PATCH", f"/apps/{world.client_id}", json={"secret": new_secret, "revokeTokens": True})
    world.outlook_create("During the outage", berlin(day, 11), berlin(day, 12))
    broken = world.sync()
    assert broken["state"] == "needs_auth" and broken["last_error"].startswith("needs_auth"), broken
    connector = world.api.get(f"/connectors/{world.connector['id']}").json()
    assert connector["needs_reauthorisation"] is True
    assert any(line["code"] == "needs_auth" and line["level"] == "error" for line in world.log())
    assert world.run_now()["state"] == "needs_auth"  # "sync now" answers the state; no run until it is fixed
    # The user is told: one event for this episode, naming a code, never a provider message.
    [told] = asyncio.run(apoll(lambda: _needs_auth_events(world)))
    assert told["data"]["connectorId"] == world.connector["id"] and told["data"]["userId"] == world.user_id
    assert told["data"]["notifyUserIds"] == [world.user_id] and told["data"]["reason"] == "invalid_client"
    assert "During the outage" not in [a["subject"] for a in world.crm_appointments()]

    # Fixed: the new secret stored through the API; the connector's flag clears and sync resumes.
    server = world.api.get(f"/groupware-servers/{world.server['id']}").json()
    stored = world.api.put(f"/groupware-servers/{world.server['id']}/credentials", json={"client_secret": new_secret},
                           headers={"If-Match": f'"{server["version"]}"'})
    assert stored.status_code == 200, stored.text
    assert world.api.get(f"/connectors/{world.connector['id']}").json()["needs_reauthorisation"] is False
    resumed = world.sync()
    assert resumed["state"] == "idle" and resumed["last_error"] == "", resumed
    assert sorted(a["subject"] for a in world.crm_appointments()) == ["Before the revocation", "During the outage"]
    # From the stored cursor: an incremental round (a full one would have reconciled again), nothing re-created.
    assert resumed["reconciled_at"] == healthy["reconciled_at"]
    assert resumed["last_counts"].get("created") == 1


def test_a_busy_round_stays_within_graphs_per_mailbox_concurrency(world):
    # Exchange allows 4 concurrent requests per app and mailbox and answers 429 beyond that.
    world.control("PUT", f"/mailboxes/{world.upn}/throttle", json={"maxConcurrent": 4, "delayMs": 20})
    day = next_weekday(1)
    made = [world.crm_create(f"Slot {n:02d}", berlin(day, 8) + timedelta(minutes=15 * n),
                             berlin(day, 8) + timedelta(minutes=15 * n + 10)) for n in range(24)]
    health = world.sync()
    assert health["state"] == "idle" and health["pending_pushes"] == 0, health
    assert sorted(e["subject"] for e in world.outlook_events()) == sorted(a["subject"] for a in made)
    assert world.control("GET", f"/mailboxes/{world.upn}/stats")["throttled"] == 0
