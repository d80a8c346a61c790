"""Sync scenarios through the gateway and the Graph emulator: what does not sync. The time window, working
hours (and the hand push that overrides them), completed appointments and the "don't sync" flag."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.integration.sync_world import BERLIN, OFFICE_HOURS, SyncWorld, berlin, graph_time, next_weekday
from tests.integration.test_companies_api import _problem


@pytest.fixture
def world(stack, graph_emulator, calendar_sync_worker) -> SyncWorld:
    return SyncWorld.create(stack, graph_emulator)


def _subjects(events: list[dict]) -> list[str]:
    return sorted(e["subject"] for e in events)


def test_only_the_time_window_syncs_both_ways(world):
    world.set_connector(window_past_days=7, window_future_days=30)
    today = datetime.now(BERLIN).date()
    far = today + timedelta(days=60)  # after the window, inside the CRM view the helpers read
    near = next_weekday(1)
    world.outlook_create("Outlook far", berlin(far, 10), berlin(far, 11))
    world.outlook_create("Outlook near", berlin(near, 10), berlin(near, 11))
    world.crm_create("CRM far", berlin(far, 14), berlin(far, 15))
    world.crm_create("CRM near", berlin(near, 14), berlin(near, 15))

    health = world.sync()
    assert health["state"] == "idle" and health["pending_pushes"] == 0, health
    assert sorted(a["subject"] for a in world.crm_appointments()) == ["CRM far", "CRM near", "Outlook near"]
    assert _subjects(world.outlook_events()) == ["CRM near", "Outlook far", "Outlook near"]

    # Moved into the window in Outlook: it arrives then.
    far_event = next(e for e in world.outlook_events() if e["subject"] == "Outlook far")
    world.outlook_update(far_event["id"], start=graph_time(berlin(near, 16)), end=graph_time(berlin(near, 17)))
    world.sync()
    assert sorted(a["subject"] for a in world.crm_appointments()) == ["CRM far", "CRM near", "Outlook far",
                                                                      "Outlook near"]
    # A wider window takes the CRM's far appointment along, without copying anything twice.
    world.set_connector(window_future_days=90)
    world.sync()
    assert _subjects(world.outlook_events()) == ["CRM far", "CRM near", "Outlook far", "Outlook near"]
    assert len(world.crm_appointments()) == 4


def test_outside_working_hours_stays_in_the_crm_until_pushed_by_hand(world):
    world.set_connector(working_hours=OFFICE_HOURS)
    tuesday, saturday = next_weekday(1), next_weekday(5)
    world.crm_create("Inside hours", berlin(tuesday, 10), berlin(tuesday, 11))
    late = world.crm_create("Evening call", berlin(tuesday, 19), berlin(tuesday, 20))
    world.crm_create("Saturday fair", berlin(saturday, 10), berlin(saturday, 12))
    health = world.sync()
    assert health["state"] == "idle" and health["pending_pushes"] == 0, health
    assert _subjects(world.outlook_events()) == ["Inside hours"]

    # Pushed by hand: it goes out (and stays synced from then on).
    pushed = world.api.post(f"/appointments/{late['id']}/sync-push", json={})
    assert pushed.status_code == 202, pushed.text
    assert pushed.json()["connector_ids"] == [world.connector["id"]]
    world.sync()
    assert _subjects(world.outlook_events()) == ["Evening call", "Inside hours"]
    world.crm_update(late["id"], subject="Evening call (moved)")
    world.sync()
    assert _subjects(world.outlook_events()) == ["Evening call (moved)", "Inside hours"]
    # An out-of-hours appointment made in Outlook still arrives: working hours limit what the CRM sends.
    world.outlook_create("Outlook evening", berlin(tuesday, 21), berlin(tuesday, 22))
    world.sync()
    assert "Outlook evening" in [a["subject"] for a in world.crm_appointments()]


def test_completed_and_dont_sync_appointments_stay_in_the_crm(world):
    day = next_weekday(3)
    world.crm_create("Done already", berlin(day, 9), berlin(day, 10), status="completed")
    world.crm_create("Not for Outlook", berlin(day, 11), berlin(day, 12), sync_disabled=True)
    running = world.crm_create("Still open", berlin(day, 13), berlin(day, 14))
    world.sync()
    assert _subjects(world.outlook_events()) == ["Still open"]

    # Completed later: the CRM's further changes no longer go out (nothing is deleted in Outlook either).
    world.crm_update(running["id"], status="completed", notes="Visit report: signed")
    world.crm_update(running["id"], subject="Still open (done)")
    health = world.sync()
    assert health["pending_pushes"] == 0
    [event] = world.outlook_events()
    assert event["subject"] == "Still open" and "signed" not in event["body"]["content"]
    # A hand push of a completed appointment is refused, naming the appointment.
    problem = _problem(world.api.post(f"/appointments/{running['id']}/sync-push", json={}), 422)
    assert [e["field"] for e in problem.get("errors", [])] == ["appointment_id"]
