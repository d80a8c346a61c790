from kontor.calendar_sync.main import DEFINITION
from kontor.platform.streams import domain_stream


def test_publishes_its_events_on_the_calendar_stream():
    assert DEFINITION.publishes == ("calendar",)
    assert domain_stream("calendar").subjects == ("kontor.*.calendar.>",)


def test_serves_no_grpc_api_beyond_health_yet():
    # Its gRPC API arrives with its issue; until then only grpc.health.v1 answers.
    assert DEFINITION.register_grpc is None
