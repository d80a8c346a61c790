"""Sync scenarios through the gateway and the Graph emulator: create, update, move and delete both ways,
links surviving an Outlook edit, private appointments, and "sync now" itself."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest

from tests.integration.natsutil import read_stream
from tests.integration.sync_world import SyncWorld, berlin, graph_instant, graph_time, next_weekday, parse
from tests.integration.test_companies_api import _problem
from tests.integration.test_connectors_api import _as


@pytest.fixture
def world(stack, graph_emulator, calendar_sync_worker) -> SyncWorld:
    return SyncWorld.create(stack, graph_emulator)


def test_outlook_changes_arrive_in_the_crm(world):
    day = next_weekday(1)  # a Tuesday
    event = world.outlook_create("Visit Muster GmbH", berlin(day, 10), berlin(day, 11, 30),
                                 location={"displayName": "Muster GmbH, Berlin"},
                                 body={"contentType": "text", "content": "Bring the offer."})
    health = world.sync()
    assert health["state"] == "idle" and health["last_error"] == "", health
    created = world.crm_find("Visit Muster GmbH")
    assert parse(created["start"]) == berlin(day, 10) and parse(created["end"]) == berlin(day, 11, 30)
    assert created["location"] == "Muster GmbH, Berlin" and "Bring the offer." in created["notes"]
    assert created["owner_id"] == world.user_id and created["private"] is False
    assert health["crm_count"] == 1 and health["last_counts"].get("created") == 1

    # Edited and moved to the next day in Outlook.
    world.outlook_update(event["id"], subject="Visit Muster GmbH (moved)",
                         start=graph_time(berlin(day + timedelta(days=1), 14)),
                         end=graph_time(berlin(day + timedelta(days=1), 15)))
    world.sync()
    moved = world.crm_find("Visit Muster GmbH (moved)")
    assert moved["id"] == created["id"] and moved["version"] > created["version"]
    assert parse(moved["start"]) == berlin(day + timedelta(days=1), 14)
    assert len(world.crm_appointments()) == 1  # moved, not copied

    # A sync with nothing new changes nothing.
    unchanged = world.sync()
    assert world.crm_find("Visit Muster GmbH (moved)")["version"] == moved["version"]
    assert not {k: v for k, v in unchanged["last_counts"].items() if k not in ("unchanged",) and v}

    # Deleted in Outlook (deletion policy delete_other_side, the default): gone in the CRM, and stays gone.
    world.outlook_delete(event["id"])
    world.sync()
    assert world.crm_appointments() == []
    _problem(world.crm_get(created["id"]), 404)
    assert world.sync()["crm_count"] == 0
    assert world.crm_appointments() == []


def test_crm_changes_arrive_in_outlook(world):
    day = next_weekday(2)  # a Wednesday
    appointment = world.crm_create("Quarterly review", berlin(day, 9), berlin(day, 10), location="Room Spree",
                                   notes="Agenda: pipeline")
    health = world.sync()
    assert health["state"] == "idle" and health["pending_pushes"] == 0, health
    event = world.outlook_event("Quarterly review")
    assert graph_instant(event["start"]) == berlin(day, 9) and graph_instant(event["end"]) == berlin(day, 10)
    assert event["location"]["displayName"] == "Room Spree" and "Agenda: pipeline" in event["body"]["content"]

    # Pushing again (another run) never makes a second event.
    world.sync()
    assert [e["subject"] for e in world.outlook_events()] == ["Quarterly review"]

    # Renamed and moved in the CRM: the same Outlook event follows.
    world.crm_update(appointment["id"], subject="Quarterly review (moved)",
                     start=berlin(day, 13).isoformat(), end=berlin(day, 14, 30).isoformat())
    world.sync()
    moved = world.outlook_event("Quarterly review (moved)")
    assert moved["id"] == event["id"] and moved["changeKey"] != event["changeKey"]
    assert graph_instant(moved["start"]) == berlin(day, 13) and graph_instant(moved["end"]) == berlin(day, 14, 30)

    # Deleted in the CRM: deleted in Outlook.
    world.crm_delete(appointment["id"])
    health = world.sync()
    assert world.outlook_events() == []
    assert health["crm_count"] == 0 and health["pending_pushes"] == 0


def test_links_written_in_the_crm_survive_an_outlook_edit(world):
    company = world.api.company(name=f"Muster {uuid.uuid4().hex[:6]} GmbH")
    person = world.api.post(f"/companies/{company['id']}/persons", json={"first_name": "Max",
                                                                          "last_name": "Muster"})
    assert person.status_code == 201, person.text
    links = [{"type": "company", "id": company["id"]}, {"type": "contact_person", "id": person.json()["id"]}]
    day = next_weekday(3)
    appointment = world.crm_create("Contract talk", berlin(day, 10), berlin(day, 11), links=links)
    world.sync()
    event = world.outlook_event("Contract talk")

    world.outlook_update(event["id"], subject="Contract talk (agenda changed)",
                         start=graph_time(berlin(day, 11)), end=graph_time(berlin(day, 12)))
    world.sync()
    after = world.crm_find("Contract talk (agenda changed)")
    assert after["id"] == appointment["id"]
    assert sorted(map(tuple, (d.values() for d in after["links"]))) == sorted(map(tuple, (d.values() for d in links)))
    assert parse(after["start"]) == berlin(day, 11)
    # The company's calendar shows it too.
    page = world.api.get(f"/calendars/companies/{company['id']}", params={
        "from": berlin(day, 0).isoformat(), "to": berlin(day + timedelta(days=1), 0).isoformat()})
    assert page.status_code == 200, page.text
    assert [item["appointment"]["id"] for item in page.json()["items"]] == [appointment["id"]]


def test_a_private_outlook_appointment_shows_only_its_times_to_everyone(world):
    day = next_weekday(4)
    secret = f"Dentist {uuid.uuid4().hex[:6]}"
    world.outlook_create(secret, berlin(day, 8), berlin(day, 9), sensitivity="private", showAs="busy",
                         location={"displayName": "Dental practice Dr. Weiss"},
                         body={"contentType": "text", "content": "Root canal"},
                         attendees=[{"type": "required", "emailAddress": {"address": "dr.weiss@praxis.example",
                                                                          "name": "Dr. Weiss"}}])
    world.sync()
    readers = [world.api, world.as_user("org_manager"), world.as_user("superadmin")]
    for reader in readers:
        [appointment] = world.crm_appointments(reader)
        assert appointment["private"] is True
        assert parse(appointment["start"]) == berlin(day, 8) and parse(appointment["end"]) == berlin(day, 9)
        assert appointment["show_as"] == "busy"
        assert appointment["subject"] is None and appointment["location"] is None and appointment["notes"] is None
        assert appointment["participants"] == [] and appointment["links"] == []
        direct = world.crm_get(appointment["id"], api=reader)
        assert direct.status_code == 200, direct.text
        for text in (secret, "Dental practice", "Root canal", "dr.weiss"):
            assert text not in direct.text
    for text in (secret, "Dental practice", "Root canal", "dr.weiss"):
        assert text not in str(world.log()) and text not in str(world.health())
    # Nor in the services' logs or the events calendar-sync published for the tenant.
    logs = "".join(world.stack.log(name) for name in ("calendar-sync", "calendar-sync-worker", "gateway"))
    events = asyncio.run(read_stream(world.stack.topology.infra.nats_url, "KONTOR_CALENDAR",
                                     f"kontor.{world.api.tenant}.>"))
    assert events  # the appointment's creation was published: the scan below looks at something
    published = b"".join(m.data for m in events).decode()
    for text in (secret, "Dental practice", "Root canal", "dr.weiss"):
        assert text not in logs and text not in published


def test_sync_now_follows_the_connector_rules(world):
    # Another user's connector answers 404; a malformed id 422; another tenant 404.
    other = world.as_user("sales_rep")
    _problem(other.post(world.sync_path + "/run"), 404)
    _problem(world.api.post("/connectors/not-a-uuid/sync/run"), 422)
    _problem(_as(world.stack, uuid.uuid4(), "org_manager").post(world.sync_path + "/run"), 404)
    assert world.as_user("org_manager").post(world.sync_path + "/run").status_code == 202  # managers may
    # The owner's answer is the health as it is now (202); a second request while one is queued is no error.
    first = world.run_now()
    assert first["connector_id"] == world.connector["id"]
    second = world.run_now()
    assert second["state"] in ("idle", "syncing")
    health = world.sync()
    assert health["state"] == "idle" and health["last_success_at"] is not None
