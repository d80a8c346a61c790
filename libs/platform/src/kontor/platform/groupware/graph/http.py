"""Graph over httpx: auth, per-mailbox limits, retries, error mapping, metrics, logs.

Status → exception (https://learn.microsoft.com/graph/errors):

=========================  ====================================================
401                        one fresh token and one retry; again 401 →
                           :class:`NeedsReauthorisation`
403                        :class:`NeedsReauthorisation` (permission/consent gone)
404                        :class:`NotFound`
410                        :class:`CursorExpired` (``SyncStateNotFound``)
412                        :class:`PreconditionFailed` (stale ``If-Match``)
429, 503                   wait ``Retry-After`` + full jitter, up to
                           ``max_attempts``; then :class:`Throttled`
500, 502, 504, network     backoff with full jitter, then :class:`TransientError`
other 4xx                  :class:`InvalidRequest`
=========================  ====================================================

Logs carry method, a path with ids but no query, status, Graph's error code,
attempt and request id. Never bodies, subjects, locations or attendees.
Metrics: ``kontor_{service}_provider_requests_total{provider, outcome}``
and ``kontor_{service}_provider_request_duration_seconds{provider}``, with
``service`` the using service's name (``calendar_sync``, ``mail_import``;
``kontor.platform.groupware.metrics``); no mailbox label (cardinality).
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from urllib.parse import quote, urlsplit

import httpx
from kontor.platform.groupware.errors import (
    CursorExpired,
    InvalidRequest,
    NeedsReauthorisation,
    NotFound,
    PreconditionFailed,
    Throttled,
    TransientError,
)
from kontor.platform.groupware.graph.auth import TokenSource
from kontor.platform.groupware.graph.limits import LimitPolicy, MailboxLimiter, record, record_retry, retry_delay
from kontor.platform.groupware.graph.shared_limits import RedisLimits, SharedMailboxLimiter
from kontor.platform.groupware.metrics import provider_metrics

log = logging.getLogger("kontor.platform.groupware.graph")

GRAPH_BASE = "https://graph.microsoft.com/v1.0"
_RETRY_STATUS = {429, 503}
_TRANSIENT_STATUS = {500, 502, 504}


def _outcome(status: int) -> str:
    if status < 400:
        return "ok"
    if status in _RETRY_STATUS:
        return "throttled"
    if status in (401, 403):
        return "auth_error"
    if status >= 500:
        return "server_error"
    return "client_error"


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


def _error_code(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    return str(error.get("code")) if isinstance(error, dict) and error.get("code") else None


def _log_path(url: str) -> str:
    return urlsplit(url).path


def user_path(mailbox: str) -> str:
    return f"/users/{quote(mailbox, safe='@')}"


class GraphHttp:
    """One per app registration (server). Mailbox limiters live as long as it does."""

    provider = "graph"

    def __init__(self, tokens: TokenSource, *, service: str, base_url: str = GRAPH_BASE, ca_path: str | None = None,
                 policy: LimitPolicy | None = None, timeout: float = 60.0,
                 transport: httpx.AsyncBaseTransport | None = None, sleep=asyncio.sleep,
                 limits: RedisLimits | None = None, app: str = "") -> None:
        self.tokens = tokens
        self._metrics = provider_metrics(service)  # kontor_{service}_provider_*: each service keeps its series
        self._limits = limits  # None: per process (MailboxLimiter); else shared by every worker through Redis
        self.app = app  # Graph's limits are per app registration and mailbox
        self.base_url = base_url.rstrip("/")
        self.policy = policy or LimitPolicy()
        self._sleep = sleep
        self._limiters: dict[str, MailboxLimiter | SharedMailboxLimiter] = {}
        verify: object = ssl.create_default_context(cafile=ca_path) if ca_path else True
        self.client = httpx.AsyncClient(verify=verify, timeout=timeout, transport=transport,
                                        limits=httpx.Limits(max_connections=64, max_keepalive_connections=32))

    async def aclose(self) -> None:
        await self.client.aclose()

    def limiter(self, mailbox: str) -> MailboxLimiter | SharedMailboxLimiter:
        key = mailbox.lower()
        lim = self._limiters.get(key)
        if lim is None:
            lim = self._limiters[key] = (self._limits.limiter(self.app, key, self.policy) if self._limits
                                         else MailboxLimiter(self.policy))
        return lim

    def url(self, path_or_url: str) -> str:
        return path_or_url if path_or_url.startswith("https://") or path_or_url.startswith("http://") \
            else f"{self.base_url}{path_or_url}"

    async def request(self, mailbox: str, method: str, path_or_url: str, *, params: dict | None = None,
                      json: dict | None = None, content: bytes | None = None,
                      headers: dict[str, str] | None = None,
                      retry_server_errors: bool = True) -> httpx.Response:
        """Send one logical request; ``mailbox`` picks the limiter (use the server key for /places).

        ``content`` is a raw body for the few calls that take none of JSON (sendMail with base64 MIME); give
        its Content-Type in ``headers``."""
        url = self.url(path_or_url)
        limiter = self.limiter(mailbox)
        attempt = 0
        reauthed = False
        while True:
            await limiter.take()
            async with limiter.slot():
                token = await self.tokens.token()
                all_headers = {"Authorization": f"Bearer {token}", **(headers or {})}
                started = time.monotonic()
                try:
                    response = await self.client.request(method, url, params=params, json=json, content=content,
                                                         headers=all_headers)
                except httpx.TransportError as exc:
                    self._metrics.requests.labels(self.provider, "network_error").inc()
                    record("network_error")
                    log.warning("graph request failed", extra={"method": method, "path": _log_path(url),
                                                               "error": type(exc).__name__, "attempt": attempt})
                    response = None
                finally:
                    self._metrics.latency.labels(self.provider).observe(time.monotonic() - started)
            if response is None:
                attempt += 1
                if attempt >= self.policy.max_attempts:
                    raise TransientError(f"{method} {_log_path(url)}: network error")
                record_retry()
                await self._sleep(retry_delay(attempt, None, self.policy))
                continue
            status = response.status_code
            outcome = _outcome(status)
            self._metrics.requests.labels(self.provider, outcome).inc()
            record(outcome)
            if status < 400:
                log.debug("graph request", extra={"method": method, "path": _log_path(url), "status": status})
                return response
            code = _error_code(response)
            request_id = response.headers.get("request-id")
            log.info("graph request refused", extra={"method": method, "path": _log_path(url), "status": status,
                                                     "code": code, "attempt": attempt, "request_id": request_id})
            message = f"{method} {_log_path(url)}: {status} {code or ''}".strip()
            if status == 401:
                if not reauthed:
                    reauthed = True
                    await self.tokens.token(force=True, failed=token)
                    continue
                raise NeedsReauthorisation(message, status=status, code=code)
            if status == 403:
                raise NeedsReauthorisation(message, status=status, code=code)
            if status == 404:
                raise NotFound(message, status=status, code=code)
            if status == 410:
                raise CursorExpired(message, status=status, code=code)
            if status == 412:
                raise PreconditionFailed(message, status=status, code=code)
            if status in _RETRY_STATUS:
                retry_after = _retry_after(response)
                await limiter.hold(retry_after if retry_after is not None else 1.0)
                attempt += 1
                wait = retry_delay(attempt, retry_after, self.policy)
                if attempt >= self.policy.max_attempts or (retry_after or 0) > self.policy.max_wait:
                    raise Throttled(message, retry_after=max(wait, retry_after or 0), status=status, code=code)
                record_retry()
                await self._sleep(wait)
                continue
            if status in _TRANSIENT_STATUS and retry_server_errors:
                attempt += 1
                if attempt >= self.policy.max_attempts:
                    raise TransientError(message, status=status, code=code)
                record_retry()
                await self._sleep(retry_delay(attempt, None, self.policy))
                continue
            if status >= 500:
                raise TransientError(message, status=status, code=code)
            raise InvalidRequest(message, status=status, code=code)


__all__ = ["GRAPH_BASE", "GraphHttp", "user_path"]
