from kontor.mail_import.main import DEFINITION
from kontor.platform.streams import domain_stream


def test_publishes_its_events_on_the_mail_stream():
    assert DEFINITION.publishes == ("mail",)
    assert domain_stream("mail").subjects == ("kontor.*.mail.>",)


def test_serves_no_grpc_api_beyond_health_yet():
    # Its gRPC API arrives with its issue; until then only grpc.health.v1 answers.
    assert DEFINITION.register_grpc is None
