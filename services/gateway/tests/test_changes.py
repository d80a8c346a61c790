"""The change stream's edge without a stack: SSE framing, Last-Event-ID resumption, filtering through the
Permission API, heartbeats, checkpoints, the per-user stream limit and clean-up.

The route runs for real (FastAPI's SSE encoding, token verification, problem+json, a real redis-server);
only JetStream and contacts are replaced: a scripted feed and a CheckAccess that knows which ids are visible.
The streams end by themselves because the tokens live two seconds.
"""

import asyncio
import json
import time
import uuid
from dataclasses import dataclass, field

import httpx
import pytest
from google.protobuf.message import Message

from kontor.gateway.changes import feed as feed_module, routers, sse
from kontor.gateway.changes.feed import Delivery, StreamState
from kontor.gateway.changes.records import Change
from kontor.gateway.changes.slots import StreamSlots
from kontor.gateway.changes.visibility import Visibility
from kontor.gateway.edge.limits import LimitExceeded, limit_exceeded_handler
from kontor.platform import auth
from kontor.platform.errors import InvalidArgument, Unavailable
from kontor.platform.events import build_event, subject_for
from kontor.platform.http import create_app
from kontor.protos.contacts.v1 import access_pb2
from kontor.protos.events.v1 import access_pb2 as access_events, contacts_pb2
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

TENANT = uuid.uuid4()
TOKEN_TTL_S = 2


# --- resumption -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [None, "", "  "])
def test_first_connection_has_no_position(value):
    assert sse.parse_last_event_id(value) is None


def test_last_event_id_is_a_sequence():
    assert sse.parse_last_event_id(" 42 ") == 42


@pytest.mark.parametrize("value", ["-1", "4.2", "abc", "1e3", "١٢", "9" * 20])
def test_anything_else_is_refused_naming_the_header(value):
    with pytest.raises(InvalidArgument) as exc:
        sse.parse_last_event_id(value)
    assert exc.value.field == "Last-Event-ID"


@pytest.mark.parametrize(("last_id", "first", "last", "start", "reset"), [
    (None, 1, 40, 41, False),   # first connection: only what happens from now on
    (None, 0, 0, 1, False),     # ... also on an empty stream
    (17, 1, 40, 18, False),     # resume right after the last event seen
    (40, 1, 40, 41, False),     # seen everything
    (0, 0, 0, 1, False),
    (50, 1, 40, 41, True),      # an id from the future: the stream was recreated
    (5, 20, 40, 20, True),      # retention dropped 6..19: the client must re-read
    (19, 20, 40, 20, False),    # ... but nothing is lost when 19 was the last one seen
    (40, 41, 40, 41, False),    # everything expired, nothing missed
])
def test_where_a_connection_starts(last_id, first, last, start, reset):
    begins = sse.start_of(last_id, first_seq=first, last_seq=last)
    assert begins.sequence == start and bool(begins.reset) == reset
    assert begins.checkpoint == start - 1


# --- the route, with a scripted feed and a fake Permission API ----------------------------------------------

def _delivery(sequence: int, message: Message, tenant: uuid.UUID = TENANT) -> Delivery:
    event = build_event(message, tenant_id=tenant, producer="contacts", subject=None)
    return Delivery(sequence, subject_for(tenant, event.short_type), event.model_dump_json().encode())


def created(sequence: int, company_id: str, tenant: uuid.UUID = TENANT) -> Delivery:
    return _delivery(sequence, contacts_pb2.CompanyCreated(company_id=company_id, name="Geheim GmbH", kind="lead",
                                                           city="Wien", version=1), tenant)


def deleted(sequence: int, company_id: str) -> Delivery:
    return _delivery(sequence, contacts_pb2.CompanyDeleted(company_id=company_id, version=2))


class ScriptedFeed:
    def __init__(self, deliveries: list[Delivery]):
        self.pending = list(deliveries)
        self.closed = False

    async def next(self, timeout: float):
        if self.pending:
            return self.pending.pop(0)
        await asyncio.sleep(timeout)
        return None

    async def close(self):
        self.closed = True


