"""Microsoft Graph's webhook: ``POST /api/v1/webhooks/graph`` (change and lifecycle notifications).

Graph calls it without a Kontor token, so it is the one route of /api/v1 that takes no bearer token. What
proves a call is Graph's (https://learn.microsoft.com/graph/change-notifications-delivery-webhooks):

* **validation** — ``?validationToken=…``: Graph checks the URL before it creates a subscription and
  wants, within 10 seconds, 200 with ``text/plain`` and the decoded token as the body. Answered here,
  without asking anyone: it proves only that this URL answers;
* **notifications** — ``{"value": [{subscriptionId, clientState, changeType | lifecycleEvent, tenantId,
  …}]}``: each carries the subscription's ``clientState``, a random secret only Graph and calendar-sync
  know. The gateway forwards them with its own service token to calendar-sync
  (``ChangeNotificationService.DeliverGraphNotifications``), which verifies them against the stored
  hash and asks the matching mailboxes to sync now. Unknown subscriptions and mismatches are ignored
  there; the answer here is 202 either way, so it tells a caller nothing about which subscriptions exist.

Graph wants a 2xx within 3 seconds and retries otherwise; when calendar-sync cannot take the
notifications the answer is 503 so that Graph retries (nothing is persisted here). Notifications carry
no event content (no resource data is subscribed), and neither values nor clientStates are logged.

Rate limit: at most ``GRAPH_WEBHOOK_NOTIFICATIONS_PER_SUBSCRIPTION`` change notifications per subscription
and ``GRAPH_WEBHOOK_WINDOW_S`` are forwarded (Redis counter shared by every replica); the rest are
acknowledged and dropped — the mailbox is already due to sync, and polling catches whatever a dropped
notification meant. Lifecycle notifications are always forwarded. The per-address limit of /api/v1 does
not apply here (Graph calls from few addresses for every customer).
"""

from __future__ import annotations

import logging
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from redis.exceptions import RedisError

from kontor.platform import errors
from kontor.platform.errors import InvalidArgument
from kontor.platform.grpc_client import call
from kontor.platform.http import PROBLEM_RESPONSES
from kontor.platform.runtime import Runtime
from kontor.protos.calendar.v1 import notifications_pb2 as pb
from kontor.protos.calendar.v1 import notifications_pb2_grpc as pb_grpc

from kontor.gateway.edge.counters import FixedWindowCounter
from kontor.gateway.service_token import service_metadata

log = logging.getLogger(__name__)

PATH = "/api/v1/webhooks/graph"
MAX_VALIDATION_TOKEN = 1024
MAX_NOTIFICATIONS = 1000
UPSTREAM_TIMEOUT_S = 2.5  # inside Graph's 3 seconds


class GraphNotificationIn(BaseModel):
    """One entry of Graph's changeNotificationCollection; what the webhook reads of it."""

    model_config = ConfigDict(extra="ignore")

    # Graph's ids are GUIDs and our clientStates are url-safe base64, so anything else (control characters,
    # unpaired surrogates that gRPC cannot encode) is refused here with 422 instead of failing further in.
    subscriptionId: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9-]+$")  # noqa: N815
    clientState: str | None = Field(default=None, max_length=128, pattern=r"^[\x21-\x7e]+$")  # noqa: N815
    changeType: Literal["created", "updated", "deleted"] | None = None  # noqa: N815
    lifecycleEvent: Literal["reauthorizationRequired", "subscriptionRemoved", "missed"] | None = None  # noqa: N815
    tenantId: str | None = Field(default=None, max_length=64, pattern=r"^[A-Za-z0-9.-]+$")  # noqa: N815


class GraphNotificationsIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    value: list[GraphNotificationIn] = Field(max_length=MAX_NOTIFICATIONS)


