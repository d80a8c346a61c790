"""Graph and Microsoft identity platform error bodies.

Graph: errors are standard HTTP status codes plus a JSON object
``{"error": {"code", "message", "innerError": {"date", "request-id",
"client-request-id"}}}``
(https://learn.microsoft.com/graph/errors). The Outlook codes used here are
the ones Exchange Online answers with, as reported against Graph:

* 404 ``ErrorItemNotFound`` "The specified object was not found in the store."
  (https://github.com/microsoftgraph/microsoft-graph-docs/issues/2248)
* 412 ``ErrorIrresolvableConflict`` on a stale change key
  (https://github.com/microsoftgraph/microsoft-graph-docs-contrib/issues/7934)
* 410 ``SyncStateNotFound`` on an expired delta token
  (https://github.com/microsoftgraph/microsoft-graph-docs/issues/2350)
* 429 ``ApplicationThrottled`` "Application is over its MailboxConcurrency limit."
  (https://github.com/alcionai/corso/issues/3695)

Identity platform (token endpoint): ``{"error", "error_description",
"error_codes", "timestamp", "trace_id", "correlation_id", "error_uri"}`` with
AADSTS codes (https://learn.microsoft.com/entra/identity-platform/reference-error-codes).
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from starlette.responses import Response


class GraphError(Exception):
    """Raised anywhere in a Graph handler; turned into Graph's error body."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def _now() -> datetime:
    return datetime.now(UTC)


def graph_error_response(
    status: int,
    code: str,
    message: str,
    *,
    request_id: str | None = None,
    client_request_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    request_id = request_id or str(uuid.uuid4())
    inner = {"date": _now().strftime("%Y-%m-%dT%H:%M:%S"), "request-id": request_id}
    inner["client-request-id"] = client_request_id or request_id
    body = {"error": {"code": code, "message": message, "innerError": inner}}
    all_headers = {"request-id": request_id, "client-request-id": inner["client-request-id"]}
    all_headers.update(headers or {})
    return Response(json.dumps(body), status_code=status, media_type="application/json", headers=all_headers)


def aad_error_response(status: int, error: str, aadsts: int, description: str) -> Response:
    trace_id, correlation_id = str(uuid.uuid4()), str(uuid.uuid4())
    now = _now()
    stamp = now.strftime("%Y-%m-%d %H:%M:%SZ")
    body = {
        "error": error,
        "error_description": (
            f"AADSTS{aadsts}: {description} Trace ID: {trace_id} Correlation ID: {correlation_id} Timestamp: {stamp}"
        ),
        "error_codes": [aadsts],
        "timestamp": stamp,
        "trace_id": trace_id,
        "correlation_id": correlation_id,
        "error_uri": f"https://login.microsoftonline.com/error?code={aadsts}",
    }
    return Response(json.dumps(body), status_code=status, media_type="application/json")
