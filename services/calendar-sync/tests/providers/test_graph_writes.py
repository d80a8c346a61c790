"""Create (transactionId), update (If-Match), delete, extended properties, private events, logs."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from kontor.calendar_sync.providers.base import (
    Attendee,
    CrmLinks,
    EventChanges,
    NotFound,
    PreconditionFailed,
    RemoteEvent,
    TimeWindow,
)
from kontor.calendar_sync.providers.graph.mapping import PROP_CRM_ID, PROP_LINKS, PROP_ORIGIN
from kontor.emulators.graph.testing import event_body

from .conftest import ORIGIN, make_provider

WINDOW = TimeWindow(datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 6, 1, tzinfo=UTC))
START = datetime(2025, 4, 2, 7, tzinfo=UTC)
LINKS = CrmLinks(crm_id="apt-42", company_ids=("co-1",), contact_ids=("p-2", "p-1"), deal_ids=("d-9",), project_ids=("pr-3",))


def crm_event(**kw) -> RemoteEvent:
    values = dict(remote_id="", start=START, end=START + timedelta(hours=1), timezone="Europe/Berlin",
                  subject="Projektbesprechung", body="Agenda", location="Raum 1", categories=("Projekt",),
                  attendees=(Attendee("kim@example.com", "Kim"),), links=LINKS)
    values.update(kw)
    return RemoteEvent(**values)


async def test_create_retried_with_the_same_transaction_id_makes_one_event(provider, tenant, outlook):
    first = await provider.create(tenant.upn, crm_event(), "txn-1")
    again = await provider.create(tenant.upn, crm_event(), "txn-1")
    assert again.remote_id == first.remote_id and again.change_key == first.change_key
    assert [e["id"] for e in outlook.events()] == [first.remote_id]
    assert first.timezone == "Europe/Berlin" and first.start == START and first.links == LINKS
    stored = outlook.events()[0]
    assert stored["originalStartTimeZone"] == "W. Europe Standard Time" and stored["transactionId"] == "txn-1"
    other = await provider.create(tenant.upn, crm_event(), "txn-2")
    assert other.remote_id != first.remote_id


async def test_update_with_if_match(provider, tenant):
    made = await provider.create(tenant.upn, crm_event(), "txn-u")
    updated = await provider.update(tenant.upn, made.remote_id, EventChanges.of(subject="Neu", location="Raum 2"),
                                    made.change_key)
    assert (updated.subject, updated.location) == ("Neu", "Raum 2") and updated.change_key != made.change_key
    with pytest.raises(PreconditionFailed) as err:
        await provider.update(tenant.upn, made.remote_id, EventChanges.of(subject="zu spät"), made.change_key)
    assert err.value.status == 412
    moved = await provider.update(tenant.upn, made.remote_id, EventChanges.of(start=START + timedelta(days=1)),
                                  updated.etag)  # the other end and the zone come from the event (one GET)
    assert moved.start == START + timedelta(days=1) and moved.end == START + timedelta(days=1, hours=1)
    assert moved.timezone == "Europe/Berlin"


async def test_delete_is_idempotent(provider, tenant):
    made = await provider.create(tenant.upn, crm_event(), "txn-d")
    assert await provider.delete(tenant.upn, made.remote_id) is True
    assert await provider.delete(tenant.upn, made.remote_id) is False
    with pytest.raises(NotFound):
        await provider.get(tenant.upn, made.remote_id)


async def test_links_survive_an_outlook_edit_and_come_back_through_delta(provider, tenant, outlook):
    made = await provider.create(tenant.upn, crm_event(), "txn-l")
    raw = tenant.control.get(f"/mailboxes/{tenant.upn}/events/{made.remote_id}").json()
    props = {p["id"].lower(): p["value"] for p in raw["singleValueExtendedProperties"]}
    assert props[PROP_CRM_ID.lower()] == "apt-42" and props[PROP_ORIGIN.lower()] == ORIGIN
    assert props[PROP_LINKS.lower()] == '{"company":["co-1"],"contact":["p-1","p-2"],"deal":["d-9"],"project":["pr-3"]}'
    outlook.patch(made.remote_id, {"subject": "In Outlook umbenannt",
                                   "start": {"dateTime": "2025-04-03T11:00:00", "timeZone": "W. Europe Standard Time"},
                                   "end": {"dateTime": "2025-04-03T12:00:00", "timeZone": "W. Europe Standard Time"}})
    got = await provider.get(tenant.upn, made.remote_id)
    assert got.subject == "In Outlook umbenannt" and got.links == LINKS
    for i in range(3):  # plus events without links, and a second Kontor event
        outlook.create(event_body(f"Outlook {i}", "2025-04-05T09:00:00", "2025-04-05T10:00:00", "UTC"))
    second = await provider.create(tenant.upn, crm_event(links=CrmLinks(crm_id="apt-43")), "txn-l2")
    with provider.counting() as stats:
        result = await provider.delta(tenant.upn, WINDOW, None)
    by_id = {e.remote_id: e for e in result.upserts}
    assert by_id[made.remote_id].links == LINKS and by_id[second.remote_id].crm_id == "apt-43"
    assert sum(1 for e in result.upserts if e.links == CrmLinks()) == 3
    assert stats.requests == 2  # one delta page + one listing of the Kontor-written events
    changed = await provider.update(tenant.upn, made.remote_id, EventChanges.of(links=CrmLinks(crm_id="apt-42")), None)
    assert changed.links == CrmLinks(crm_id="apt-42")
    assert (await provider.get(tenant.upn, made.remote_id)).links == CrmLinks(crm_id="apt-42")


async def test_private_events(provider, tenant, outlook):
    made = await provider.create(tenant.upn, crm_event(is_private=True, subject="Arzttermin"), "txn-p")
    assert outlook.events()[0]["sensitivity"] == "private" and made.is_private
    mine = outlook.create(event_body("Privat", "2025-04-04T09:00:00", "2025-04-04T10:00:00", "UTC", sensitivity="private",
                                     showAs="oof"))
    result = await provider.delta(tenant.upn, WINDOW, None)
    theirs = next(e for e in result.upserts if e.remote_id == mine["id"])
    assert theirs.is_private and theirs.show_as == "oof"
    kept = theirs.redacted()
    assert (kept.subject, kept.body, kept.location, kept.attendees) == ("", "", "", ())
    before = theirs.content_hash()
    outlook.patch(mine["id"], {"subject": "Anderer privater Betreff"})
    inc = await provider.delta(tenant.upn, WINDOW, result.cursor, needs_links=False)
    [changed] = inc.upserts
    assert changed.change_key != theirs.change_key and changed.content_hash() == before  # nothing the CRM keeps changed
    undone = await provider.update(tenant.upn, made.remote_id, EventChanges.of(is_private=False), None)
    assert not undone.is_private


async def test_logs_carry_no_private_details(provider, tenant, outlook, caplog):
    caplog.set_level(logging.DEBUG, logger="kontor")
    secret_words = ["Geheimtreffen", "Hinterzimmer", "vertraulich@example.com", "Streng geheim"]
    made = await provider.create(tenant.upn, crm_event(subject=secret_words[0], location=secret_words[1], body=secret_words[3],
                                                       attendees=(Attendee(secret_words[2]),)), "txn-log")
    with pytest.raises(PreconditionFailed):
        await provider.update(tenant.upn, made.remote_id, EventChanges.of(subject=secret_words[0] + "!"), "stale")
    await provider.delta(tenant.upn, WINDOW, None)
    await provider.delete(tenant.upn, made.remote_id)
    assert caplog.records, "the provider logs its requests"
    for record in caplog.records:
        text = record.getMessage() + " " + " ".join(f"{k}={v!r}" for k, v in vars(record).items())
        for word in secret_words:
            assert word not in text, (record.name, record.getMessage())


class RefuseFilter(httpx.AsyncBaseTransport):
    """A server that answers 500 to the extended-property filter, as Exchange Online does for calendarView."""

    def __init__(self, verify) -> None:
        self.inner = httpx.AsyncHTTPTransport(verify=verify)
        self.refused = 0

    async def handle_async_request(self, request):
        if "singleValueExtendedProperties/any" in request.url.params.get("$filter", ""):
            self.refused += 1
            return httpx.Response(400, json={"error": {"code": "ErrorInvalidUrlQueryFilter", "message": "no"}})
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_links_are_read_one_by_one_when_the_filter_is_refused(emulator, tenant, outlook):
    transport = RefuseFilter(emulator.ssl_context())
    provider = make_provider(emulator, tenant, transport=transport)
    try:
        a = await provider.create(tenant.upn, crm_event(links=CrmLinks(crm_id="a")), "txn-fa")
        b = await provider.create(tenant.upn, crm_event(links=CrmLinks(crm_id="b")), "txn-fb")
        outlook.create(event_body("Outlook", "2025-04-05T09:00:00", "2025-04-05T10:00:00"))
        with provider.counting() as stats:
            result = await provider.delta(tenant.upn, WINDOW, None)
        assert transport.refused == 1
        assert {e.remote_id: e.crm_id for e in result.upserts if e.crm_id} == {a.remote_id: "a", b.remote_id: "b"}
        assert stats.outcomes == {"ok": 1 + 3, "client_error": 1}  # delta page, refused listing, 3 GETs
    finally:
        await provider.aclose()
