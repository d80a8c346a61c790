from kontor.calendar_sync.main import DEFINITION
from kontor.platform.streams import domain_stream


def test_publishes_its_events_on_the_calendar_stream():
    assert DEFINITION.publishes == ("calendar",)
    assert domain_stream("calendar").subjects == ("kontor.*.calendar.>",)


def test_serves_the_calendar_api_and_calls_contacts():
    from kontor.platform.settings import ServiceSettings  # noqa: PLC0415
    from kontor.calendar_sync.settings import CalendarSyncSettings  # noqa: PLC0415

    assert DEFINITION.register_grpc is not None
    assert "contacts_addr" in CalendarSyncSettings.model_fields
    assert "contacts_addr" not in ServiceSettings.model_fields
