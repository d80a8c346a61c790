"""Scheduled rounds as their mailbox's owner: delegated tokens from a stand-in gateway TokenService, attendees
resolved by a stand-in contacts that answers only the owner's token (both real gRPC servers), the Graph
emulator and PostgreSQL real."""

from __future__ import annotations

import base64
import logging
import os
import uuid
from datetime import UTC, datetime, timedelta

import grpc
import pytest
import sqlalchemy as sa

from kontor.platform import grpc_client
from kontor.platform.delegation import DelegatedTokens, TokenCache
from kontor.platform.secrets_box import SecretBox
from kontor.protos.contacts.v1 import data_pb2, data_pb2_grpc, identity_pb2, identity_pb2_grpc, persons_pb2
from kontor.protos.contacts.v1 import persons_pb2_grpc
from kontor.protos.gateway.v1 import tokens_pb2, tokens_pb2_grpc

from kontor.calendar_sync.appointments.models import Appointment
from kontor.calendar_sync.connectors.models import ConnectorTenant
from kontor.calendar_sync.sync import scheduler, state
from kontor.calendar_sync.sync.as_owner import CLIENT, OwnerRounds

from .conftest import outlook_event, soon

SECRET = "s3cret-" + "x" * 40
PERSON = uuid.uuid4()
PERSON_ADDRESS = "erika.kundin@kunde.example"


def _bearer(context) -> str:
    return dict(context.invocation_metadata()).get("authorization", "")


class Gateway(tokens_pb2_grpc.TokenServiceServicer):
    """Issues 'token-of-<user>' to calendar-sync with SECRET; counts what it issued."""

    def __init__(self):
        self.issued: list[str] = []

    async def IssueDelegatedToken(self, request, context):
        expected = "Basic " + base64.b64encode(f"calendar-sync:{SECRET}".encode()).decode()
        if _bearer(context) != expected:
            await context.abort(grpc.StatusCode.UNAUTHENTICATED, "unknown service or wrong secret")
        self.issued.append(request.user_id)
        return tokens_pb2.DelegatedToken(access_token=f"token-of-{request.user_id}", expires_in=300,
                                         roles=["sales_rep"], actor="service:calendar-sync")


class Contacts(identity_pb2_grpc.UserServiceServicer, persons_pb2_grpc.ContactPersonServiceServicer,
               data_pb2_grpc.SearchServiceServicer):
    """Knows one contact person, and answers only a bearer of the owner's token."""

    def __init__(self):
        self.owner = ""
        self.callers: set[str] = set()

    async def _check(self, context):
        self.callers.add(_bearer(context))
        if _bearer(context) != f"Bearer token-of-{self.owner}":
            await context.abort(grpc.StatusCode.UNAUTHENTICATED, "missing credentials")

    async def ListUsers(self, request, context):
        await self._check(context)
        return identity_pb2.ListUsersResponse()

    async def Search(self, request, context):
        await self._check(context)
        hits = [data_pb2.SearchHit(type="person", id=str(PERSON))] if request.query == PERSON_ADDRESS else []
        return data_pb2.SearchResponse(hits=hits)

    async def GetContactPerson(self, request, context):
        await self._check(context)
        if request.id != str(PERSON):
            await context.abort(grpc.StatusCode.NOT_FOUND, "contact person not found")
        return persons_pb2.ContactPerson(id=str(PERSON), emails=[persons_pb2.EmailAddress(address=PERSON_ADDRESS)])


@pytest.fixture
async def servers():
    gateway, contacts = Gateway(), Contacts()
    server = grpc.aio.server()
    tokens_pb2_grpc.add_TokenServiceServicer_to_server(gateway, server)
    identity_pb2_grpc.add_UserServiceServicer_to_server(contacts, server)
    persons_pb2_grpc.add_ContactPersonServiceServicer_to_server(contacts, server)
    data_pb2_grpc.add_SearchServiceServicer_to_server(contacts, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    channel = grpc_client.channel(f"127.0.0.1:{port}", default_timeout_s=5)
    yield gateway, contacts, channel
    await channel.close()
    await server.stop(None)


@pytest.fixture
async def beat_sees(world):
    """The world's tenant in beat's list for this test only (other tests' beat ticks must not run it)."""
    async with world.db.unit_of_work(None) as session:
        await session.execute(sa.insert(ConnectorTenant).values(tenant_id=world.tenant_id))
    yield
    async with world.db.unit_of_work(None) as session:
        await session.execute(sa.delete(ConnectorTenant).where(ConnectorTenant.tenant_id == world.tenant_id))


async def _beat_round(world, owners) -> dict[str, int]:
    now = datetime.now(UTC)
    async with world.db.unit_of_work(world.tenant_id) as session:  # due now, not at its staggered slot
        (await state.mailbox_state(session, world.connector_id)).next_poll_at = now - timedelta(seconds=1)

    async def factory(server, box):
        return world.provider()

    return await scheduler.run_due(world.db, SecretBox([os.urandom(32)]), now=now,
                                   factory=factory, owners=owners)


async def _participants(world) -> list[dict]:
    async with world.db.unit_of_work(world.tenant_id) as session:
        [appointment] = (await session.scalars(sa.select(Appointment))).all()
    return appointment.participants


async def test_a_scheduled_round_places_a_contact_person_as_the_mailbox_owner(world, servers, beat_sees):
    gateway, contacts, channel = servers
    contacts.owner = str(world.user_id)
    world.outlook_create(outlook_event("Angebot", soon(2), attendees=[
        {"emailAddress": {"address": PERSON_ADDRESS}, "type": "required"}]))
    owners = OwnerRounds(world.db, DelegatedTokens(channel, client=CLIENT, secret=SECRET, cache=TokenCache()), channel)
    assert await _beat_round(world, owners) == {"ok": 1}
    assert {"kind": "contact_person", "id": str(PERSON)}.items() <= next(
        p for p in await _participants(world) if p["kind"] == "contact_person").items()
    assert gateway.issued == [str(world.user_id)]
    assert contacts.callers == {f"Bearer token-of-{world.user_id}"}  # every contacts call as the owner


async def test_without_a_token_the_round_runs_on_connector_mailboxes_and_warns(world, servers, beat_sees,
                                                                             caplog):
    _, contacts, channel = servers
    contacts.owner = str(world.user_id)
    world.outlook_create(outlook_event("Angebot", soon(2), attendees=[
        {"emailAddress": {"address": PERSON_ADDRESS}, "type": "required"}]))
    owners = OwnerRounds(world.db, DelegatedTokens(channel, client=CLIENT, secret="wrong", cache=TokenCache()), channel)
    with caplog.at_level(logging.WARNING, logger="kontor.calendar_sync.sync.as_owner"):
        assert await _beat_round(world, owners) == {"ok": 1}
    assert [p for p in await _participants(world) if p["kind"] == "contact_person"] == []
    assert contacts.callers == set()
    assert any("no token for the mailbox owner" in r.getMessage() and r.error == "Unauthenticated"
               for r in caplog.records)
