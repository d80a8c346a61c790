"""Sync scenarios through the gateway and the Graph emulator: the connector's direction and category
mapping, a private CRM appointment going out, and the guard against a calendar that suddenly comes back
empty (pause, report, resume)."""

from __future__ import annotations

import pytest

from tests.integration.sync_world import SyncWorld, berlin, graph_instant, graph_time, next_weekday


@pytest.fixture
def world(stack, graph_emulator, calendar_sync_worker) -> SyncWorld:
    return SyncWorld.create(stack, graph_emulator)


@pytest.mark.parametrize(("direction", "into_crm", "into_outlook"), [
    ("groupware_to_crm", True, False),
    ("crm_to_groupware", False, True),
])
def test_one_way_directions(world, direction, into_crm, into_outlook):
    world.set_connector(direction=direction)
    day = next_weekday(1)
    world.outlook_create("Made in Outlook", berlin(day, 9), berlin(day, 10))
    world.crm_create("Made in the CRM", berlin(day, 11), berlin(day, 12))
    health = world.sync()
    assert health["state"] == "idle" and health["pending_pushes"] == 0, health
    crm = sorted(a["subject"] for a in world.crm_appointments())
    outlook = sorted(e["subject"] for e in world.outlook_events())
    assert crm == (["Made in Outlook"] if into_crm else []) + ["Made in the CRM"]
    assert outlook == ["Made in Outlook"] + (["Made in the CRM"] if into_outlook else [])


def test_categories_follow_the_mapping_both_ways(world):
    world.set_connector(category_mappings=[{"crm_category": "Kundentermin", "groupware_category": "Customer"}])
    day = next_weekday(2)
    world.crm_create("Visit Beispiel AG", berlin(day, 9), berlin(day, 10), category="Kundentermin")
    world.outlook_create("Call Muster GmbH", berlin(day, 11), berlin(day, 12), categories=["Customer"])
    world.sync()
    assert world.outlook_event("Visit Beispiel AG")["categories"] == ["Customer"]
    assert world.crm_find("Call Muster GmbH")["category"] == "Kundentermin"


def test_a_private_crm_appointment_goes_out_private_with_its_times_only(world):
    day = next_weekday(3)
    appointment = world.crm_create("Doctor", berlin(day, 8), berlin(day, 9), private=True, show_as="out_of_office")
    assert appointment["subject"] is None  # the CRM kept no details in the first place
    world.sync()
    [event] = world.outlook_events()
    assert event["sensitivity"] == "private" and event["showAs"] == "oof"
    assert graph_instant(event["start"]) == berlin(day, 8) and graph_instant(event["end"]) == berlin(day, 9)
    assert "Doctor" not in str(event)


def test_a_calendar_that_comes_back_empty_pauses_instead_of_deleting(world):
    day = next_weekday(4)
    made = [world.outlook_create(f"Meeting {n}", berlin(day, 9 + n), berlin(day, 10 + n)) for n in range(3)]
    world.sync()
    assert len(world.crm_appointments()) == 3

    for event in made:  # e.g. a mailbox migration gone wrong
        world.outlook_delete(event["id"])
    paused = world.sync()
    assert paused["state"] == "paused" and paused["pause_reason"] == "window_empty", paused
    assert paused["healthy"] is False
    assert len(world.crm_appointments()) == 3  # nothing deleted
    assert any(line["code"] == "window_empty" for line in world.log())

    # A person checked: the deletions were real.
    assert world.api.post(world.sync_path + "/resume", json={"accept_deletions": True}).status_code == 202
    resumed = world.sync()
    assert resumed["state"] == "idle" and resumed["crm_count"] == 0, resumed
    assert world.crm_appointments() == []


def test_another_calendar_syncs_so_its_appointments_can_be_linked(world):
    workshop = world.other_calendar("workshop")
    day = next_weekday(2)
    event = workshop.outlook_create("Service van inspection", berlin(day, 7), berlin(day, 8))
    workshop.outlook_create("Trainee day off", berlin(day, 12), berlin(day, 13), sensitivity="private")
    health = workshop.sync()
    assert health["state"] == "idle" and health["crm_count"] == 2, health
    inspection = world.crm_find("Service van inspection")
    assert inspection["owner_id"] == world.user_id  # the registering manager owns another calendar's items
    [private] = [a for a in world.crm_appointments() if a["private"]]
    assert private["subject"] is None and "Trainee" not in str(world.crm_appointments())

    # Linked in the CRM, edited in the workshop's Outlook: the link stays.
    company = world.api.company()
    world.crm_update(inspection["id"], links=[{"type": "company", "id": company["id"]}])
    workshop.sync()
    workshop.outlook_update(event["id"], subject="Service van inspection (moved)",
                            start=graph_time(berlin(day, 8)), end=graph_time(berlin(day, 9)))
    workshop.sync()
    moved = world.crm_get(inspection["id"]).json()
    assert moved["subject"] == "Service van inspection (moved)"
    assert moved["links"] == [{"type": "company", "id": company["id"]}]


def test_another_calendars_appointments_stay_out_of_the_managers_own_mailbox(world):
    workshop = world.other_calendar("workshop")
    day = next_weekday(2)
    workshop.outlook_create("Service van inspection", berlin(day, 7), berlin(day, 8))
    workshop.sync()
    world.crm_create("Quarterly review", berlin(day, 10), berlin(day, 11))  # the manager's own appointment
    world.sync()  # the manager's own mailbox
    assert [e["subject"] for e in world.outlook_events()] == ["Quarterly review"]
    workshop.sync()  # and the manager's appointment stays out of the workshop's calendar
    assert [e["subject"] for e in workshop.outlook_events()] == ["Service van inspection"]