@dataclass
class FakeAccess:
    visible: set[str]
    gone: set[str] = field(default_factory=set)  # deleted, and visible to the caller before
    down: bool = False
    calls: list = field(default_factory=list)

    async def CheckAccess(self, request, metadata=()):  # noqa: N802 - the gRPC method's name
        self.calls.append((request.resource.id, request.include_deleted, dict(metadata)["authorization"]))
        if self.down:
            raise Unavailable("contacts unavailable")
        record = request.resource.id
        allowed = record in self.visible or (request.include_deleted and record in self.gone)
        return access_pb2.CheckAccessResponse(allowed=allowed, reason="allowed" if allowed else "not_found")


class Settings:
    changes_max_streams_per_user = 2
    changes_heartbeat_s = 0.3
    changes_retry_ms = 2500
    changes_access_cache_s = 10.0


@dataclass
class Harness:
    client: httpx.AsyncClient
    issuer: auth.TokenIssuer
    access: FakeAccess
    redis: object
    feeds: list[tuple[int, ScriptedFeed]] = field(default_factory=list)
    script: list[Delivery] = field(default_factory=list)
    state: StreamState = StreamState(first_seq=1, last_seq=9)

    def token(self, subject: str = "", tenant: uuid.UUID = TENANT, ttl_s: int = TOKEN_TTL_S) -> str:
        return self.issuer.issue(subject=subject or str(uuid.uuid4()), tenant_id=tenant, roles=["sales_rep"],
                                 ttl_s=ttl_s)

    async def stream(self, token: str, **headers) -> httpx.Response:
        return await self.client.get("/api/v1/changes", headers={"Authorization": f"Bearer {token}", **headers},
                                     timeout=TOKEN_TTL_S + 10)


_APP = None


def _app(rt):
    global _APP  # one app per process: create_app registers Prometheus metrics under its service name
    if _APP is None:
        _APP = create_app(service="gateway_changes_test", title="test")
        _APP.add_exception_handler(LimitExceeded, limit_exceeded_handler)
        for router in routers(rt):
            _APP.include_router(router)
    return _APP


class _Runtime:
    settings = Settings()
    js = object()  # never touched: the feed functions are replaced
    stopping = asyncio.Event()

    def __init__(self):
        self.verifier = None
        self.extras: dict = {}


_RT = _Runtime()


@pytest.fixture
async def harness(redis, monkeypatch):
    issuer = auth.TokenIssuer(Ed25519PrivateKey.generate(), issuer="kontor-gateway", audience="kontor")
    verifier = auth.TokenVerifier("http://unused.invalid/jwks", issuer="kontor-gateway", audience="kontor")
    verifier.add_keys(issuer.jwks())
    access = FakeAccess(visible=set())
    _RT.verifier = verifier
    _RT.extras.clear()
    _RT.extras.update(redis=redis, upstreams=type("Upstreams", (), {"access": access})())
    app = _app(_RT)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as client:
        h = Harness(client=client, issuer=issuer, access=access, redis=redis)

        async def stream_state(js):
            return h.state

        async def open_feed(js, tenant_id, start_sequence):
            scripted = ScriptedFeed([d for d in h.script if d.sequence >= start_sequence])
            h.feeds.append((start_sequence, scripted))
            return scripted

        monkeypatch.setattr(feed_module, "stream_state", stream_state)
        monkeypatch.setattr(feed_module, "open_feed", open_feed)
        yield h


def frames(body: str) -> list[str]:
    return [frame for frame in body.split("\n\n") if frame]


def events(body: str) -> list[dict]:
    """The frames that carry data, as {"id", "event", "data"}."""
    found = []
    for frame in frames(body):
        fields = dict(line.split(": ", 1) for line in frame.split("\n") if not line.startswith(":"))
        if "data" in fields:
            found.append({"id": fields.get("id"), "event": fields.get("event"), "data": json.loads(fields["data"])})
    return found