def parse_notifications(raw: bytes) -> GraphNotificationsIn:
    """The body, or InvalidArgument naming the field (422 problem+json; never the value)."""
    try:
        return GraphNotificationsIn.model_validate_json(raw or b"")
    except ValidationError as exc:
        first = exc.errors(include_input=False)[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise InvalidArgument(where, first["msg"]) from None


class SubscriptionLimiter:
    """How many change notifications of one subscription are forwarded per window."""

    def __init__(self, redis, settings) -> None:
        self._counter = FixedWindowCounter(redis, namespace="webhook:graph",
                                           limit=settings.graph_webhook_notifications_per_subscription,
                                           window_s=settings.graph_webhook_window_s)

    async def admit(self, subscription_id: str) -> bool:
        try:
            return not (await self._counter.hit(subscription_id)).exceeded
        except RedisError as exc:  # the counter store must not stop notifications
            log.warning("graph webhook limit not enforced: redis unavailable", extra={"error": type(exc).__name__})
            return True


_REQUEST_BODY = {"requestBody": {"required": False, "content": {"application/json": {"schema": {
    "title": "changeNotificationCollection", "type": "object", "required": ["value"],
    "properties": {"value": {"type": "array", "maxItems": MAX_NOTIFICATIONS, "items": {
        "type": "object", "required": ["subscriptionId"],
        "properties": {"subscriptionId": {"type": "string", "pattern": "^[A-Za-z0-9-]+$", "maxLength": 128},
                       "clientState": {"type": "string", "pattern": "^[\\x21-\\x7e]+$", "maxLength": 128},
                       "changeType": {"type": "string", "enum": ["created", "updated", "deleted"]},
                       "lifecycleEvent": {"type": "string",
                                          "enum": ["reauthorizationRequired", "subscriptionRemoved", "missed"]},
                       "tenantId": {"type": "string", "pattern": "^[A-Za-z0-9.-]+$", "maxLength": 64},
                       "resource": {"type": "string"},
                       "subscriptionExpirationDateTime": {"type": "string", "format": "date-time"}}}}}}}}}}


def routers(rt: Runtime) -> list[APIRouter]:
    api = APIRouter(tags=["webhooks"])

    def stub() -> pb_grpc.ChangeNotificationServiceStub:
        return rt.extras["upstreams"].graph_notifications

    def limiter() -> SubscriptionLimiter:
        if "graph_webhook_limiter" not in rt.extras:
            rt.extras["graph_webhook_limiter"] = SubscriptionLimiter(rt.extras["redis"], rt.settings)
        return rt.extras["graph_webhook_limiter"]

    def as_gateway() -> tuple[tuple[str, str], ...]:
        # The webhook knows no tenant (NO_TENANT); calendar-sync finds it from the subscription.
        return service_metadata(rt.extras["issuer"])

    @api.post(PATH, status_code=status.HTTP_202_ACCEPTED, response_class=Response, openapi_extra=_REQUEST_BODY,
              summary="Microsoft Graph change notifications (called by Graph, not by users)",
              description="No bearer token: Graph calls it. With `?validationToken=…` (Graph's check when it "
                          "creates a subscription) it answers 200 `text/plain` with the token. Otherwise the body "
                          "is Graph's changeNotificationCollection; every notification is verified by its "
                          "subscription's secret clientState, and the mailboxes of genuine ones sync now. The "
                          "answer is 202 whether or not a notification was genuine; 503 when they could not be "
                          "taken (Graph retries). Set KONTOR_CALENDAR_SYNC_GRAPH_NOTIFICATION_URL to this URL "
                          "as the internet reaches it to turn subscriptions on.",
              responses={200: {"description": "Validation: the token, as text/plain",
                               "content": {"text/plain": {"schema": {"type": "string"}}}},
                         202: {"description": "Taken (genuine or not)"},
                         422: PROBLEM_RESPONSES[422], 503: PROBLEM_RESPONSES[503]})
    async def graph_webhook(request: Request, validationToken: Annotated[  # noqa: N803 - Graph's name
            str | None, Query(max_length=MAX_VALIDATION_TOKEN, description="Graph's validation request: echoed "
                                                                         "as text/plain")] = None) -> Response:
        token = validationToken
        if token is not None:
            if not token:
                raise InvalidArgument("validationToken", f"must be 1 to {MAX_VALIDATION_TOKEN} characters")
            # text/plain and nosniff: the echoed value is never interpreted as markup.
            return PlainTextResponse(token, status_code=200, headers={"X-Content-Type-Options": "nosniff"})
        body = parse_notifications(await request.body())
        forwarded = []
        for n in body.value:
            if not n.lifecycleEvent and not await limiter().admit(n.subscriptionId):
                continue  # over the limit: the mailbox is due already; polling is the safety net
            forwarded.append(pb.GraphNotification(
                subscription_id=n.subscriptionId, client_state=n.clientState or "", change_type=n.changeType or "",
                lifecycle_event=n.lifecycleEvent or "", azure_tenant_id=n.tenantId or ""))
        if forwarded:
            try:
                await call(stub().DeliverGraphNotifications,
                           pb.DeliverGraphNotificationsRequest(notifications=forwarded),
                           metadata=as_gateway(), timeout=UPSTREAM_TIMEOUT_S)
            except errors.InvalidArgument:
                pass  # nothing calendar-sync can take; a retry would not change that
            except errors.DomainError as exc:
                log.warning("graph notifications not taken", extra={"error": type(exc).__name__})
                raise errors.Unavailable("notifications could not be taken now; retry") from None
        return Response(status_code=status.HTTP_202_ACCEPTED)

    return [api]

