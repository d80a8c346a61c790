"""Connector configuration over the gateway (REST) on the real stack: branch servers with write-only,
encrypted credentials, manager-only changes, tenant isolation, personal settings with If-Match, and the
per-server resource import."""

from __future__ import annotations

import asyncio
import uuid

from kontor.platform.db import Database

from tests.integration.helpers import scalar
from kontor.protos.contacts.v1 import identity_pb2, identity_pb2_grpc

from tests.integration.test_companies_api import Api, _fields, _problem
from tests.integration.test_followups_dashboard import PASSWORD, _rpc

SECRET = f"kontor-test-secret-{uuid.uuid4().hex}"
NEW_SECRET = f"kontor-rotated-secret-{uuid.uuid4().hex}"
AZURE_TENANT = "3f2b8c1e-0000-4000-8000-00000000aaaa"
CLIENT = "3f2b8c1e-0000-4000-8000-00000000bbbb"


ROLES = {"org_manager": identity_pb2.ROLE_ORG_MANAGER, "sales_rep": identity_pb2.ROLE_SALES_REP,
         "sales_manager": identity_pb2.ROLE_SALES_MANAGER, "customer_service": identity_pb2.ROLE_CUSTOMER_SERVICE,
         "technician": identity_pb2.ROLE_TECHNICIAN}


def _as(stack, tenant: uuid.UUID, role: str, email: str | None = None) -> Api:
    """The gateway as a real CRM user of ``tenant`` (contacts' directory): connector settings belong to user ids,
    and a personal connector's mailbox must be its user's address (``api.email``; ``email`` picks it)."""
    api = Api(stack, tenant, roles=(role,))
    if role in ROLES:
        setup = stack.token(tenant, subject="connector-tests", roles=("org_manager",))
        user = _rpc(stack, setup, identity_pb2_grpc.UserServiceStub, "CreateUser", identity_pb2.CreateUserRequest(
            email=email or f"{role.replace('_', '-')}-{uuid.uuid4().hex[:8]}@example.com", display_name=role,
            role=ROLES[role], password=PASSWORD, time_zone="Europe/Vienna", locale="de"))
        api.user_id, api.email = user.id, user.email
    else:  # e.g. a portal client: no employee account, refused before any mailbox is looked at
        api.user_id, api.email = str(uuid.uuid4()), ""
    api.token = stack.token(tenant, subject=api.user_id, roles=(role,))
    api.client.headers["Authorization"] = f"Bearer {api.token}"
    return api


def _server(api: Api, name: str | None = None, **fields) -> dict:
    created = api.post("/groupware-servers", json={
        "provider": "graph", "name": name or f"Filiale {uuid.uuid4().hex[:6]}", "branch": "Wien",
        "azure_tenant_id": AZURE_TENANT, "client_id": CLIENT,
        "authority_url": "https://127.0.0.1:1", "base_url": "https://127.0.0.1:1/v1.0",
        "credentials": {"client_secret": SECRET}, **fields})
    assert created.status_code == 201, created.text
    return created.json()