async def test_visible_changes_are_framed_with_sequence_type_and_a_small_payload(harness):
    mine, hidden = str(uuid.uuid4()), str(uuid.uuid4())
    harness.access.visible = {mine}
    harness.access.gone = {mine}
    harness.script = [
        created(10, mine), created(11, hidden),
        _delivery(12, access_events.AssignmentChanged(record_type="company", record_id=mine, user_id="u",
                                                      role="sales_rep", action="assigned")),
        created(13, str(uuid.uuid4()), tenant=uuid.uuid4()),  # the subscription never delivers these
        deleted(14, mine), deleted(15, hidden),
    ]
    token = harness.token()
    response = await harness.stream(token)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["cache-control"] == "no-cache"
    body = response.text
    assert frames(body)[0] == ": kontor changes\nid: 9\nretry: 2500"
    got = events(body)
    assert [(e["id"], e["event"]) for e in got] == [("10", "kontor.contacts.company.created"),
                                                   ("14", "kontor.contacts.company.deleted")]
    assert got[0]["data"].keys() == {"record_type", "id", "verb", "version", "time"}
    assert got[0]["data"] | {"time": None} == {"record_type": "company", "id": mine, "verb": "created",
                                               "version": 1, "time": None}
    assert got[1]["data"]["verb"] == "deleted" and got[1]["data"]["version"] == 2
    assert "Geheim" not in body and "Wien" not in body  # names and addresses stay in contacts
    assert "id: 15" in frames(body)  # what was hidden at the end still moves the client's position
    # The Permission API decided, asked with the caller's own token: once per record while the answer is
    # fresh, and once more, about the deleted record, where the earlier answer was "no".
    assert {auth for *_, auth in harness.access.calls} == {f"Bearer {token}"}
    assert [(r, d) for r, d, _ in harness.access.calls] == [(mine, False), (hidden, False), (hidden, True)]
    assert harness.feeds[0][1].closed


async def test_answers_are_reused_briefly_but_a_no_is_asked_again_for_a_deletion(harness):
    record = str(uuid.uuid4())
    harness.script = [created(10, record), _delivery(11, contacts_pb2.CompanyUpdated(company_id=record, version=2)),
                      deleted(12, record)]
    await harness.stream(harness.token())
    assert [(r, d) for r, d, _ in harness.access.calls] == [(record, False), (record, True)]


async def test_last_event_id_resumes_right_after_it_without_repeats(harness):
    records = [str(uuid.uuid4()) for _ in range(4)]
    harness.access.visible = set(records)
    harness.script = [created(10 + i, r) for i, r in enumerate(records)]
    harness.state = StreamState(first_seq=1, last_seq=13)

    response = await harness.stream(harness.token(), **{"Last-Event-ID": "11"})
    assert harness.feeds[-1][0] == 12
    assert frames(response.text)[0].endswith("id: 11\nretry: 2500")
    assert [e["id"] for e in events(response.text)] == ["12", "13"]


async def test_a_position_the_stream_no_longer_holds_says_reset(harness):
    harness.state = StreamState(first_seq=30, last_seq=40)
    response = await harness.stream(harness.token(), **{"Last-Event-ID": "12"})
    assert harness.feeds[-1][0] == 30
    first = events(response.text)[0]
    assert first["event"] == "reset" and "read your data again" in first["data"]["reason"]


async def test_silence_is_filled_with_heartbeats_and_hidden_events_with_checkpoints(harness):
    harness.script = [created(10, str(uuid.uuid4()))]  # not visible
    body = (await harness.stream(harness.token())).text
    assert "\n: heartbeat\n" in f"\n{body}" or ": heartbeat" in frames(body)
    assert "id: 10" in frames(body)[1:]  # a checkpoint, not an event
    assert events(body) == []


