import json
import logging

from kontor.platform import telemetry
from kontor.platform.logs import configure_logging


def test_log_lines_are_json_with_service_and_trace_ids(capsys):
    telemetry.configure_tracing("unit-logs")
    configure_logging("unit-logs", "INFO")
    with telemetry.tracer().start_as_current_span("work") as span:
        logging.getLogger("kontor.test").info("hello", extra={"company_id": "c1"})
        expected_trace = format(span.get_span_context().trace_id, "032x")
    logging.getLogger("kontor.test").info("outside")
    first, second = (json.loads(line) for line in capsys.readouterr().out.strip().splitlines()[-2:])
    assert first["message"] == "hello" and first["level"] == "INFO" and first["service"] == "unit-logs"
    assert first["trace_id"] == expected_trace and first["company_id"] == "c1"
    assert second["trace_id"] is None
