"""Change notifications through webhooks: ``/v1.0/subscriptions`` and the deliveries they cause.

What Graph documents, and this emulator does:

* ``POST /subscriptions`` ``{changeType, notificationUrl, resource, expirationDateTime, clientState,
  lifecycleNotificationUrl?}`` (https://learn.microsoft.com/graph/api/subscription-post-subscriptions);
  201 with the subscription. ``changeType`` is a comma-separated list of ``created``, ``updated``,
  ``deleted``; ``clientState`` at most 128 characters; resources here are a mailbox's events:
  ``users/{id | userPrincipalName}/events`` (also ``calendar/events``, with or without a leading ``/``).
  ``me/...`` is refused for app-only tokens, as every ``/me`` call is. Reading events is the permission
  needed (``Calendars.Read`` or more).
* ``expirationDateTime``: Outlook messages, events and contacts without resource data live at most
  10,080 minutes (under 7 days) (https://learn.microsoft.com/graph/api/resources/subscription, "Maximum
  length of subscription per resource type"). Beyond it: 400 ``ExtensionError`` "Subscription expiration
  can only be 10080 minutes in the future." — the code and wording Graph answers with, as reported in
  https://github.com/microsoftgraph/microsoft-graph-docs-contrib/issues/7726 (then with 4230).
* Validation (https://learn.microsoft.com/graph/change-notifications-delivery-webhooks, "notificationUrl
  validation"): before creating, Graph POSTs ``{notificationUrl}?validationToken={opaque}`` with
  ``Content-Type: text/plain; charset=utf-8``; the endpoint must answer within 10 seconds with 200, a
  ``text/plain`` content type and the decoded token as the body, else no subscription is made. A
  ``lifecycleNotificationUrl`` is validated the same way. Errors as Graph answers them: 400
  ``ValidationError`` "Subscription validation request failed. Notification endpoint must respond with
  200 OK to validation request." (a wrong status), "... Response must exactly match validationToken query
  parameter." (a wrong body), 400 ``InvalidRequest`` "Subscription validation request timed out."
  (https://github.com/microsoftgraph/nodejs-webhooks-sample/issues/350,
  https://github.com/splunk/azure-functions-splunk/issues/26,
  https://github.com/microsoftgraph/java-spring-webhooks-sample/issues/82).
* ``GET /subscriptions`` (the calling app's), ``GET/PATCH/DELETE /subscriptions/{id}``: PATCH renews
  (``expirationDateTime``, same limit) and may move ``notificationUrl`` (validated again); DELETE 204;
  an unknown, expired or another app's id answers 404 ``ResourceNotFound``.
  ``POST /subscriptions/{id}/reauthorize`` answers 204.
* Delivery: ``POST notificationUrl`` with ``{"value": [changeNotification, ...]}``
  (https://learn.microsoft.com/graph/api/resources/changenotificationcollection): ``subscriptionId``,
  ``subscriptionExpirationDateTime``, ``clientState``, ``changeType``, ``resource``
  ``Users/{user id}/Events/{event id}``, ``resourceData`` (``@odata.type``, ``@odata.id``, ``@odata.etag``,
  ``id``) and ``tenantId``. Several notifications for one URL may share a POST. A 2xx within 3 seconds
  (Graph's publishing timeout) is success; anything else is retried with backoff for up to 4 hours, then
  discarded. Changes made through the Graph API and through ``/_control`` notify alike.
* Expired subscriptions deliver nothing more and disappear.
* Lifecycle notifications (https://learn.microsoft.com/graph/change-notifications-lifecycle-events):
  ``reauthorizationRequired``, ``subscriptionRemoved`` (the subscription is gone) and ``missed`` go to the
  ``lifecycleNotificationUrl`` as ``{"value": [{subscriptionId, subscriptionExpirationDateTime, tenantId,
  clientState, lifecycleEvent}]}``; the control API triggers them.

**Transport of the receiver (a choice of the emulator, documented here):** Graph only calls HTTPS
URLs. The emulator calls HTTPS URLs and verifies their certificate against ``receiver_ca_path`` (a PEM
bundle; default: the system's trust store). Plain ``http://`` is accepted only for loopback hosts
(``localhost``, ``127.0.0.0/8``, ``::1``), so tests and the dev stack can point it at a local gateway
without a certificate; any other ``http://`` URL is refused with 400 ``ValidationError`` as Graph would.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import secrets
import ssl
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from kontor.emulators.graph.errors import GraphError, graph_error_response
from kontor.emulators.graph.identity import Identity
from kontor.emulators.graph.store import Mailbox, StoredEvent, Store

log = logging.getLogger(__name__)

MAX_EVENT_SUBSCRIPTION_MINUTES = 10080
MAX_CLIENT_STATE = 128
CHANGE_TYPES = ("created", "updated", "deleted")
LIFECYCLE_EVENTS = ("reauthorizationRequired", "subscriptionRemoved", "missed")
READ_ROLES = {"Calendars.Read", "Calendars.ReadBasic", "Calendars.ReadWrite"}
VALIDATION_TIMEOUT_S = 10.0
PUBLISH_TIMEOUT_S = 3.0
MAX_RETRY_AGE_S = 4 * 3600.0
DEFAULT_RETRY_DELAYS_S = (1.0, 2.0, 5.0, 15.0, 60.0, 300.0, 900.0)

_RESOURCE = re.compile(r"^/?(?:(?P<me>me)|users/(?P<user>[^/()]+))/(?:calendar/)?events/?$", re.I)
_NOT_FOUND = ("ResourceNotFound", "The object was not found.")


def _now() -> datetime:
    return datetime.now(UTC)


def _stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}0000Z"


def _parse_instant(raw) -> datetime:
    if not isinstance(raw, str) or not raw.strip():
        raise GraphError(400, "InvalidRequest", "expirationDateTime is required.")
    text = raw.strip().replace("Z", "+00:00").replace("z", "+00:00")
    # .NET writes 7 fractional digits; Python reads at most 6.
    text = re.sub(r"(\.\d{6})\d+", r"\1", text)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise GraphError(400, "BadRequest", f"Cannot convert the literal '{raw}' to the expected type "
                                            "'Edm.DateTimeOffset'.") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass
class Subscription:
    id: str
    tenant_id: str
    app_id: str
    mailbox_id: str
    resource: str
    change_types: list[str]
    notification_url: str
    lifecycle_url: str | None
    client_state: str | None
    expires: datetime
    created: datetime = field(default_factory=_now)

    def render(self) -> dict:
        return {"id": self.id, "resource": self.resource, "applicationId": self.app_id,
                "changeType": ",".join(self.change_types), "clientState": self.client_state,
                "notificationUrl": self.notification_url, "notificationQueryOptions": None,
                "lifecycleNotificationUrl": self.lifecycle_url, "expirationDateTime": _stamp(self.expires),
                "creatorId": self.app_id, "includeResourceData": False, "latestSupportedTlsVersion": "v1_2",
                "encryptionCertificate": None, "encryptionCertificateId": None, "notificationUrlAppId": None}


@dataclass
class Delivery:
    url: str
    item: dict
    subscription_id: str
    lifecycle: bool
    first_at: float
    next_at: float
    attempts: int = 0


@dataclass
class DeliveryPolicy:
    retry_delays_s: tuple[float, ...] = DEFAULT_RETRY_DELAYS_S
    max_age_s: float = MAX_RETRY_AGE_S


class Subscriptions:
    """Subscriptions of every tenant, the validation handshake and a delivery thread."""

    def __init__(self, store: Store, identity: Identity, base_url_fn, *, receiver_ca_path: str | None = None) -> None:
        self.store = store
        self.identity = identity
        self._base = base_url_fn
        # Only that CA when given (not the system's as well): tests and the dev stack know their receiver's CA.
        self.verify: object = ssl.create_default_context(cafile=receiver_ca_path) if receiver_ca_path else True
        self.policy = DeliveryPolicy()
        self.validation_timeout_s = VALIDATION_TIMEOUT_S
        self.lock = threading.Condition(threading.RLock())
        self.items: dict[str, Subscription] = {}
        self.pending: list[Delivery] = []
        self.log: list[dict] = []  # every delivery attempt, for tests (GET /_control/notifications)
        self._stop = False
        self._thread: threading.Thread | None = None
        store.observers.append(self)

    # ---- store observer ----------------------------------------------------------------------

    def on_reset(self) -> None:
        with self.lock:
            self.items.clear()
            self.pending.clear()
            self.log.clear()
            self.policy = DeliveryPolicy()
            self.validation_timeout_s = VALIDATION_TIMEOUT_S

    def on_change(self, mb: Mailbox, change_type: str, ev: StoredEvent) -> None:
        """Queue a notification for every live subscription of the mailbox that wants this change type."""
        now = _now()
        with self.lock:
            for sub in list(self.items.values()):
                if sub.mailbox_id != mb.id or change_type not in sub.change_types:
                    continue
                if sub.expires <= now:
                    continue
                self._queue(sub, {
                    "subscriptionId": sub.id, "subscriptionExpirationDateTime": _stamp(sub.expires),
                    "changeType": change_type, "resource": f"Users/{mb.id}/Events/{ev.id}",
                    "resourceData": {"@odata.type": "#Microsoft.Graph.Event",
                                     "@odata.id": f"Users/{mb.id}/Events/{ev.id}",
                                     "@odata.etag": f'W/"{ev.change_key}"', "id": ev.id},
                    "clientState": sub.client_state, "tenantId": sub.tenant_id}, lifecycle=False)

    def _queue(self, sub: Subscription, item: dict, *, lifecycle: bool) -> None:
        url = sub.lifecycle_url if lifecycle else sub.notification_url
        if not url:
            return
        at = time.monotonic()
        self.pending.append(Delivery(url, item, sub.id, lifecycle, at, at))
        self.lock.notify_all()

    # ---- delivery thread ---------------------------------------------------------------------

    def start(self) -> None:
        self._stop = False
        self._thread = threading.Thread(target=self._deliver_forever, name="graph-notifications", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with self.lock:
            self._stop = True
            self.lock.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._thread = None

    def _due(self) -> list[Delivery]:
        """Wait until something is due (or stop); take what is due off the queue."""
        with self.lock:
            while not self._stop:
                now = time.monotonic()
                due = [d for d in self.pending if d.next_at <= now]
                if due:
                    self.pending = [d for d in self.pending if d.next_at > now]
                    return due
                wait = min((d.next_at for d in self.pending), default=now + 60) - now
                self.lock.wait(timeout=max(wait, 0.01))
            return []

    def _live(self, delivery: Delivery) -> bool:
        if delivery.lifecycle:
            return True  # subscriptionRemoved is sent for a subscription that is already gone
        sub = self.items.get(delivery.subscription_id)
        return sub is not None and sub.expires > _now()

    def _deliver_forever(self) -> None:
        with httpx.Client(verify=self.verify, timeout=PUBLISH_TIMEOUT_S, trust_env=False) as client:
            while True:
                due = self._due()
                if not due:
                    return
                with self.lock:
                    due = [d for d in due if self._live(d)]
                batches: dict[tuple[str, bool], list[Delivery]] = {}
                for d in due:
                    batches.setdefault((d.url, d.lifecycle), []).append(d)
                for (url, _), batch in batches.items():
                    self._post(client, url, batch)

    def _post(self, client: httpx.Client, url: str, batch: list[Delivery]) -> None:
        body = json.dumps({"value": [d.item for d in batch]})
        try:
            status = client.post(url, content=body, headers={"Content-Type": "application/json; charset=utf-8"},
                                 follow_redirects=False).status_code
            error = None
        except httpx.HTTPError as exc:
            status, error = 0, type(exc).__name__
        ok = 200 <= status < 300
        now = time.monotonic()
        with self.lock:
            for d in batch:
                d.attempts += 1
                self.log.append({"subscriptionId": d.subscription_id, "url": url, "attempt": d.attempts,
                                 "status": status, "error": error, "delivered": ok,
                                 "changeType": d.item.get("changeType"), "lifecycleEvent": d.item.get("lifecycleEvent"),
                                 "resource": d.item.get("resource"), "at": _stamp(_now())})
                if ok:
                    continue
                delays = self.policy.retry_delays_s or (1.0,)
                d.next_at = now + delays[min(d.attempts - 1, len(delays) - 1)]
                if d.next_at - d.first_at <= self.policy.max_age_s:
                    self.pending.append(d)  # else discarded, as Graph does after 4 hours
            self.lock.notify_all()

    def idle(self) -> bool:
        """Nothing queued (tests wait for this before reading the log)."""
        with self.lock:
            return not self.pending

    # ---- HTTP: /v1.0/subscriptions -----------------------------------------------------------

    async def collection(self, request: Request) -> Response:
        return await self._guarded(request, None)

    async def item(self, request: Request) -> Response:
        return await self._guarded(request, request.path_params["sid"])

    async def reauthorize(self, request: Request) -> Response:
        return await self._guarded(request, request.path_params["sid"], action="reauthorize")

    async def _guarded(self, request: Request, sid: str | None, action: str | None = None) -> Response:
        request_id = str(uuid.uuid4())
        try:
            app, _claims = self.identity.verify(request.headers.get("authorization"))
            if action == "reauthorize":
                if request.method != "POST":
                    raise GraphError(405, "BadRequest", f"The HTTP method '{request.method}' is not supported.")
                self._own(app, sid)
                response = Response(status_code=204)
            elif sid is None:
                if request.method == "GET":
                    response = self._list(app)
                elif request.method == "POST":
                    response = await self._create(app, await self._json(request))
                else:
                    raise GraphError(405, "BadRequest", f"The HTTP method '{request.method}' is not supported.")
            elif request.method == "GET":
                response = self._one(self._own(app, sid))
            elif request.method == "PATCH":
                response = await self._renew(app, sid, await self._json(request))
            elif request.method == "DELETE":
                with self.lock:
                    self._own(app, sid)
                    self.items.pop(sid, None)
                    self.pending = [d for d in self.pending if d.subscription_id != sid or d.lifecycle]
                response = Response(status_code=204)
            else:
                raise GraphError(405, "BadRequest", f"The HTTP method '{request.method}' is not supported.")
        except GraphError as exc:
            return graph_error_response(exc.status, exc.code, exc.message, request_id=request_id,
                                        client_request_id=request.headers.get("client-request-id"), headers=exc.headers)
        response.headers["request-id"] = request_id
        return response

    async def _json(self, request: Request) -> dict:
        try:
            body = json.loads(await request.body() or b"{}")
        except json.JSONDecodeError:
            raise GraphError(400, "BadRequest", "Unable to read JSON request payload. Please ensure Content-Type "
                                                "header is set and payload is of valid JSON format.") from None
        if not isinstance(body, dict):
            raise GraphError(400, "BadRequest", "Unable to read JSON request payload.")
        return body

    def _expire_old(self) -> None:
        now = _now()
        with self.lock:
            for sid in [s.id for s in self.items.values() if s.expires <= now]:
                del self.items[sid]

    def _own(self, app, sid: str | None) -> Subscription:
        self._expire_old()
        with self.lock:
            sub = self.items.get(sid or "")
            if sub is None or sub.app_id != app.client_id:
                raise GraphError(404, *_NOT_FOUND)
            return sub

    def _list(self, app) -> Response:
        self._expire_old()
        with self.lock:
            subs = sorted((s for s in self.items.values() if s.app_id == app.client_id), key=lambda s: s.created)
            value = [s.render() for s in subs]
        return JSONResponse({"@odata.context": f"{self._base()}/v1.0/$metadata#subscriptions", "value": value})

    def _one(self, sub: Subscription, status: int = 200) -> Response:
        return JSONResponse({"@odata.context": f"{self._base()}/v1.0/$metadata#subscriptions/$entity", **sub.render()},
                            status_code=status)

    @staticmethod
    def _expiry(raw) -> datetime:
        expires = _parse_instant(raw)
        now = _now()
        if expires <= now:
            raise GraphError(400, "ExtensionError", "Subscription expiration must be in the future.")
        if expires > now + timedelta(minutes=MAX_EVENT_SUBSCRIPTION_MINUTES):
            raise GraphError(400, "ExtensionError",
                             f"Subscription expiration can only be {MAX_EVENT_SUBSCRIPTION_MINUTES} minutes in the future.")
        return expires

    @staticmethod
    def _check_url(url, name: str) -> str:
        if not isinstance(url, str) or not url:
            raise GraphError(400, "InvalidRequest", f"{name} is required.")
        parts = urlsplit(url)
        if parts.scheme == "https" and parts.hostname:
            return url
        if parts.scheme == "http" and parts.hostname and is_loopback(parts.hostname):
            return url  # the emulator's allowance for local receivers (see the module docstring)
        raise GraphError(400, "ValidationError", f"The {name} must be an HTTPS URL.")

    def _mailbox(self, app, resource) -> Mailbox:
        if not isinstance(resource, str) or not resource:
            raise GraphError(400, "InvalidRequest", "resource is required.")
        m = _RESOURCE.match(resource.strip())
        if m is None:
            raise GraphError(400, "InvalidRequest", f"Resource '{resource}' is not supported.")
        if m.group("me"):
            raise GraphError(400, "BadRequest", "/me request is only valid with delegated authentication flow.")
        if not READ_ROLES & set(app.roles):
            raise GraphError(403, "ExtensionError", "Operation: Create; Exception: [Status Code: Forbidden; "
                                                    "Reason: Access is denied. Check credentials and try again.]")
        return self.store.mailbox(m.group("user"), tenant_id=app.tenant_id)

    async def _validate(self, url: str) -> None:
        """Graph's handshake: POST ?validationToken=…; 200, text/plain, the token echoed, within 10 s."""
        token = "Validation: Testing client application reachability for subscription Request-Id: " + str(uuid.uuid4())
        try:
            async with httpx.AsyncClient(verify=self.verify, timeout=self.validation_timeout_s, trust_env=False) as client:
                response = await client.post(url, params={"validationToken": token},
                                             headers={"Content-Type": "text/plain; charset=utf-8"})
        except httpx.TimeoutException:
            raise GraphError(400, "InvalidRequest", "Subscription validation request timed out.") from None
        except httpx.HTTPError:
            raise GraphError(400, "ValidationError", "Subscription validation request failed. Notification "
                                                     "endpoint must respond with 200 OK to validation request.") from None
        if response.status_code != 200:
            raise GraphError(400, "ValidationError", "Subscription validation request failed. Notification "
                                                     "endpoint must respond with 200 OK to validation request.")
        content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "text/plain" or response.text != token:
            raise GraphError(400, "ValidationError", "Subscription validation request failed. Response must "
                                                     "exactly match validationToken query parameter.")

    async def _create(self, app, body: dict) -> Response:
        raw_types = body.get("changeType")
        if not isinstance(raw_types, str) or not raw_types.strip():
            raise GraphError(400, "InvalidRequest", "changeType is required.")
        change_types = [t.strip() for t in raw_types.split(",") if t.strip()]
        unknown = [t for t in change_types if t not in CHANGE_TYPES]
        if unknown:
            raise GraphError(400, "InvalidRequest", f"'{unknown[0]}' is not a valid changeType.")
        client_state = body.get("clientState")
        if client_state is not None and (not isinstance(client_state, str) or len(client_state) > MAX_CLIENT_STATE):
            raise GraphError(400, "InvalidRequest", f"clientState must be a string of at most {MAX_CLIENT_STATE} characters.")
        if body.get("includeResourceData"):
            raise GraphError(400, "InvalidRequest", "includeResourceData is not supported by this emulator.")
        notification_url = self._check_url(body.get("notificationUrl"), "notificationUrl")
        lifecycle_url = body.get("lifecycleNotificationUrl")
        if lifecycle_url is not None:
            lifecycle_url = self._check_url(lifecycle_url, "lifecycleNotificationUrl")
        mb = self._mailbox(app, body.get("resource"))
        expires = self._expiry(body.get("expirationDateTime"))
        await self._validate(notification_url)
        if lifecycle_url and lifecycle_url != notification_url:
            await self._validate(lifecycle_url)
        sub = Subscription(id=str(uuid.uuid4()), tenant_id=app.tenant_id, app_id=app.client_id, mailbox_id=mb.id,
                           resource=body["resource"], change_types=change_types, notification_url=notification_url,
                           lifecycle_url=lifecycle_url, client_state=client_state, expires=expires)
        with self.lock:
            self.items[sub.id] = sub
        return self._one(sub, 201)

    async def _renew(self, app, sid: str, body: dict) -> Response:
        sub = self._own(app, sid)
        unknown = [k for k in body if k not in ("expirationDateTime", "notificationUrl") and not k.startswith("@odata")]
        if unknown:
            raise GraphError(400, "InvalidRequest", f"Property '{unknown[0]}' cannot be updated.")
        expires = self._expiry(body["expirationDateTime"]) if "expirationDateTime" in body else sub.expires
        url = sub.notification_url
        if "notificationUrl" in body and body["notificationUrl"] != sub.notification_url:
            url = self._check_url(body["notificationUrl"], "notificationUrl")
            await self._validate(url)
        with self.lock:
            sub = self._own(app, sid)
            sub.expires, sub.notification_url = expires, url
        return self._one(sub)

    # ---- control (/_control/subscriptions, /_control/notifications) --------------------------

    def control_routes(self):
        from starlette.routing import Route  # noqa: PLC0415

        return [
            Route("/_control/subscriptions", self._c_list, methods=["GET"]),
            Route("/_control/subscriptions/{sid}/expire", self._c_expire, methods=["POST"]),
            Route("/_control/subscriptions/{sid}/lifecycle", self._c_lifecycle, methods=["POST"]),
            Route("/_control/notifications", self._c_notifications, methods=["GET", "PUT"]),
        ]

    async def _c_list(self, request: Request) -> Response:
        with self.lock:
            value = [{**s.render(), "tenantId": s.tenant_id, "mailboxId": s.mailbox_id} for s in self.items.values()]
        return JSONResponse({"value": value})

    async def _c_expire(self, request: Request) -> Response:
        """Let a subscription run out now (instead of waiting days)."""
        with self.lock:
            sub = self.items.get(request.path_params["sid"])
            if sub is None:
                return JSONResponse({"error": "unknown subscription"}, status_code=404)
            sub.expires = _now() - timedelta(seconds=1)
        return Response(status_code=204)

    async def _c_lifecycle(self, request: Request) -> Response:
        """``{"event": reauthorizationRequired | subscriptionRemoved | missed}``; subscriptionRemoved removes it."""
        raw = await request.body()
        event = (json.loads(raw) if raw else {}).get("event")
        if event not in LIFECYCLE_EVENTS:
            return JSONResponse({"error": f"event must be one of {', '.join(LIFECYCLE_EVENTS)}"}, status_code=400)
        with self.lock:
            sub = self.items.get(request.path_params["sid"])
            if sub is None:
                return JSONResponse({"error": "unknown subscription"}, status_code=404)
            self._queue(sub, {"subscriptionId": sub.id, "subscriptionExpirationDateTime": _stamp(sub.expires),
                              "tenantId": sub.tenant_id, "clientState": sub.client_state, "lifecycleEvent": event},
                        lifecycle=True)
            if event == "subscriptionRemoved":
                del self.items[sub.id]
        return Response(status_code=202)

    async def _c_notifications(self, request: Request) -> Response:
        """GET: every delivery attempt and how many are queued.

        PUT ``{retryDelaysSeconds?, maxAgeSeconds?, validationTimeoutSeconds?}``: tests shorten Graph's
        retry schedule (default up to 4 hours) and the 10 s validation timeout."""
        if request.method == "PUT":
            raw = await request.body()
            b = json.loads(raw) if raw else {}
            with self.lock:
                if "retryDelaysSeconds" in b:
                    self.policy.retry_delays_s = tuple(float(x) for x in b["retryDelaysSeconds"]) or (1.0,)
                if "maxAgeSeconds" in b:
                    self.policy.max_age_s = float(b["maxAgeSeconds"])
                if "validationTimeoutSeconds" in b:
                    self.validation_timeout_s = float(b["validationTimeoutSeconds"])
            return Response(status_code=204)
        with self.lock:
            return JSONResponse({"value": list(self.log), "pending": len(self.pending)})


def new_client_state() -> str:
    """A random clientState (helpers and docs examples)."""
    return secrets.token_urlsafe(32)


__all__ = ["MAX_EVENT_SUBSCRIPTION_MINUTES", "Subscriptions", "new_client_state"]