def test_a_server_keeps_its_secret_encrypted_and_never_shows_it(stack):
    boss = _as(stack, uuid.uuid4(), "org_manager")
    answers = []
    created = boss.post("/groupware-servers", json={
        "provider": "graph", "name": "Zentrale", "branch": "Wien", "azure_tenant_id": AZURE_TENANT,
        "client_id": CLIENT, "credentials": {"client_secret": SECRET}})
    answers.append(created)
    assert created.status_code == 201, created.text
    server = created.json()
    assert created.headers["ETag"] == '"1"'
    assert created.headers["Location"] == f"/api/v1/groupware-servers/{server['id']}"
    assert server["has_secret"] is True and server["credential_kind"] == "client_secret"
    assert server["secret_set_at"] and server["secret_rotated_at"] is None and server["certificate_thumbprint"] == ""
    path = f"/groupware-servers/{server['id']}"
    answers += [boss.get(path), boss.get("/groupware-servers")]
    assert answers[-1].json()["items"] == [answers[-2].json()]

    # A duplicate name is refused; a malformed secret's 422 does not repeat what was sent.
    answers.append(boss.post("/groupware-servers", json={"provider": "graph", "name": "zentrale",
                                                         "azure_tenant_id": AZURE_TENANT, "client_id": CLIENT,
                                                         "credentials": {"client_secret": SECRET}}))
    _problem(answers[-1], 409)
    answers.append(boss.post("/groupware-servers", json={"provider": "graph", "name": "Neu",
                                                         "azure_tenant_id": AZURE_TENANT, "client_id": CLIENT,
                                                         "credentials": {"client_secret": SECRET,
                                                                         "certificate_pem": SECRET}}))
    assert "credentials" in _fields(_problem(answers[-1], 422))[0]

    # Rotation: If-Match of the server; the answer says when, never what.
    answers.append(boss.put(path + "/credentials", json={"client_secret": NEW_SECRET}))
    _problem(answers[-1], 428)
    rotated = boss.put(path + "/credentials", json={"client_secret": NEW_SECRET}, headers={"If-Match": '"1"'})
    answers.append(rotated)
    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["secret_rotated_at"] and rotated.json()["version"] == 2
    renamed = boss.patch(path, json={"branch": "Wien-Mitte", "authority_url": "https://127.0.0.1:1"},
                         headers={"If-Match": '"2"'})
    answers.append(renamed)
    assert renamed.json()["branch"] == "Wien-Mitte" and renamed.json()["version"] == 3
    answers.append(boss.patch(path, json={"branch": "x"}, headers={"If-Match": '"2"'}))
    _problem(answers[-1], 412)
    tested = boss.post(path + "/test")  # nothing listens at the authority: a clean "unreachable"
    answers.append(tested)
    assert tested.status_code == 200 and tested.json()["ok"] is False

    for answer in answers:
        assert SECRET not in answer.text and NEW_SECRET not in answer.text
    # At rest: ciphertext in its own table, bound to the row; nothing in events or any log.
    url = stack.database_url("calendar-sync")
    sealed = asyncio.run(scalar(url, "SELECT encode(sealed, 'hex') FROM groupware_server_credentials "
                                     "WHERE server_id = :id", id=uuid.UUID(server["id"])))
    assert sealed is None  # row-level security: the service role in no tenant sees no row
    sealed = asyncio.run(_in_tenant(url, boss.tenant, "SELECT sealed FROM groupware_server_credentials "
                                                      "WHERE server_id = :id", id=uuid.UUID(server["id"])))
    assert sealed and SECRET.encode() not in sealed and NEW_SECRET.encode() not in sealed and sealed[0] == 1
    outbox = asyncio.run(scalar(url, "SELECT string_agg(payload::text, ' ') FROM outbox"))
    assert "calendar.groupware_server.registered" in outbox
    for text in (outbox, stack.log("calendar-sync"), stack.log("gateway")):
        assert SECRET not in text and NEW_SECRET not in text


async def _in_tenant(url: str, tenant: uuid.UUID, sql: str, **params):
    import sqlalchemy as sa  # noqa: PLC0415

    db = Database(url, pool_size=1)
    try:
        async with db.unit_of_work(tenant) as session:
            return (await session.execute(sa.text(sql), params)).scalar()
    finally:
        await db.dispose()


def test_only_managers_change_servers_and_other_tenants_see_none(stack):
    tenant = uuid.uuid4()
    boss = _as(stack, tenant, "org_manager")
    rep = _as(stack, tenant, "sales_rep")
    server = _server(boss)
    path = f"/groupware-servers/{server['id']}"
    _problem(rep.post("/groupware-servers", json={"provider": "domino", "name": "Linz"}), 403)
    _problem(rep.patch(path, json={"branch": "x"}, headers={"If-Match": '"1"'}), 403)
    _problem(rep.put(path + "/credentials", json={"client_secret": "x"}, headers={"If-Match": '"1"'}), 403)
    _problem(rep.delete(path, headers={"If-Match": '"1"'}), 403)
    _problem(rep.post(path + "/test"), 403)
    assert rep.get(path).json()["id"] == server["id"]  # employees pick servers for their connectors
    portal = _as(stack, tenant, "portal_client")
    _problem(portal.get("/groupware-servers"), 403)

    stranger = _as(stack, uuid.uuid4(), "org_manager")
    assert stranger.get("/groupware-servers").json()["items"] == []
    _problem(stranger.get(path), 404)
    _problem(stranger.patch(path, json={"branch": "x"}, headers={"If-Match": '"1"'}), 404)
    _problem(stranger.put(path + "/credentials", json={"client_secret": "x"}, headers={"If-Match": '"1"'}), 404)
    _problem(stranger.delete(path, headers={"If-Match": '"1"'}), 404)
    _problem(stranger.post("/me/connectors", json={"server_id": server["id"], "mailbox": "a@example.com"}), 404)
    assert boss.get(path).json()["version"] == 1


