"""GET /api/v1/changes against the real stack: who receives which change, resumption with Last-Event-ID,
and that a closed stream leaves no consumer behind.

Negative assertions need no sleeping: events reach every stream in stream order, so once a stream has
received a later "control" change, an earlier change it was not sent will never arrive.
"""

from __future__ import annotations

import asyncio
import json
import uuid

import httpx
import nats

from tests.integration.helpers import apoll
from tests.integration.test_access_api import _assign, _user_api
from tests.integration.test_companies_api import Api

EVENT_TIMEOUT_S = 20


class Listener:
    """One SSE connection, parsed the way a browser's EventSource does (last id kept across checkpoints)."""

    def __init__(self, stack, token: str, last_event_id: str | None = None):
        self.url = f"{stack.http('gateway')}/api/v1/changes"
        self.headers = {"Authorization": f"Bearer {token}"}
        if last_event_id is not None:
            self.headers["Last-Event-ID"] = last_event_id
        self.last_id: str | None = None
        self.events: asyncio.Queue[dict] = asyncio.Queue()
        self.opened = asyncio.Event()

    async def __aenter__(self) -> Listener:
        self._client = httpx.AsyncClient(timeout=httpx.Timeout(10, read=60))
        self._stream = self._client.stream("GET", self.url, headers=self.headers)
        response = await self._stream.__aenter__()
        assert response.status_code == 200, await response.aread()
        assert response.headers["content-type"].startswith("text/event-stream")
        self._reader = asyncio.create_task(self._read(response))
        await asyncio.wait_for(self.opened.wait(), EVENT_TIMEOUT_S)
        return self

    async def _read(self, response: httpx.Response) -> None:
        fields: dict[str, str] = {}
        async for line in response.aiter_lines():
            if line:
                name, _, value = line.partition(":")
                if name:  # a line starting with ":" is a comment
                    fields[name] = value.removeprefix(" ")
                continue
            if "id" in fields:
                self.last_id = fields["id"]
                self.opened.set()
            if "data" in fields:
                await self.events.put({"id": int(fields["id"]), "event": fields.get("event"),
                                       "data": json.loads(fields["data"])})
            fields = {}

    async def until(self, record_id: str, verb: str) -> list[dict]:
        """Every event up to and including the first ``verb`` of ``record_id``."""
        seen = []
        while True:
            event = await asyncio.wait_for(self.events.get(), EVENT_TIMEOUT_S)
            seen.append(event)
            if event["data"]["id"] == record_id and event["data"]["verb"] == verb:
                return seen

    async def __aexit__(self, *exc) -> None:
        self._reader.cancel()
        await asyncio.gather(self._reader, return_exceptions=True)
        await self._stream.__aexit__(None, None, None)
        await self._client.aclose()


def _ids(events: list[dict]) -> list[str]:
    return [e["data"]["id"] for e in events]


async def _write(method, path: str, **kwargs) -> dict:
    response = await asyncio.to_thread(method, path, **kwargs)
    assert response.status_code in (200, 201, 204), response.text
    return response.json() if response.content else {}


async def _consumers(stack, tenant: uuid.UUID) -> int:
    """Consumers on KONTOR_CONTACTS that read this tenant's subjects."""
    nc = await nats.connect(stack.topology.infra.nats_url)
    try:
        infos = await nc.jetstream().consumers_info("KONTOR_CONTACTS")
        return sum(1 for info in infos if info.config.filter_subject == f"kontor.{tenant}.contacts.>")
    finally:
        await nc.close()


async def test_changes_reach_exactly_who_may_see_them_and_resume_without_loss_or_repeats(stack):
    boss = Api(stack)  # an org manager: sees every record of the tenant
    tenant = boss.tenant
    a_id, a = _user_api(stack, tenant)
    _, b = _user_api(stack, tenant)
    stranger = Api(stack)  # an org manager of another tenant
    private = await _write(boss.post, "/companies", json={"name": f"Privat {uuid.uuid4().hex[:6]}",
                                                          "access_level": "private"})
    assert _assign(boss, private["id"], a_id, "sales_rep").status_code == 201
    path = f"/companies/{private['id']}"

    async with Listener(stack, a.token) as seer, Listener(stack, b.token) as outsider, \
            Listener(stack, stranger.token) as foreign:
        assert await _consumers(stack, tenant) == 2

        await _write(boss.patch, path, json={"city": "Graz"}, headers={"If-Match": '"1"'})
        control = await _write(boss.post, "/companies", json={"name": f"Offen {uuid.uuid4().hex[:6]}"})
        theirs = await _write(stranger.post, "/companies", json={"name": f"Fremd {uuid.uuid4().hex[:6]}"})

        seen = await seer.until(private["id"], "updated")
        assert seen[-1]["event"] == "kontor.contacts.company.updated"
        assert seen[-1]["data"] | {"time": None} == {"record_type": "company", "id": private["id"],
                                                     "verb": "updated", "version": 2, "time": None}
        assert _ids(await outsider.until(control["id"], "created")) == [control["id"]]  # not the private one
        assert _ids(await foreign.until(theirs["id"], "created")) == [theirs["id"]]  # nothing of the tenant
        assert _ids(await seer.until(control["id"], "created")) == [control["id"]]
        position = seer.last_id

    await apoll(lambda: _none_left(stack, tenant), timeout=10)  # closed streams leave no consumer behind

    # While A is away: two updates of the private company and one new open company.
    await _write(boss.patch, path, json={"city": "Linz"}, headers={"If-Match": '"2"'})
    later = await _write(boss.post, "/companies", json={"name": f"Später {uuid.uuid4().hex[:6]}"})
    await _write(boss.patch, path, json={"city": "Wels"}, headers={"If-Match": '"3"'})

    async with Listener(stack, a.token, last_event_id=position) as seer, Listener(stack, b.token) as outsider:
        resumed = await seer.until(private["id"], "updated")
        resumed += await seer.until(private["id"], "updated")
        assert [(e["data"]["id"], e["data"]["version"]) for e in resumed] == [
            (private["id"], 3), (later["id"], 1), (private["id"], 4)]  # in order, nothing lost
        assert all(e["id"] > int(position) for e in resumed)  # nothing repeated
        assert [e["id"] for e in resumed] == sorted(e["id"] for e in resumed)

        # A deletion reaches those who could see the record, and nobody else.
        await _write(boss.delete, path, headers={"If-Match": '"4"'})
        closing = await _write(boss.post, "/companies", json={"name": f"Danach {uuid.uuid4().hex[:6]}"})
        gone = await seer.until(private["id"], "deleted")
        assert gone[-1]["event"] == "kontor.contacts.company.deleted" and gone[-1]["data"]["version"] >= 4
        assert _ids(await outsider.until(closing["id"], "created")) == [closing["id"]]


async def _none_left(stack, tenant: uuid.UUID) -> bool:
    return await _consumers(stack, tenant) == 0
