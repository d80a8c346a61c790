"""Graph's ``/subscriptions`` over the provider's client (auth, limits, retries and error mapping are its).

https://learn.microsoft.com/graph/api/subscription-post-subscriptions, ``subscription-update``,
``subscription-delete``. Resource ``users/{mailbox}/events``: every event of the mailbox's calendar;
``created,updated,deleted``; no resource data (so no encryption certificate, and the 10,080-minute limit
for Outlook events applies). The lifecycle URL is the notification URL: the webhook handles both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from kontor.platform.groupware.errors import NotFound
from kontor.platform.groupware.graph.http import GraphHttp, user_path

CHANGE_TYPES = "created,updated,deleted"


@dataclass(frozen=True)
class CreatedSubscription:
    id: str
    expires_at: datetime


def _instant(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _parse(raw: str) -> datetime:
    text = raw.replace("Z", "+00:00")
    head, dot, rest = text.partition(".")
    if dot:  # Graph may send 7 fractional digits
        digits = "".join(c for c in rest if c.isdigit())
        text = f"{head}.{digits[:6]}{rest[len(digits):]}"
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def create(http: GraphHttp, mailbox: str, *, notification_url: str, client_state: str,
                 expires_at: datetime) -> CreatedSubscription:
    """Subscribe; Graph validates ``notification_url`` (the gateway echoes its token) before answering."""
    response = await http.request(mailbox, "POST", "/subscriptions", json={
        "changeType": CHANGE_TYPES, "notificationUrl": notification_url,
        "lifecycleNotificationUrl": notification_url, "resource": f"{user_path(mailbox).lstrip('/')}/events",
        "expirationDateTime": _instant(expires_at), "clientState": client_state,
    }, retry_server_errors=False)
    body = response.json()
    return CreatedSubscription(id=body["id"], expires_at=_parse(body["expirationDateTime"]))


async def renew(http: GraphHttp, mailbox: str, subscription_id: str, expires_at: datetime) -> datetime:
    """New expiry; :class:`NotFound` when Graph no longer has the subscription."""
    response = await http.request(mailbox, "PATCH", f"/subscriptions/{subscription_id}",
                                  json={"expirationDateTime": _instant(expires_at)})
    return _parse(response.json()["expirationDateTime"])


async def delete(http: GraphHttp, mailbox: str, subscription_id: str) -> bool:
    """Delete; ``False`` when it was already gone."""
    try:
        await http.request(mailbox, "DELETE", f"/subscriptions/{subscription_id}")
    except NotFound:
        return False
    return True