async def test_a_stopping_gateway_ends_open_streams_at_once(harness):
    harness.script = [created(10, str(uuid.uuid4()))]  # not visible

    async def stop_once_the_event_is_decided():
        # Waiting on the access check, not a fixed sleep: on a loaded machine the stream may not have read
        # event 10 yet after 0.1 s, and then its last position is rightly 9.
        while not harness.access.calls:
            await asyncio.sleep(0.01)
        _RT.stopping.set()

    stopper = asyncio.create_task(stop_once_the_event_is_decided())
    started = time.monotonic()
    try:
        response = await harness.stream(harness.token(ttl_s=60))
    finally:
        await stopper
        _RT.stopping.clear()
    assert time.monotonic() - started < 10.0  # not the token's minute: the HTTP server could not shut down
    assert frames(response.text)[-1] == "id: 10"  # the position the client resumes from elsewhere
    assert harness.feeds[-1][1].closed


async def test_a_malformed_last_event_id_is_422_naming_the_header(harness):
    response = await harness.stream(harness.token(), **{"Last-Event-ID": "x"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "Last-Event-ID"


async def test_without_a_token_there_is_no_stream(harness):
    response = await harness.client.get("/api/v1/changes")
    assert response.status_code == 401 and harness.feeds == []


async def test_contacts_down_ends_the_stream_before_the_undecided_event(harness):
    visible, undecided = str(uuid.uuid4()), str(uuid.uuid4())
    harness.access.visible = {visible}
    harness.script = [created(10, visible), created(11, undecided)]

    class FlakyAccess(FakeAccess):
        async def CheckAccess(self, request, metadata=()):  # noqa: N802
            self.down = request.resource.id == undecided
            return await super().CheckAccess(request, metadata)

    flaky = FlakyAccess(visible={visible})
    _RT.extras["upstreams"] = type("Upstreams", (), {"access": flaky})()
    response = await harness.stream(harness.token())
    assert [e["id"] for e in events(response.text)] == ["10"]
    assert frames(response.text)[-1].endswith("id: 10")  # the client resumes at 11, which was never decided
    assert harness.feeds[-1][1].closed


async def test_streams_per_user_are_limited_and_their_slots_come_back(harness):
    user = str(uuid.uuid4())
    slots = StreamSlots(harness.redis, Settings.changes_max_streams_per_user)
    held = [await slots.acquire(f"{TENANT}:{user}") for _ in range(Settings.changes_max_streams_per_user)]

    refused = await harness.stream(harness.token(user))
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"].endswith("/too_many_streams") and int(refused.headers["Retry-After"]) > 0
    assert harness.feeds == []

    await held[0].release()
    assert (await harness.stream(harness.token(user))).status_code == 200
    # The finished stream gave its slot back: one held here, none by the gateway.
    assert await harness.redis.zcard(f"kontor:gateway:change-streams:{TENANT}:{user}") == 1
    assert (await harness.stream(harness.token(str(uuid.uuid4())))).status_code == 200  # others are not counted


async def test_a_slot_of_a_vanished_replica_lapses(redis):
    clock = [1000.0]
    slots = StreamSlots(redis, 1, clock=lambda: clock[0])
    await slots.acquire("t:u")
    with pytest.raises(LimitExceeded):
        await slots.acquire("t:u")
    clock[0] += 61  # never renewed
    await slots.acquire("t:u")


async def test_visibility_cache_expires():
    clock = [0.0]
    access = FakeAccess(visible={"a"})
    visibility = Visibility(access, "tok", ttl_s=5, clock=lambda: clock[0])
    change = Change(event_type="kontor.contacts.company.updated", record_type="company", record_id="a",
                    verb="updated", version=2, time=None)
    assert await visibility.may_see(change) and await visibility.may_see(change)
    assert len(access.calls) == 1
    access.visible = set()
    clock[0] = 6
    assert not await visibility.may_see(change)
    assert len(access.calls) == 2