def test_personal_settings_with_if_match(stack):
    tenant = uuid.uuid4()
    boss = _as(stack, tenant, "org_manager")
    anna = _as(stack, tenant, "sales_rep")
    ben = _as(stack, tenant, "sales_rep")
    server = _server(boss)
    # A personal connector syncs its user's own mailbox only: the address of their CRM account (any case).
    problem = _problem(anna.post("/me/connectors", json={"server_id": server["id"], "mailbox": ben.email}), 422)
    assert _fields(problem) == ["mailbox"]
    problem = _problem(boss.post(f"/users/{anna.user_id}/connectors",
                                 json={"server_id": server["id"], "mailbox": boss.email}), 422)
    assert _fields(problem) == ["mailbox"]
    created = anna.post("/me/connectors", json={"server_id": server["id"], "mailbox": anna.email.upper()})
    assert created.status_code == 201, created.text
    mine = created.json()
    assert created.headers["ETag"] == '"1"'
    assert mine["user_id"] == anna.user_id and mine["kind"] == "personal"
    assert (mine["direction"], mine["window_past_days"], mine["window_future_days"]) == ("both", 7, 90)
    assert (mine["conflict_policy"], mine["deletion_policy"], mine["skip_statuses"]) == (
        "newest_wins", "delete_other_side", ["completed"])
    path = f"/connectors/{mine['id']}"

    # The same mailbox once per server (any case), one personal connector per user and server.
    _problem(boss.post("/me/connectors", json={"server_id": server["id"], "mailbox": anna.email,
                                               "kind": "other_calendar", "display_name": "Anna"}), 409)
    _problem(anna.post("/me/connectors", json={"server_id": server["id"], "mailbox": "anna2@example.com"}), 409)

    hours = {"time_zone": "Europe/Vienna", "mon": [{"start": "08:00", "end": "17:00"}],
             "fri": [{"start": "22:00", "end": "06:00"}]}
    change = {"window_future_days": 30, "working_hours": hours, "conflict_policy": "crm_wins",
              "category_mappings": [{"crm_category": "Besuch", "groupware_category": "Grün"}]}
    _problem(anna.patch(path, json=change), 428)
    _problem(anna.patch(path, json=change, headers={"If-Match": '"7"'}), 412)
    updated = anna.patch(path, json=change, headers={"If-Match": '"1"'})
    assert updated.status_code == 200, updated.text
    body = updated.json()
    assert updated.headers["ETag"] == '"2"' and body["version"] == 2
    assert body["working_hours"]["fri"] == [{"start": "22:00", "end": "06:00"}] and body["working_hours"]["tue"] == []
    assert body["window_future_days"] == 30 and body["window_past_days"] == 7 and body["conflict_policy"] == "crm_wins"
    same = anna.patch(path, json={"window_future_days": 30}, headers={"If-Match": '"2"'})
    assert same.json()["version"] == 2  # nothing changed: same version
    cleared = anna.patch(path, json={"working_hours": None}, headers={"If-Match": '"2"'})
    assert cleared.json()["working_hours"] is None and cleared.json()["version"] == 3

    problem = _problem(anna.patch(path, json={"mailbox": ben.email}, headers={"If-Match": '"3"'}), 422)
    assert _fields(problem) == ["mailbox"]  # not even by changing it later
    problem = _problem(anna.patch(path, json={"window_past_days": 400}, headers={"If-Match": '"3"'}), 422)
    assert "window_past_days" in _fields(problem)
    problem = _problem(anna.patch(path, json={"working_hours": {"time_zone": "Mars/Base"}},
                                  headers={"If-Match": '"3"'}), 422)
    assert "working_hours.time_zone" in _fields(problem)

    # Ben cannot see Anna's; the manager can, and lists hers.
    _problem(ben.get(path), 404)
    _problem(ben.patch(path, json={"enabled": False}, headers={"If-Match": '"3"'}), 404)
    _problem(ben.get(f"/users/{anna.user_id}/connectors"), 403)
    assert boss.get(path).json()["id"] == mine["id"]
    assert [c["id"] for c in boss.get(f"/users/{anna.user_id}/connectors").json()["items"]] == [mine["id"]]
    assert [c["id"] for c in anna.get("/me/connectors").json()["items"]] == [mine["id"]]
    off = boss.patch(path, json={"enabled": False}, headers={"If-Match": '"3"'})
    assert off.json()["enabled"] is False and off.json()["version"] == 4

    # Other calendars: managers register them and own them.
    other = {"server_id": server["id"], "mailbox": "werkstatt@example.com", "kind": "other_calendar",
             "display_name": "Werkstatt"}
    _problem(ben.post("/me/connectors", json=other), 403)
    registered = boss.post("/me/connectors", json=other)
    assert registered.status_code == 201, registered.text
    assert registered.json()["user_id"] == boss.user_id and registered.json()["kind"] == "other_calendar"
    for_ben = boss.post(f"/users/{ben.user_id}/connectors", json={"server_id": server["id"],
                                                                  "mailbox": ben.email})
    assert for_ben.status_code == 201 and for_ben.json()["user_id"] == ben.user_id
    _problem(ben.post(f"/users/{anna.user_id}/connectors", json={"server_id": server["id"],
                                                                 "mailbox": "x@example.com"}), 403)

    _problem(anna.delete(path), 428)
    assert anna.delete(path, headers={"If-Match": '"4"'}).status_code == 204
    _problem(anna.get(path), 404)


