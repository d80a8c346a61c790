"""Background identity on the real stack: the gateway's TokenService issues a short-lived token of a tenant user
to calendar-sync (authenticated by the client secret `kontor-dev up` made for it), contacts accepts that token
with the user's rights, and a calendar-sync round run by the Celery worker (no caller token) places a contact
person attendee through contacts as the mailbox's owner."""

from __future__ import annotations

import uuid

import grpc
import jwt
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from kontor.platform.service_credentials import authorization
from kontor.protos.contacts.v1 import identity_pb2, identity_pb2_grpc
from kontor.protos.gateway.v1 import tokens_pb2, tokens_pb2_grpc

from tests.integration.sync_world import SyncWorld, berlin, next_weekday
from tests.integration.test_connectors_api import _as


def _service_secret(stack) -> str:
    """calendar-sync's SERVICE_SECRET, as the devstack hands it to the service."""
    return stack.launcher.env(stack.topology.service("calendar-sync"))["KONTOR_CALENDAR_SYNC_SERVICE_SECRET"]


def _issue(stack, tenant, user_id, credential: str | None) -> tokens_pb2.DelegatedToken:
    with grpc.insecure_channel(stack.grpc("gateway")) as channel:
        metadata = (("authorization", credential),) if credential else ()
        return tokens_pb2_grpc.TokenServiceStub(channel).IssueDelegatedToken(
            tokens_pb2.IssueDelegatedTokenRequest(tenant_id=str(tenant), user_id=str(user_id)),
            metadata=metadata, timeout=30)


def _refused(stack, tenant, user_id, credential) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        _issue(stack, tenant, user_id, credential)
    return caught.value


def test_the_gateway_issues_calendar_sync_a_delegated_token_that_contacts_accepts(stack):
    tenant = uuid.uuid4()
    owner = _as(stack, tenant, "sales_rep")
    credential = authorization("calendar-sync", _service_secret(stack))

    issued = _issue(stack, tenant, owner.user_id, credential)
    claims = jwt.decode(issued.access_token, options={"verify_signature": False})
    assert (claims["sub"], claims["tid"], claims["roles"], claims["act"]) == (
        owner.user_id, str(tenant), ["sales_rep"], {"sub": "service:calendar-sync"})
    assert issued.actor == "service:calendar-sync" and 0 < issued.expires_in <= 900
    assert claims["exp"] - claims["iat"] == issued.expires_in

    # contacts verifies it like any token of the user: the user reads their own account, nothing more.
    with grpc.insecure_channel(stack.grpc("contacts")) as channel:
        users = identity_pb2_grpc.UserServiceStub(channel)
        bearer = (("authorization", f"Bearer {issued.access_token}"),)
        assert users.GetUser(identity_pb2.GetUserRequest(id=owner.user_id), metadata=bearer, timeout=30).id == \
            owner.user_id
        with pytest.raises(grpc.RpcError) as caught:
            users.CreateUser(identity_pb2.CreateUserRequest(email="x@example.com", display_name="x",
                                                            role=identity_pb2.ROLE_ORG_MANAGER, password="p" * 12),
                             metadata=bearer, timeout=30)
        assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED


def test_wrong_secrets_other_tenants_and_unknown_users_are_refused(stack):
    tenant = uuid.uuid4()
    owner = _as(stack, tenant, "sales_rep")
    secret = _service_secret(stack)
    credential = authorization("calendar-sync", secret)

    for bad in (authorization("calendar-sync", "not-" + secret), authorization("billing", secret), None,
                f"Bearer {owner.token}"):
        assert _refused(stack, tenant, owner.user_id, bad).code() == grpc.StatusCode.UNAUTHENTICATED
    assert _refused(stack, uuid.uuid4(), owner.user_id, credential).code() == grpc.StatusCode.NOT_FOUND
    assert _refused(stack, tenant, uuid.uuid4(), credential).code() == grpc.StatusCode.NOT_FOUND
    invalid = _refused(stack, "t42", owner.user_id, credential)
    assert invalid.code() == grpc.StatusCode.INVALID_ARGUMENT
    [detail] = rpc_status.from_call(invalid).details
    bad_request = error_details_pb2.BadRequest()
    assert detail.Unpack(bad_request) and bad_request.field_violations[0].field == "tenant_id"


def test_a_background_round_places_a_contact_person_attendee_as_the_mailbox_owner(stack, graph_emulator,
                                                                                  calendar_sync_worker):
    world = SyncWorld.create(stack, graph_emulator)
    company = world.api.company()
    address = f"erika.{uuid.uuid4().hex[:6]}@kunde.example"
    person = world._ok(world.api.post(f"/companies/{company['id']}/persons", json={
        "first_name": "Erika", "last_name": "Kundin", "emails": [{"address": address, "label": "work"}]}), 201)
    day = next_weekday(2)
    world.outlook_create("Angebot besprechen", berlin(day, 10), berlin(day, 11), attendees=[
        {"emailAddress": {"address": address, "name": "Erika Kundin"}, "type": "required"},
        {"emailAddress": {"address": "gast@extern.example"}, "type": "optional"}])

    health = world.sync()  # "sync now": the Celery worker runs the round, with no caller token
    assert health["state"] == "idle" and health["last_error"] == "", health
    appointment = world.crm_find("Angebot besprechen")
    assert {(p["kind"], p["id"]) for p in appointment["participants"]} >= {("contact_person", person["id"])}
    assert "gast@extern.example" not in str(appointment["participants"])  # external guests stay in Outlook
    assert "background identity not configured" not in stack.log("calendar-sync-worker")
    assert "delegated token issued" in stack.log("gateway")  # the round asked as its owner
