"""Pushing one appointment to the groupware by hand (POST /appointments/{id}/sync-push) over the gateway: an
appointment outside working hours reaches Outlook only when pushed, and only its owner (or a manager) may."""

from __future__ import annotations

import uuid

import pytest

from tests.integration.sync_world import OFFICE_HOURS, SyncWorld, berlin, graph_instant, next_weekday
from tests.integration.test_companies_api import _fields, _problem
from tests.integration.test_connectors_api import _as, _server

SATURDAY_EVENING = {"start": "2026-03-28T19:00:00+01:00", "end": "2026-03-28T20:00:00+01:00",
                    "time_zone": "Europe/Vienna"}


@pytest.fixture
def world(stack, graph_emulator, calendar_sync_worker) -> SyncWorld:
    return SyncWorld.create(stack, graph_emulator, working_hours=OFFICE_HOURS)


def test_an_out_of_hours_appointment_reaches_outlook_only_when_pushed_by_hand(world):
    saturday = next_weekday(5)
    appointment = world.crm_create("Trade fair set-up", berlin(saturday, 19), berlin(saturday, 21))
    world.sync()
    assert world.outlook_events() == []  # outside the working hours: the sync leaves it out

    pushed = world.api.post(f"/appointments/{appointment['id']}/sync-push")
    assert pushed.status_code == 202, pushed.text
    assert pushed.json() == {"appointment_id": appointment["id"], "connector_ids": [world.connector["id"]]}
    world.sync()
    event = world.outlook_event("Trade fair set-up")
    assert graph_instant(event["start"]) == berlin(saturday, 19)
    codes = [line["code"] for line in world.log()]
    assert "push_by_hand" in codes and "pushed" in codes

    # From now on it is a synced appointment like any other: a change in the CRM follows it to Outlook.
    world.crm_update(appointment["id"], subject="Trade fair set-up (hall 4)")
    world.sync()
    assert world.outlook_event("Trade fair set-up (hall 4)")["id"] == event["id"]
    assert len(world.outlook_events()) == 1 and world.sent() == []  # no invitations went out


def test_who_may_push_and_what_is_refused(stack):
    tenant = uuid.uuid4()
    boss = _as(stack, tenant, "org_manager")
    rep = _as(stack, tenant, "sales_rep")
    colleague = _as(stack, tenant, "sales_rep")
    server = _server(boss)
    mine = rep.post("/me/connectors", json={"server_id": server["id"], "mailbox": rep.email,
                                            "working_hours": OFFICE_HOURS})
    assert mine.status_code == 201, mine.text
    connector = mine.json()["id"]
    bosses = boss.post("/me/connectors", json={"server_id": server["id"], "mailbox": boss.email})
    assert bosses.status_code == 201, bosses.text

    def appointment(api, **fields) -> str:
        created = api.post("/appointments", json={**SATURDAY_EVENING, "subject": "Late call", **fields})
        assert created.status_code == 201, created.text
        return created.json()["id"]

    late = appointment(rep)
    path = f"/appointments/{late}/sync-push"
    pushed = rep.post(path, json={"connector_id": connector})
    assert pushed.status_code == 202, pushed.text
    assert pushed.json()["connector_ids"] == [connector]
    health = rep.get(f"/connectors/{connector}/sync").json()
    assert health["pending_pushes"] == 1  # persisted: a run carries it out, whenever that is
    assert "push_by_hand" in [line["code"] for line in rep.get(f"/connectors/{connector}/sync/log").json()["items"]]
    assert boss.post(path).json()["connector_ids"] == [connector]  # a manager may; into the owner's mailbox

    _problem(colleague.post(path), 403)  # somebody else's appointment
    _problem(_as(stack, uuid.uuid4(), "org_manager").post(path), 404)  # another tenant's
    _problem(rep.post(f"/appointments/{uuid.uuid4()}/sync-push"), 404)
    assert _fields(_problem(rep.post("/appointments/not-a-uuid/sync-push"), 422)) == ["appointment_id"]
    assert _fields(_problem(rep.post(path, json={"connector_id": "nope"}), 422)) == ["connector_id"]
    # Only the owner's connectors: the manager's mailbox is not where the rep's appointment goes.
    assert _fields(_problem(rep.post(path, json={"connector_id": bosses.json()["id"]}), 422)) == ["connector_id"]
    assert _fields(_problem(rep.post(path, json={"mailbox": "x"}), 422)) == ["mailbox"]  # unknown field
    # What a person chose never to sync stays out, with the reason.
    quiet = appointment(rep, sync_disabled=True)
    problem = _problem(rep.post(f"/appointments/{quiet}/sync-push"), 422)
    assert _fields(problem) == ["appointment_id"] and "don't sync" in problem["errors"][0]["reason"]
    done = appointment(rep, status="completed")
    assert _fields(_problem(rep.post(f"/appointments/{done}/sync-push"), 422)) == ["appointment_id"]
    # Nobody to push to: the colleague has no connector.
    theirs = appointment(colleague)
    assert _fields(_problem(colleague.post(f"/appointments/{theirs}/sync-push"), 422)) == ["connector_id"]
