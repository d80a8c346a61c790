from kontor.mail_import import grpc_api
from kontor.mail_import.main import DEFINITION
from kontor.platform.streams import domain_stream


def test_publishes_its_events_on_the_mail_stream():
    assert DEFINITION.publishes == ("mail",)
    assert domain_stream("mail").subjects == ("kontor.*.mail.>",)


def test_serves_its_grpc_api_and_runs_celery():
    assert DEFINITION.register_grpc is grpc_api.register_all
    assert DEFINITION.on_stop is grpc_api.close
    assert DEFINITION.celery is not None
