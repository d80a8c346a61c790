"""Graph change notifications: subscription upkeep against the emulator, and verified notifications that make
a mailbox sync now. A local receiver stands in for the gateway's webhook (it answers Graph's validation)."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from kontor.emulators.graph.testing import NotificationReceiver
from kontor.platform import auth
from kontor.platform.errors import InvalidArgument, PermissionDenied
from kontor.platform.secrets_box import generate_key
from kontor.protos.calendar.v1 import notifications_pb2 as pb

from kontor.calendar_sync.connectors.models import ConnectorSettings
from kontor.calendar_sync.notifications import manage, receive, servicer
from kontor.calendar_sync.notifications.models import GraphSubscription
from kontor.calendar_sync.notifications.tasks import TASK
from kontor.calendar_sync.settings import CalendarSyncSettings
from kontor.calendar_sync.sync.models import SyncMailbox
from kontor.calendar_sync.tasks import celery_app

from .conftest import outlook_event, soon

LATER = datetime(2100, 1, 1, tzinfo=UTC)


@pytest.fixture
def receiver():
    with NotificationReceiver() as r:
        yield r


def _policy(url: str, lifetime_min: int = 120, renew_before_min: int = 30) -> manage.SubscriptionPolicy:
    return manage.SubscriptionPolicy(url, timedelta(minutes=lifetime_min), timedelta(minutes=renew_before_min))


async def _maintain(world, policy, now=None) -> dict[str, int]:
    async def factory(_server, _box):
        return world.provider()

    return await manage.maintain_tenant(world.db, None, world.tenant_id, policy, now=now, factory=factory)


def _at_graph(world) -> list[dict]:
    return [s for s in world.control.get("/subscriptions").json()["value"] if s["mailboxId"] == world.handle.mailbox_id]


async def _rows(world) -> list[GraphSubscription]:
    async with world.db.unit_of_work(None) as session:
        return list((await session.scalars(
            sa.select(GraphSubscription).where(GraphSubscription.tenant_id == world.tenant_id))).all())


async def _subscribed(world, receiver) -> tuple[dict, GraphSubscription]:
    await world.sync()
    assert await _maintain(world, _policy(receiver.url)) == {"created": 1}
    [sub] = _at_graph(world)
    [row] = await _rows(world)
    return sub, row


async def _next_poll(world):
    async with world.db.unit_of_work(world.tenant_id) as session:
        return await session.scalar(sa.select(SyncMailbox.next_poll_at).where(
            SyncMailbox.connector_id == world.connector_id))


async def _set_next_poll(world, value) -> None:
    async with world.db.unit_of_work(world.tenant_id) as session:
        await session.execute(sa.update(SyncMailbox).where(SyncMailbox.connector_id == world.connector_id)
                              .values(next_poll_at=value))


def test_beat_schedules_the_upkeep():
    settings = CalendarSyncSettings(database_url="postgresql+asyncpg://u:p@localhost/db", nats_url="nats://x",
                                    contacts_addr="c:1", secret_keys=generate_key(), jwks_url="https://gw/jwks")
    app = celery_app(settings)
    assert TASK in app.tasks
    assert app.conf.beat_schedule[TASK]["schedule"] == timedelta(seconds=settings.graph_subscription_check_s)


async def test_a_mailbox_that_never_synced_gets_no_subscription(world, receiver):
    assert await _maintain(world, _policy(receiver.url)) == {}
    assert _at_graph(world) == [] and receiver.validations == []


async def test_upkeep_subscribes_a_synced_mailbox_and_keeps_only_a_hash(world, receiver):
    sub, row = await _subscribed(world, receiver)
    assert len(receiver.validations) == 1  # Graph validated the webhook before creating
    assert sub["resource"] == f"users/{world.handle.upn}/events"
    assert sub["changeType"] == "created,updated,deleted" and sub["notificationUrl"] == receiver.url
    assert sub["lifecycleNotificationUrl"] == receiver.url
    assert row.id == sub["id"] and row.connector_id == world.connector_id
    secret = sub["clientState"]
    assert len(secret) >= 32 and row.client_state_hash == hashlib.sha256(secret.encode()).digest()
    assert secret.encode() not in repr(row.__dict__).encode()
    # A second pass finds it held and not yet due for renewal: nothing to do.
    assert await _maintain(world, _policy(receiver.url)) == {}


async def test_an_outlook_change_notifies_and_makes_the_mailbox_sync_now(world, receiver):
    sub, _row = await _subscribed(world, receiver)
    await _set_next_poll(world, LATER)
    made = world.outlook_create(outlook_event("Booked in Outlook", soon(2)))
    items = receiver.wait_for(lambda items: any(i["resource"].endswith(made["id"]) for i in items))
    got = [receive.Notification(i["subscriptionId"], i["clientState"], i["changeType"], "", i["tenantId"])
           for i in items]
    result = await receive.receive(world.db, got)
    assert result.accepted == len(got) and result.ignored == 0
    assert [(r.tenant_id, r.connector_id) for r in result.runs] == [(world.tenant_id, world.connector_id)]
    assert await _next_poll(world) is None  # due at beat's next tick even if the queued run is lost
    async with world.db.unit_of_work(None) as session:
        assert (await session.get(GraphSubscription, sub["id"])).last_notified_at is not None


@pytest.mark.parametrize("forged", [
    {"client_state": "guessed"},
    {"client_state": ""},
    {"subscription_id": "00000000-0000-0000-0000-000000000000"},
    {"azure_tenant_id": "11111111-1111-1111-1111-111111111111"},
    {"change_type": "exploded"},
])
async def test_forged_notifications_are_ignored(world, receiver, forged):
    sub, _row = await _subscribed(world, receiver)
    await _set_next_poll(world, LATER)
    genuine = {"subscription_id": sub["id"], "client_state": sub["clientState"], "change_type": "updated",
               "azure_tenant_id": world.handle.tenant_id}
    result = await receive.receive(world.db, [receive.Notification(**(genuine | forged))])
    assert (result.accepted, result.ignored, result.runs) == (0, 1, [])
    assert await _next_poll(world) == LATER


async def test_renewal_comes_before_expiry(world, receiver):
    sub, row = await _subscribed(world, receiver)
    later = datetime.now(UTC) + timedelta(minutes=100)  # 20 minutes left of 120: inside renew_before
    assert await _maintain(world, _policy(receiver.url), now=later) == {"renewed": 1}
    [renewed] = await _rows(world)
    assert renewed.id == sub["id"] and renewed.expires_at > row.expires_at + timedelta(minutes=90)
    [at_graph] = _at_graph(world)
    assert at_graph["expirationDateTime"][:16] == renewed.expires_at.strftime("%Y-%m-%dT%H:%M")


async def test_a_subscription_graph_lost_is_made_again(world, receiver):
    sub, _row = await _subscribed(world, receiver)
    assert world.control.post(f"/subscriptions/{sub['id']}/expire").status_code == 204
    later = datetime.now(UTC) + timedelta(minutes=100)
    assert await _maintain(world, _policy(receiver.url), now=later) == {"lost": 1, "created": 1}
    [row] = await _rows(world)
    assert row.id != sub["id"] and [s["id"] for s in _at_graph(world)] == [row.id]


async def test_disabling_the_connector_deletes_its_subscription(world, receiver):
    await _subscribed(world, receiver)
    async with world.db.unit_of_work(world.tenant_id) as session:
        await session.execute(sa.update(ConnectorSettings).where(ConnectorSettings.id == world.connector_id)
                              .values(enabled=False))
    assert await _maintain(world, _policy(receiver.url)) == {"removed": 1}
    assert _at_graph(world) == [] and await _rows(world) == []


async def test_clearing_the_url_removes_every_subscription(world, receiver):
    await _subscribed(world, receiver)
    assert await _maintain(world, _policy("")) == {"removed": 1}
    assert _at_graph(world) == [] and await _rows(world) == []


async def test_lifecycle_events(world, receiver):
    sub, _row = await _subscribed(world, receiver)
    reauth = receive.Notification(sub["id"], sub["clientState"], lifecycle_event="reauthorizationRequired")
    result = await receive.receive(world.db, [reauth])
    assert (result.accepted, result.runs) == (1, [])
    assert await _maintain(world, _policy(receiver.url)) == {"renewed": 1}  # renewed at the next pass

    removed = receive.Notification(sub["id"], sub["clientState"], lifecycle_event="subscriptionRemoved")
    result = await receive.receive(world.db, [removed])
    assert result.accepted == 1 and [r.connector_id for r in result.runs] == [world.connector_id]
    assert await _rows(world) == []
    assert (await _maintain(world, _policy(receiver.url)))["created"] == 1  # subscribed again


async def test_only_the_gateway_may_deliver(db):
    request = pb.DeliverGraphNotificationsRequest(notifications=[pb.GraphNotification(subscription_id="x")])
    user = auth.Principal(subject=str(uuid.uuid4()), tenant_id=uuid.uuid4(), roles=("org_manager",))
    token = auth.set_principal(user)
    try:
        with pytest.raises(PermissionDenied):
            await servicer.ChangeNotificationServicer(db, None).DeliverGraphNotifications(request, None)
    finally:
        auth.reset_principal(token)
    gateway = auth.Principal(subject="service:gateway", tenant_id=uuid.UUID(int=0), roles=("service",))
    token = auth.set_principal(gateway)
    try:
        answer = await servicer.ChangeNotificationServicer(db, None).DeliverGraphNotifications(request, None)
    finally:
        auth.reset_principal(token)
    assert (answer.accepted, answer.ignored, answer.runs_requested) == (0, 1, 0)


@pytest.mark.parametrize("field", ["subscription_id", "client_state", "azure_tenant_id"])
async def test_a_nul_in_a_notification_is_refused_naming_the_field(db, field):
    note = pb.GraphNotification(subscription_id="x", client_state="s", azure_tenant_id="t")
    setattr(note, field, getattr(note, field) + "\x00")
    gateway = auth.Principal(subject="service:gateway", tenant_id=uuid.UUID(int=0), roles=("service",))
    token = auth.set_principal(gateway)
    try:
        with pytest.raises(InvalidArgument) as caught:
            await servicer.ChangeNotificationServicer(db, None).DeliverGraphNotifications(
                pb.DeliverGraphNotificationsRequest(notifications=[note]), None)
    finally:
        auth.reset_principal(token)
    assert caught.value.field == f"notifications[0].{field}"
