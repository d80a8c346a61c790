"""A malformed event is dead-lettered with its reason, and the consumer carries on."""

from __future__ import annotations

import json
import uuid

import httpx

from tests.integration.helpers import apoll, poll
from tests.integration.natsutil import publish_raw, read_stream

DLQ_SUBJECT = "kontor-dlq.billing-clients"


async def _dead_letters(stack) -> list:
    return await read_stream(stack.topology.infra.nats_url, "KONTOR_DLQ", DLQ_SUBJECT)


def _valid_event(tenant: uuid.UUID, **data_overrides) -> dict:
    company_id = str(uuid.uuid4())
    return {
        "specversion": "1.0", "id": str(uuid.uuid4()), "source": "/kontor/contacts",
        "type": "kontor.contacts.company.created", "subject": company_id, "time": "2026-11-23T10:00:00Z",
        "datacontenttype": "application/json", "tenantid": str(tenant),
        "data": {"companyId": company_id, "name": "Poison Probe", "kind": "lead", **data_overrides},
    }


async def test_malformed_events_are_dead_lettered_and_consumer_carries_on(stack):
    tenant = uuid.uuid4()
    subject = f"kontor.{tenant}.contacts.company.created"
    nats_url = stack.topology.infra.nats_url
    bad = {
        "not json": b"{this is not json",
        "envelope": json.dumps({**_valid_event(tenant), "specversion": "0.3"}).encode(),
        "schema": json.dumps(_valid_event(tenant, version="not a number")).encode(),
        "handler": json.dumps(_valid_event(tenant, companyId="not-a-uuid")).encode(),
        "foreign tenant": json.dumps(_valid_event(uuid.uuid4())).encode(),
    }
    for payload in bad.values():
        await publish_raw(nats_url, subject, payload, headers={"Nats-Msg-Id": str(uuid.uuid4())})

    async def all_dead_lettered():
        ours = [m for m in await _dead_letters(stack) if m.headers.get("Kontor-Dlq-Subject") == subject]
        return ours if len(ours) == len(bad) else None

    letters = await apoll(all_dead_lettered, timeout=30)
    by_payload = {m.data: m.headers for m in letters}
    assert set(by_payload) == set(bad.values())
    reasons = {name: by_payload[payload]["Kontor-Dlq-Reason"] for name, payload in bad.items()}
    assert "invalid CloudEvent" in reasons["not json"]
    assert "specversion" in reasons["envelope"]
    assert "does not match kontor.events.v1.CompanyCreated" in reasons["schema"]
    assert "company_id" in reasons["handler"]
    assert "does not match tenantid" in reasons["foreign tenant"]
    assert all(h["Kontor-Dlq-Consumer"] == "billing-clients" for h in by_payload.values())

    # The consumer is still alive: a real event after the poison is handled.
    headers = {"Authorization": f"Bearer {stack.token(tenant)}"}
    created = httpx.post(f"{stack.http('gateway')}/api/v1/companies", headers=headers, json={"name": "After"})
    assert created.status_code == 201
    company_id = created.json()["id"]
    poll(lambda: httpx.get(f"{stack.http('gateway')}/api/v1/billing/clients/{company_id}",
                           headers=headers).status_code == 200)
