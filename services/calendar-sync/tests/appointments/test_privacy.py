"""The privacy rule at the input: a private appointment keeps times, busy status and shape only."""

import uuid
from datetime import UTC, datetime

import pytest

from kontor.platform.errors import InvalidArgument

from kontor.calendar_sync.appointments.schemas import DETAIL_FIELDS, AppointmentData
from kontor.calendar_sync.appointments.service import validated

OWNER = uuid.uuid4()
DETAILS = {
    "type": "activity", "activity": "visit", "subject": "Zahnarzt", "location": "Praxis Dr. Geheim",
    "notes": "Wurzelbehandlung", "category": "Gesundheit",
    "participants": [{"kind": "employee", "id": str(uuid.uuid4())}],
    "links": [{"type": "company", "id": str(uuid.uuid4())}],
    "attachments": [{"name": "befund.pdf", "size": 3, "content_ref": "sha256:" + "a" * 64}],
    "resource_ids": [str(uuid.uuid4())],
}
TIMES = {"start": datetime(2026, 3, 23, 8, tzinfo=UTC), "end": datetime(2026, 3, 23, 9, tzinfo=UTC),
         "time_zone": "Europe/Berlin"}


def test_a_private_appointment_keeps_no_detail():
    data = AppointmentData(owner_id=OWNER, private=True, show_as="out_of_office", rrule="FREQ=WEEKLY;COUNT=2",
                           **TIMES, **DETAILS)
    kept = data.model_dump()
    for name in DETAIL_FIELDS:
        assert kept[name] in (None, []), name
    assert "Zahnarzt" not in repr(kept) and "Geheim" not in repr(kept)
    assert (kept["start"], kept["end"], kept["show_as"], kept["rrule"]) == (
        TIMES["start"], TIMES["end"], "out_of_office", "FREQ=WEEKLY;COUNT=2")


def test_a_public_appointment_keeps_its_details():
    data = AppointmentData(owner_id=OWNER, **TIMES, **DETAILS)
    assert data.subject == "Zahnarzt" and len(data.links) == 1 and data.activity == "visit"


def test_all_day_appointments_span_local_midnights():
    data = AppointmentData(owner_id=OWNER, all_day=True, start_date="2026-03-29", time_zone="Europe/Berlin")
    assert data.start == datetime(2026, 3, 28, 23, tzinfo=UTC)
    assert data.end == datetime(2026, 3, 29, 22, tzinfo=UTC)


@pytest.mark.parametrize(("values", "field"), [
    ({**TIMES, "end": datetime(2026, 3, 23, 7, tzinfo=UTC)}, "end"),
    ({"time_zone": "UTC"}, "start"),
    ({**TIMES, "time_zone": "Mars/Base"}, "time_zone"),
    ({**TIMES, "exdates": [datetime(2026, 3, 30, 7, tzinfo=UTC)]}, "exdates"),
    ({**TIMES, "type": "milestone", "activity": "call"}, "activity"),
    ({**TIMES, "subject": "a\x00b"}, "subject"),
])
def test_invalid_input_names_the_field(values, field):
    with pytest.raises(InvalidArgument) as caught:
        validated({"owner_id": OWNER, **values})
    assert caught.value.field == field
