"""Sync scenarios through the gateway and the Graph emulator: both sides changed (the conflict policies, and
different fields kept from both), and the deletion policies."""

from __future__ import annotations

import pytest

from tests.integration.sync_world import SyncWorld, berlin, next_weekday, parse
from tests.integration.test_companies_api import _problem


@pytest.fixture
def world(stack, graph_emulator, calendar_sync_worker) -> SyncWorld:
    return SyncWorld.create(stack, graph_emulator)


def _synced_pair(world: SyncWorld, subject: str) -> tuple[dict, dict]:
    day = next_weekday(2)
    appointment = world.crm_create(subject, berlin(day, 10), berlin(day, 11), location="Room Elbe")
    world.sync()
    return appointment, world.outlook_event(subject)


@pytest.mark.parametrize(("policy", "crm_edits_last", "winner"), [
    ("newest_wins", True, "crm"),
    ("newest_wins", False, "groupware"),
    ("crm_wins", False, "crm"),  # the CRM wins although Outlook changed later
    ("groupware_wins", True, "groupware"),  # Outlook wins although the CRM changed later
])
def test_both_sides_changed_the_same_field(world, policy, crm_edits_last, winner):
    world.set_connector(conflict_policy=policy)
    appointment, event = _synced_pair(world, "Kick-off")
    crm_edit = lambda: world.crm_update(appointment["id"], subject="Kick-off (CRM)")  # noqa: E731
    outlook_edit = lambda: world.outlook_update(event["id"], subject="Kick-off (Outlook)")  # noqa: E731
    for edit in ((outlook_edit, crm_edit) if crm_edits_last else (crm_edit, outlook_edit)):
        edit()

    health = world.sync()
    expected = "Kick-off (CRM)" if winner == "crm" else "Kick-off (Outlook)"
    assert world.crm_get(appointment["id"]).json()["subject"] == expected
    assert world.outlook_event(expected)["id"] == event["id"]
    [conflict] = world.conflicts()
    assert conflict["appointment_id"] == appointment["id"] and conflict["fields"] == ["subject"]
    assert conflict["policy"] == policy and conflict["winner"] == winner
    assert health["conflicts"] == 1
    assert "Kick-off" not in str(conflict)  # conflicts name fields, never values
    # Settled: the next run finds nothing more to decide.
    assert world.sync()["conflicts"] == 1 and len(world.conflicts()) == 1


def test_different_fields_changed_on_both_sides_are_both_kept(world):
    appointment, event = _synced_pair(world, "Workshop")
    world.crm_update(appointment["id"], location="Room Spree")
    world.outlook_update(event["id"], subject="Workshop (agenda v2)")
    world.sync()
    crm = world.crm_get(appointment["id"]).json()
    outlook = world.outlook_event("Workshop (agenda v2)")
    assert crm["subject"] == "Workshop (agenda v2)" and crm["location"] == "Room Spree"
    assert outlook["location"]["displayName"] == "Room Spree"
    assert parse(crm["start"]) == parse(appointment["start"])
    assert world.conflicts() == []


def test_deletion_policy_unlink_keeps_the_other_side(world):
    world.set_connector(deletion_policy="unlink")
    day = next_weekday(4)
    kept_in_crm = world.crm_create("Deleted in Outlook", berlin(day, 9), berlin(day, 10))
    kept_in_outlook = world.crm_create("Deleted in the CRM", berlin(day, 11), berlin(day, 12))
    world.outlook_create("From Outlook", berlin(day, 13), berlin(day, 14))
    world.sync()
    assert len(world.outlook_events()) == 3 and len(world.crm_appointments()) == 3

    world.outlook_delete(world.outlook_event("Deleted in Outlook")["id"])
    world.crm_delete(kept_in_outlook["id"])
    world.sync()
    # Each side keeps its copy; neither comes back to the side that deleted it.
    assert world.crm_get(kept_in_crm["id"]).status_code == 200
    _problem(world.crm_get(kept_in_outlook["id"]), 404)
    assert sorted(e["subject"] for e in world.outlook_events()) == ["Deleted in the CRM", "From Outlook"]
    world.crm_update(kept_in_crm["id"], subject="Deleted in Outlook (edited in the CRM)")
    world.sync()
    assert sorted(e["subject"] for e in world.outlook_events()) == ["Deleted in the CRM", "From Outlook"]
    assert sorted(a["subject"] for a in world.crm_appointments()) == ["Deleted in Outlook (edited in the CRM)",
                                                                      "From Outlook"]


def test_deletion_policy_delete_removes_the_other_side_and_nothing_comes_back(world):
    world.set_connector(deletion_policy="delete_other_side")
    day = next_weekday(4)
    crm_side = world.crm_create("CRM made", berlin(day, 9), berlin(day, 10))
    world.outlook_create("Outlook made", berlin(day, 11), berlin(day, 12))
    world.outlook_create("Stays", berlin(day, 15), berlin(day, 16))
    world.sync()
    outlook_side = world.crm_find("Outlook made")

    world.crm_delete(crm_side["id"])
    world.outlook_delete(world.outlook_event("Outlook made")["id"])
    world.sync()
    assert [e["subject"] for e in world.outlook_events()] == ["Stays"]
    assert [a["subject"] for a in world.crm_appointments()] == ["Stays"]
    _problem(world.crm_get(outlook_side["id"]), 404)
    # A full resync brings nothing back.
    assert world.api.post(world.sync_path + "/resync").status_code == 202
    world.sync()
    assert [e["subject"] for e in world.outlook_events()] == ["Stays"]
    assert [a["subject"] for a in world.crm_appointments()] == ["Stays"]
