"""Change notifications: subscriptions, the validation handshake, delivery, retries, expiry, errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from kontor.emulators.graph.testing import NotificationReceiver, event_body


def _in(minutes: float) -> str:
    return (datetime.now(UTC) + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@pytest.fixture
def receiver():
    with NotificationReceiver() as r:
        yield r


@pytest.fixture
def subs(tenant):
    """A client for /v1.0/subscriptions with the tenant's app token."""
    token = tenant.token()["access_token"]
    with httpx.Client(base_url=f"{tenant.emulator.base_url}/v1.0", verify=tenant.emulator.ssl_context(),
                      headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
        yield client


@pytest.fixture(autouse=True)
def fast_retries(tenant):
    tenant.control.put("/notifications", json={"retryDelaysSeconds": [0.05, 0.1], "maxAgeSeconds": 30})
    yield
    tenant.control.put("/notifications", json={"retryDelaysSeconds": [1, 2, 5, 15, 60, 300, 900],
                                               "maxAgeSeconds": 14400, "validationTimeoutSeconds": 10})


def _attempts(tenant, subscription_id: str, until, timeout: float = 20.0) -> list[dict]:
    """The emulator's delivery log for a subscription, once ``until(log)`` holds (it is written after the POST)."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        log = [a for a in tenant.control.get("/notifications").json()["value"] if a["subscriptionId"] == subscription_id]
        if until(log) or time.monotonic() > deadline:
            return log
        time.sleep(0.02)


def _subscribe(subs, tenant, receiver, **extra):
    body = {"changeType": "created,updated,deleted", "notificationUrl": receiver.url,
            "resource": f"users/{tenant.mailbox_id}/events", "expirationDateTime": _in(60),
            "clientState": "s3cret-state"} | extra
    return subs.post("/subscriptions", json=body)


def test_create_validates_the_endpoint_and_returns_the_subscription(subs, tenant, receiver):
    r = _subscribe(subs, tenant, receiver)
    assert r.status_code == 201, r.text
    sub = r.json()
    assert sub["changeType"] == "created,updated,deleted" and sub["clientState"] == "s3cret-state"
    assert sub["notificationUrl"] == receiver.url and sub["applicationId"] == tenant.client_id
    assert len(receiver.validations) == 1 and receiver.validations[0]  # one handshake with an opaque token
    assert subs.get(f"/subscriptions/{sub['id']}").json()["id"] == sub["id"]
    assert [s["id"] for s in subs.get("/subscriptions").json()["value"]] == [sub["id"]]


def test_upn_resource_and_leading_slash_are_accepted(subs, tenant, receiver):
    r = _subscribe(subs, tenant, receiver, resource=f"/users/{tenant.upn}/calendar/events")
    assert r.status_code == 201, r.text


@pytest.mark.parametrize(("mode", "code", "fragment"), [
    ("status", "ValidationError", "must respond with 200 OK"),
    ("wrong_body", "ValidationError", "must exactly match validationToken"),
])
def test_a_failed_handshake_makes_no_subscription(subs, tenant, receiver, mode, code, fragment):
    receiver.validation = mode
    r = _subscribe(subs, tenant, receiver)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == code and fragment in r.json()["error"]["message"]
    assert subs.get("/subscriptions").json()["value"] == []


def test_a_handshake_that_does_not_answer_in_time_fails(subs, tenant, receiver):
    tenant.control.put("/notifications", json={"validationTimeoutSeconds": 0.5})
    receiver.validation = "hang"
    r = _subscribe(subs, tenant, receiver)
    assert r.status_code == 400
    assert r.json()["error"] | {"innerError": None} == {
        "code": "InvalidRequest", "message": "Subscription validation request timed out.", "innerError": None}


def test_an_unreachable_endpoint_fails_validation(subs, tenant):
    r = subs.post("/subscriptions", json={"changeType": "created", "notificationUrl": "http://127.0.0.1:9/gone",
                                          "resource": f"users/{tenant.mailbox_id}/events",
                                          "expirationDateTime": _in(60)})
    assert r.status_code == 400 and r.json()["error"]["code"] == "ValidationError"


def test_expiration_beyond_the_maximum_for_events_is_refused(subs, tenant, receiver):
    r = _subscribe(subs, tenant, receiver, expirationDateTime=_in(10080 + 5))
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "ExtensionError"
    assert r.json()["error"]["message"] == "Subscription expiration can only be 10080 minutes in the future."
    assert receiver.validations == []  # refused before any handshake
    assert _subscribe(subs, tenant, receiver, expirationDateTime=_in(10080 - 5)).status_code == 201


@pytest.mark.parametrize(("change", "code"), [
    ({"expirationDateTime": "2020-01-01T00:00:00Z"}, "ExtensionError"),
    ({"expirationDateTime": "tomorrow"}, "BadRequest"),
    ({"changeType": "moved"}, "InvalidRequest"),
    ({"notificationUrl": "http://example.com/hook"}, "ValidationError"),
    ({"clientState": "x" * 129}, "InvalidRequest"),
    ({"resource": "me/events"}, "BadRequest"),
    ({"resource": "users/x/messages"}, "InvalidRequest"),
])
def test_bad_requests_answer_graph_errors(subs, tenant, receiver, change, code):
    r = _subscribe(subs, tenant, receiver, **change)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == code


def test_another_tenants_mailbox_is_not_found(subs, tenant, receiver, emulator):
    from kontor.emulators.graph.testing import new_tenant

    other = new_tenant(emulator)
    r = _subscribe(subs, tenant, receiver, resource=f"users/{other.mailbox_id}/events")
    assert r.status_code == 404
    other.control.close()


def test_changes_are_delivered_with_client_state_and_resource(subs, tenant, receiver, graph):
    sub = _subscribe(subs, tenant, receiver).json()
    ev = graph.post("/events", json=event_body("Visit", "2025-03-03T09:00:00", "2025-03-03T10:00:00")).json()
    graph.patch(f"/events/{ev['id']}", json={"subject": "Moved"})
    graph.delete(f"/events/{ev['id']}")
    items = receiver.wait_for(lambda items: len(items) >= 3)
    assert [i["changeType"] for i in items] == ["created", "updated", "deleted"]
    first = items[0]
    assert first["subscriptionId"] == sub["id"] and first["clientState"] == "s3cret-state"
    assert first["tenantId"] == tenant.tenant_id
    assert first["resource"] == f"Users/{tenant.mailbox_id}/Events/{ev['id']}"
    assert first["resourceData"]["id"] == ev["id"] and first["resourceData"]["@odata.type"] == "#Microsoft.Graph.Event"
    assert first["subscriptionExpirationDateTime"] == sub["expirationDateTime"]
    assert "subject" not in str(items)  # no resource data without includeResourceData


def test_control_api_changes_notify_and_change_types_filter(subs, tenant, receiver):
    _subscribe(subs, tenant, receiver, changeType="updated")
    made = tenant.control.post(f"/mailboxes/{tenant.mailbox_id}/events",
                               json=event_body("Outlook", "2025-03-03T09:00:00", "2025-03-03T10:00:00")).json()
    tenant.control.patch(f"/mailboxes/{tenant.mailbox_id}/events/{made['id']}", json={"subject": "Edited in Outlook"})
    items = receiver.wait_for(lambda items: len(items) >= 1)
    assert [i["changeType"] for i in items] == ["updated"]  # the create was not subscribed


def test_failed_deliveries_are_retried(subs, tenant, receiver, graph):
    sub = _subscribe(subs, tenant, receiver).json()
    receiver.fail_next = 2
    graph.post("/events", json=event_body("Retry me", "2025-03-03T09:00:00", "2025-03-03T10:00:00"))
    items = receiver.wait_for(lambda items: len(items) >= 1)
    assert items[0]["subscriptionId"] == sub["id"]
    attempts = _attempts(tenant, sub["id"], until=lambda log: any(a["delivered"] for a in log))
    assert [(a["attempt"], a["status"], a["delivered"]) for a in attempts] == [(1, 500, False), (2, 500, False),
                                                                             (3, 202, True)]


def test_renewal_extends_and_delete_stops(subs, tenant, receiver, graph):
    sub = _subscribe(subs, tenant, receiver).json()
    later = _in(3 * 1440)
    renewed = subs.patch(f"/subscriptions/{sub['id']}", json={"expirationDateTime": later})
    assert renewed.status_code == 200
    assert renewed.json()["expirationDateTime"][:19] == later[:19]
    too_far = subs.patch(f"/subscriptions/{sub['id']}", json={"expirationDateTime": _in(20000)})
    assert too_far.status_code == 400 and too_far.json()["error"]["code"] == "ExtensionError"
    assert subs.delete(f"/subscriptions/{sub['id']}").status_code == 204
    assert subs.get(f"/subscriptions/{sub['id']}").status_code == 404
    assert subs.delete(f"/subscriptions/{sub['id']}").json()["error"]["code"] == "ResourceNotFound"


def test_expired_subscriptions_stop_and_disappear(subs, tenant, receiver, graph):
    keep = _subscribe(subs, tenant, receiver, clientState="keep").json()
    gone = _subscribe(subs, tenant, receiver, clientState="gone").json()
    assert tenant.control.post(f"/subscriptions/{gone['id']}/expire").status_code == 204
    graph.post("/events", json=event_body("After expiry", "2025-03-03T09:00:00", "2025-03-03T10:00:00"))
    items = receiver.wait_for(lambda items: len(items) >= 1)
    # The live subscription's notification arrived; the expired one sent nothing and is gone.
    assert {i["subscriptionId"] for i in items} == {keep["id"]}
    assert subs.get(f"/subscriptions/{gone['id']}").status_code == 404
    assert [s["id"] for s in subs.get("/subscriptions").json()["value"]] == [keep["id"]]


def test_another_apps_subscription_is_not_found(subs, tenant, receiver, emulator):
    from kontor.emulators.graph.testing import new_tenant

    sub = _subscribe(subs, tenant, receiver).json()
    other = new_tenant(emulator)
    with other.graph() as client:
        headers = dict(client.headers)
    r = httpx.get(f"{emulator.base_url}/v1.0/subscriptions/{sub['id']}", headers=headers,
                  verify=emulator.ssl_context())
    assert r.status_code == 404
    other.control.close()


def test_lifecycle_notifications_go_to_the_lifecycle_url(subs, tenant, receiver):
    with NotificationReceiver() as lifecycle:
        sub = _subscribe(subs, tenant, receiver, lifecycleNotificationUrl=lifecycle.url).json()
        assert len(lifecycle.validations) == 1
        assert tenant.control.post(f"/subscriptions/{sub['id']}/lifecycle",
                                   json={"event": "subscriptionRemoved"}).status_code == 202
        items = lifecycle.wait_for(lambda items: len(items) >= 1)
    assert items[0]["lifecycleEvent"] == "subscriptionRemoved" and items[0]["subscriptionId"] == sub["id"]
    assert items[0]["clientState"] == "s3cret-state"
    assert subs.get(f"/subscriptions/{sub['id']}").status_code == 404
    assert subs.post(f"/subscriptions/{sub['id']}/reauthorize").status_code == 404


def test_https_receivers_are_verified_against_the_receiver_ca(tmp_path):
    """Graph calls HTTPS only and checks the certificate: an untrusted one fails validation, a trusted one works."""
    import trustme

    from kontor.emulators.graph import GraphEmulator
    from kontor.emulators.graph.testing import new_tenant

    ca = trustme.CA()
    leaf = ca.issue_cert("127.0.0.1")
    cert, key, ca_file = tmp_path / "cert.pem", tmp_path / "key.pem", tmp_path / "ca.pem"
    for blob in leaf.cert_chain_pems:
        blob.write_to_path(str(cert), append=cert.exists())
    leaf.private_key_pem.write_to_path(str(key))
    ca.cert_pem.write_to_path(str(ca_file))

    def subscribe(emulator, url):
        t = new_tenant(emulator)
        token = t.token()["access_token"]
        r = httpx.post(f"{emulator.base_url}/v1.0/subscriptions", verify=emulator.ssl_context(),
                       headers={"Authorization": f"Bearer {token}"},
                       json={"changeType": "created", "notificationUrl": url, "expirationDateTime": _in(60),
                             "resource": f"users/{t.mailbox_id}/events", "clientState": "x"}, timeout=30)
        t.control.close()
        return r

    with NotificationReceiver(tls=(str(cert), str(key))) as receiver:
        with GraphEmulator() as untrusting:
            refused = subscribe(untrusting, receiver.url)
        with GraphEmulator(receiver_ca_path=str(ca_file)) as trusting:
            accepted = subscribe(trusting, receiver.url)
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "ValidationError"
    assert accepted.status_code == 201, accepted.text
    assert len(receiver.validations) == 1  # the untrusting emulator never got past the TLS handshake