def test_removing_a_server_forgets_its_credential_and_disables_its_mailboxes(stack):
    tenant = uuid.uuid4()
    boss = _as(stack, tenant, "org_manager")
    server = _server(boss)
    connector = boss.post("/me/connectors", json={"server_id": server["id"], "mailbox": boss.email}).json()
    assert boss.delete(f"/groupware-servers/{server['id']}", headers={"If-Match": '"1"'}).status_code == 204
    _problem(boss.get(f"/groupware-servers/{server['id']}"), 404)
    assert boss.get(f"/connectors/{connector['id']}").json()["enabled"] is False
    left = asyncio.run(_in_tenant(stack.database_url("calendar-sync"), tenant,
                                  "SELECT count(*) FROM groupware_server_credentials WHERE server_id = :id",
                                  id=uuid.UUID(server["id"])))
    assert left == 0


def test_resource_import_upserts_per_server(stack):
    from kontor.calendar_sync.connectors.resources import DirectoryResource, import_resources  # noqa: PLC0415

    tenant = uuid.uuid4()
    boss = _as(stack, tenant, "org_manager")
    vienna, linz = _server(boss, "Wien"), _server(boss, "Linz")
    url = stack.database_url("calendar-sync")
    room = DirectoryResource(external_id="room-1", name="Donau", kind="room", email="donau@example.com", capacity=8)
    beamer = DirectoryResource(external_id="", name="Beamer", kind="equipment", email="Beamer@example.com")

    async def run(server_id: str, listed, **kwargs):
        db = Database(url, pool_size=1)
        try:
            async with db.unit_of_work(tenant) as session:
                return await import_resources(session, uuid.UUID(server_id), listed, **kwargs)
        finally:
            await db.dispose()

    async def rows():
        import sqlalchemy as sa  # noqa: PLC0415

        db = Database(url, pool_size=1)
        try:
            async with db.unit_of_work(tenant) as session:
                result = await session.execute(sa.text(
                    "SELECT server_id, external_id, name, deleted_at IS NULL FROM resources ORDER BY name, server_id"))
                return {(str(r[0]), r[1]): (r[2], r[3]) for r in result}
        finally:
            await db.dispose()

    first = asyncio.run(run(vienna["id"], [room, beamer]))
    assert (first.created, first.updated, first.deactivated) == (2, 0, 0)
    asyncio.run(run(linz["id"], [room]))  # the same external id on another server is another resource
    assert asyncio.run(rows()) == {
        (vienna["id"], "room-1"): ("Donau", True), (vienna["id"], "beamer@example.com"): ("Beamer", True),
        (linz["id"], "room-1"): ("Donau", True)}

    again = asyncio.run(run(vienna["id"], [DirectoryResource("room-1", "Donau (groß)", "room", capacity=12)]))
    assert (again.created, again.updated, again.deactivated) == (0, 1, 1)
    assert asyncio.run(rows()) == {
        (vienna["id"], "room-1"): ("Donau (groß)", True), (vienna["id"], "beamer@example.com"): ("Beamer", False),
        (linz["id"], "room-1"): ("Donau", True)}
    suspect = asyncio.run(run(vienna["id"], []))  # an empty directory wipes nothing
    assert suspect.suspect_empty and asyncio.run(rows())[(vienna["id"], "room-1")] == ("Donau (groß)", True)
    back = asyncio.run(run(vienna["id"], [room, beamer]))
    assert (back.created, back.updated, back.deactivated) == (0, 2, 0)
    assert all(live for _, live in asyncio.run(rows()).values())
    assert boss.get(f"/groupware-servers/{vienna['id']}").json()["resources_refreshed_at"]

    # Another tenant's import cannot reach this tenant's server.
    other = uuid.uuid4()

    async def foreign():
        db = Database(url, pool_size=1)
        try:
            async with db.unit_of_work(other) as session:
                return await import_resources(session, uuid.UUID(vienna["id"]), [room])
        finally:
            await db.dispose()

    try:
        asyncio.run(foreign())
    except LookupError:
        pass
    else:
        raise AssertionError("another tenant imported into this tenant's server")
    domino = _server(boss, provider="domino", azure_tenant_id="", client_id="", credentials=None)
    _problem(boss.post(f"/groupware-servers/{domino['id']}/resources/refresh"), 422)


def test_reseal_moves_credentials_to_the_newest_key(stack):
    from kontor.calendar_sync.connectors.cli import reseal_all  # noqa: PLC0415
    from kontor.platform.secrets_box import SecretBox, generate_key, parse_keys  # noqa: PLC0415

    tenant = uuid.uuid4()
    boss = _as(stack, tenant, "org_manager")
    server = _server(boss)
    url = stack.database_url("calendar-sync")
    running = stack.launcher.env(stack.topology.service("calendar-sync"))["KONTOR_CALENDAR_SYNC_SECRET_KEYS"]
    new_key = generate_key()
    rotated = SecretBox(parse_keys(f"{new_key},{running}"))
    query = "SELECT sealed FROM groupware_server_credentials WHERE server_id = :id"
    before = asyncio.run(_in_tenant(url, tenant, query, id=uuid.UUID(server["id"])))
    assert rotated.needs_rotation(before)

    async def reseal():
        db = Database(url, pool_size=1)
        try:
            return await reseal_all(db, rotated, tenant_ids=[tenant])  # this tenant only: the service keeps its key
        finally:
            await db.dispose()

    assert asyncio.run(reseal()) == {"resealed": 1, "current": 0, "unreadable": []}
    after = asyncio.run(_in_tenant(url, tenant, query, id=uuid.UUID(server["id"])))
    assert after != before and not rotated.needs_rotation(after)
    only_new = SecretBox(parse_keys(new_key))
    opened = only_new.open(after, tenant_id=tenant, record_id=uuid.UUID(server["id"]),
                           purpose="groupware_server_credentials.client_secret")
    assert opened == SECRET.encode()
    assert asyncio.run(reseal()) == {"resealed": 0, "current": 1, "unreadable": []}
