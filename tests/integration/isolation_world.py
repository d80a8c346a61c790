"""Helpers of the isolation suite (test_isolation.py): two real tenants, one populated world, and the generic
machinery that turns every REST operation and every gRPC method into a call filled with the other tenant's ids.

Nothing here knows a single endpoint by heart except the maps below; an id-like parameter or field the maps
cannot resolve is an error (``Unmapped``), so a new endpoint is either covered or fails the suite with a message
that says which map to extend.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import grpc
import httpx
from google.protobuf import descriptor_pool, json_format, message_factory
from google.protobuf.descriptor import FieldDescriptor, MethodDescriptor, ServiceDescriptor
from google.protobuf.timestamp_pb2 import Timestamp

import kontor.protos.calendar.v1 as calendar_protos
import kontor.protos.contacts.v1 as contacts_protos
from kontor.protos.contacts.v1 import identity_pb2

NO_TENANT = uuid.UUID(int=0)
PASSWORD = "correct horse battery staple"


class Unmapped(AssertionError):
    """A parameter or field that looks like an id but no map says which of tenant A's records it names."""


# ---------------------------------------------------------------------------------------------------------------
# The maps. Kinds name tenant A's objects (World.ids). USER_KINDS are user ids: opaque references that contacts
# does not resolve (assignments, substitutions and hand-overs accept any UUID), so echoing one back is no leak.
# ---------------------------------------------------------------------------------------------------------------

# Path/query parameter or message field name -> kind of A's object it names.
NAME_KINDS: dict[str, str] = {
    "company_id": "company", "person_id": "person", "contact_person_id": "person", "comment_id": "comment",
    "pool_id": "pool", "group_id": "group", "team_id": "team", "team_ids": "team", "rule_id": "rule",
    "substitution_id": "substitution", "import_id": "import", "follow_up_id": "follow_up",
    "followup_id": "follow_up", "user_id": "user", "assignee_id": "user", "from_user_id": "user",
    "to_user_id": "user_tech", "absent_user_id": "user", "substitute_user_id": "user_tech",
    "server_id": "groupware_server", "connector_id": "connector",
    "appointment_id": "appointment", "resource_id": "resource", "attachment_id": "attachment",
    "owner_id": "user", "user_ids": "user", "resource_ids": "resource",
    # mail-import (gRPC field names; REST paths carry keys instead, see PATH_KINDS)
    "account_id": "mail_account", "mail_id": "mail", "mail_ids": "mail", "reply_to_mail_id": "mail",
    "owner_user_id": "user", "folder_id": "mail_folder", "target_folder_id": "mail_folder",
}
# (path prefix, parameter) -> kind, before NAME_KINDS: /api/v1/mail names folders and messages by base64url keys
# (the gateway's mail_api/keys.py), and its rule_id is a filter rule, not an assignment rule.
PATH_KINDS: dict[tuple[str, str], str] = {
    ("/api/v1/mail/", "rule_id"): "mail_rule", ("/api/v1/mail/", "folder_id"): "mail_folder_key",
    ("/api/v1/mail/", "ref"): "mail_ref_key",
}
# Kinds that locate something but are no secret of A ("1", a message's UID): never counted as a leak.
NON_SECRET_KINDS = frozenset({"mail_ref", "mail_ref_key"})
# Fields that name one of A's objects without looking like an id (a message's ref in its folder).
FIELD_KINDS: dict[str, str] = {"ref": "mail_ref", "refs": "mail_ref"}
# Id fields that name something outside Kontor (an Azure directory, an app registration): any UUID will do.
EXTERNAL_ID_FIELDS = frozenset({"azure_tenant_id", "client_id"})
# Generic names ("id", "record_id") are resolved by the collection segment in front of them (REST) ...
COLLECTION_KINDS: dict[str, str] = {
    "companies": "company", "persons": "person", "comments": "comment", "pools": "pool", "groups": "group",
    "teams": "team", "users": "user", "assignment-rules": "rule", "substitutions": "substitution",
    "imports": "import", "follow-ups": "follow_up", "followups": "follow_up",
    # /api/v1/mail/records/{record_type}/{record_id}: LITERALS makes record_type "company"
    "{record_type}": "company",
}
# ... or by the gRPC service that owns the method.
SERVICE_ID_KINDS: dict[str, str] = {
    "CompanyService": "company", "ContactPersonService": "person", "CommentService": "comment",
    "PoolService": "pool", "GroupService": "group", "TeamService": "team", "UserService": "user",
    "AssignmentRuleService": "rule", "SubstitutionService": "substitution", "ImportService": "import",
    "FollowUpService": "follow_up",
    # mail-import
    "MailAccountService": "mail_account", "MailService": "mail", "FilterRuleService": "mail_rule",
    # calendar-sync
    "AppointmentService": "appointment", "ResourceService": "resource", "GroupwareServerService": "groupware_server",
    "ConnectorService": "connector",
}
# Query parameters that take an id without saying of what (GET /access/check?type=company&id=...).
QUERY_KINDS: dict[str, str] = {"id": "company", "record_id": "company"}
# Non-id parameters and fields with the value a well-formed call needs.
LITERALS: dict[str, object] = {
    "role": "account_manager", "action": "read", "type": "company", "record_type": "company",
    "types": "company", "expected_version": 1, "version": 1, "filename": "probe.txt",
    # A MIME part of A's filed mail (its attachment: part 1 is the text).
    "part_path": "2",
    # Calendar windows (GET /calendars/..., /freebusy): the month A's appointment lies in.
    "from": "2026-03-01T00:00:00Z", "to": "2026-04-01T00:00:00Z",
}
# Header parameters: the version A's records start at; a change stream replayed from its first position.
HEADER_VALUES: dict[str, str] = {"if-match": '"1"', "last-event-id": "1"}
USER_KINDS = frozenset({"user", "user_tech", "user_rightless", "admin"})


def rfc3339(delta: timedelta = timedelta()) -> str:
    return (datetime.now(UTC) + delta).isoformat()


@dataclass
class Tenant:
    id: uuid.UUID
    slug: str
    admin_id: str
    admin_email: str


@dataclass
class World:
    """Tenant A's objects by kind, and every string of A that must never reach tenant B."""

    a: Tenant
    b: Tenant
    marker: str
    # A's web domain; B sends it when creating a twin, so it is no secret (and carries no marker).
    twin_domain: str = field(default_factory=lambda: f"twin-{uuid.uuid4().hex[:8]}.example")
    ids: dict[str, str] = field(default_factory=dict)
    names: set[str] = field(default_factory=set)
    b_company: str = ""  # B's own company: B may file and link to it, so probes name one A object at a time
    b_mail_account: str = ""  # B's own mail account (isolation_mail.add_mail), likewise

    def secrets(self) -> dict[str, str]:
        """Every id and name of tenant A -> its kind ("name" for names)."""
        found = {value: kind for kind, value in self.ids.items() if kind not in NON_SECRET_KINDS}
        found.update({name: "name" for name in self.names | {self.marker, self.a.slug, self.a.admin_email}})
        found[str(self.a.id)] = "tenant"
        return found

    def kind(self, kind: str, where: str) -> str:
        if kind not in self.ids:
            raise Unmapped(f"{where} names a {kind!r}, but tenant A's world has none: create one in "
                           "isolation_world.build_world")
        return self.ids[kind]


def leaks(world: World, sent: str, answer: str, *, refused: bool = False) -> list[str]:
    """A's ids and names found in ``answer``.

    A string the caller sent itself may come back: in a refusal ("company <id> not found") anything, in a
    success names and user ids only. A success naming one of A's records that B sent means B's tenant now
    refers to A's record.
    """
    found = []
    for secret, kind in world.secrets().items():
        if secret.lower() not in answer.lower():
            continue
        if secret.lower() in sent.lower() and (refused or kind == "name" or kind in USER_KINDS):
            continue
        found.append(f"{kind} {secret}")
    return found


# ---------------------------------------------------------------------------------------------------------------
# REST
# ---------------------------------------------------------------------------------------------------------------


class Rest:
    """The gateway as one caller sees it."""

    def __init__(self, stack, tenant: uuid.UUID, subject: str, roles: tuple[str, ...]):
        self.base = stack.http("gateway")
        self.client = httpx.Client(base_url=self.base, timeout=20, headers={
            "Authorization": f"Bearer {stack.token(tenant, subject=subject, roles=roles)}"})

    def call(self, method: str, path: str, **kwargs) -> httpx.Response:
        return self.client.request(method, path if path.startswith("/") else f"/api/v1/{path}", **kwargs)

    def ok(self, method: str, path: str, **kwargs) -> dict:
        answer = self.call(method, path, **kwargs)
        assert answer.status_code < 300, f"{method} {path}: {answer.status_code} {answer.text}"
        return answer.json() if answer.content else {}


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    spec: dict

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    def param(self, location: str) -> list[dict]:
        return [p for p in self.spec.get("parameters", []) if p["in"] == location]

    @property
    def has_body(self) -> bool:
        return "requestBody" in self.spec

    @property
    def is_read(self) -> bool:
        return self.method == "GET"


def operations(document: dict) -> list[Operation]:
    return [Operation(method.upper(), path, spec) for path, item in document["paths"].items()
            for method, spec in item.items() if method in {"get", "post", "put", "patch", "delete"}]


def path_kind(op: Operation, name: str) -> str | None:
    for (prefix, param), kind in PATH_KINDS.items():
        if param == name and op.path.startswith(prefix):
            return kind
    if name in NAME_KINDS:
        return NAME_KINDS[name]
    segments = op.path.split("/")
    index = segments.index("{" + name + "}")
    return COLLECTION_KINDS.get(segments[index - 1])


@dataclass
class Request:
    method: str
    url: str
    kwargs: dict

    def sent(self) -> str:
        return " ".join([self.url, json.dumps(self.kwargs.get("params", {})), json.dumps(self.kwargs.get("json")),
                         str(self.kwargs.get("files", ""))])


def build_request(op: Operation, world: World, bodies: dict[str, Callable[[World], dict]]) -> Request:
    """The call of ``op`` naming tenant A's objects; Unmapped when a parameter or body is not registered."""
    url = op.path
    for param in op.param("path"):
        name = param["name"]
        if name in LITERALS:
            value = str(LITERALS[name])
        else:
            kind = path_kind(op, name)
            if kind is None:
                raise Unmapped(f"{op.key}: path parameter {{{name}}} names no known kind; add it to NAME_KINDS or "
                               "COLLECTION_KINDS in tests/integration/isolation_world.py")
            value = world.kind(kind, f"{op.key} {{{name}}}")
        url = url.replace("{" + name + "}", value)
    params = {}
    for param in op.param("query"):
        name = param["name"]
        kind = NAME_KINDS.get(name) or QUERY_KINDS.get(name)
        if kind is not None:
            params[name] = world.kind(kind, f"{op.key} ?{name}")
        elif name in LITERALS:
            params[name] = LITERALS[name]
        elif name in ("q", "query"):
            params[name] = world.marker
        elif param.get("required"):
            raise Unmapped(f"{op.key}: required query parameter {name!r} has no value; add it to LITERALS or "
                           "NAME_KINDS in tests/integration/isolation_world.py")
    kwargs: dict = {"params": params}
    headers = {p["name"]: HEADER_VALUES[p["name"].lower()] for p in op.param("header")
               if p["name"].lower() in HEADER_VALUES}
    if missing := [p["name"] for p in op.param("header") if p.get("required") and p["name"] not in headers]:
        raise Unmapped(f"{op.key}: required header(s) {missing} have no value; add them to HEADER_VALUES in "
                       "tests/integration/isolation_world.py")
    if headers:
        kwargs["headers"] = headers
    if op.has_body:
        if op.key not in bodies:
            raise Unmapped(f"{op.key} takes a body but BODIES in tests/integration/test_isolation.py has none; "
                           "register a minimal valid one that names tenant A's objects where it can")
        kwargs.update(bodies[op.key](world))
    return Request(op.method, url, kwargs)


# ---------------------------------------------------------------------------------------------------------------
# gRPC
# ---------------------------------------------------------------------------------------------------------------


def load_contacts_descriptors() -> None:
    """Import every generated module of kontor.contacts.v1 so the default pool knows all services."""
    for module in pkgutil.iter_modules(contacts_protos.__path__):
        if module.name.endswith("_pb2"):
            importlib.import_module(f"{contacts_protos.__name__}.{module.name}")


def proto_services(package) -> list[str]:
    """Every service the generated modules of a proto ``package`` (kontor.protos.calendar.v1 ...) declare: a method
    added to a .proto file is swept as soon as its code is generated."""
    names = set()
    for module in pkgutil.iter_modules(package.__path__):
        if module.name.endswith("_pb2"):
            generated = importlib.import_module(f"{package.__name__}.{module.name}")
            names.update(service.full_name for service in generated.DESCRIPTOR.services_by_name.values())
    return sorted(names)


def calendar_services() -> list[str]:
    """Every service the kontor.calendar.v1 protos declare (calendar-sync serves them all)."""
    return proto_services(calendar_protos)


class RecordingServer:
    """Stands in for the gRPC server: records which services a service's register functions add."""

    def __init__(self):
        self.services: set[str] = set()

    def add_registered_method_handlers(self, service: str, handlers) -> None:
        self.services.add(service)

    def add_generic_rpc_handlers(self, handlers) -> None:
        for handler in handlers:
            name = getattr(handler, "service_name", None)
            if callable(name):
                self.services.add(name())


def registered_services() -> list[str]:
    """Every service contacts registers: its own ``grpc_api.register_all`` run against a recording server.

    (The running server's reflection service would say the same, but the platform's server interceptors refuse
    its bidirectional stream; see the isolation report.)"""
    from kontor.contacts import grpc_api  # noqa: PLC0415 - only the isolation suite needs the service code

    server = RecordingServer()
    returned = grpc_api.register_all(server, db=None)
    assert set(returned) <= server.services, (returned, server.services)
    return sorted(server.services)


def service_descriptor(full_name: str) -> ServiceDescriptor:
    return descriptor_pool.Default().FindServiceByName(full_name)


def message_class(descriptor):
    return message_factory.GetMessageClass(descriptor)


class Streamed(list):
    """The answers of a server-streaming method, in order."""


def call_method(channel: grpc.Channel, method: MethodDescriptor, request, token: str | None):
    """One call of any kind. A client-streaming method takes ``request`` as the list of messages it sends; a
    server-streaming one answers ``Streamed``. ``token=None`` sends no credentials."""
    kind = {(False, False): channel.unary_unary, (True, False): channel.stream_unary,
            (False, True): channel.unary_stream, (True, True): channel.stream_stream}[
        (method.client_streaming, method.server_streaming)]
    stub = kind(
        f"/{method.containing_service.full_name}/{method.name}",
        request_serializer=lambda m: m.SerializeToString(),
        response_deserializer=message_class(method.output_type).FromString,
    )
    metadata = () if token is None else (("authorization", f"Bearer {token}"),)
    sent = iter(request) if method.client_streaming else request
    answer = stub(sent, metadata=metadata, timeout=15)
    return Streamed(answer) if method.server_streaming else answer


def timestamp(text: str) -> Timestamp:
    """The Timestamp of an RFC 3339 instant, for request values."""
    ts = Timestamp()
    ts.FromJsonString(text)
    return ts


def _timestamp(name: str) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(datetime.now(UTC) + (timedelta(minutes=-1) if "start" in name else timedelta(days=1)))
    return ts


def _looks_like_id(name: str) -> bool:
    return name == "id" or name.endswith(("_id", "_ids"))


def fill_request(method: MethodDescriptor, world: World, values: dict[str, object]):
    """The request message of ``method`` with A's ids in every id field (by field name) and plausible values in
    the rest; ``values`` overrides single fields by name. Unmapped for an id field no map resolves."""
    service = method.containing_service.name
    where = f"{method.containing_service.full_name}/{method.name}"

    def fill(message, depth: int = 0) -> None:
        for f in message.DESCRIPTOR.fields:
            name = f.name
            repeated = f.is_repeated
            oneof = f.containing_oneof
            if oneof is not None and message.WhichOneof(oneof.name) not in (None, name):
                continue  # one member of a oneof is filled already
            if oneof is not None and name not in values and any(o.name in values for o in oneof.fields):
                continue  # the values choose another member of this oneof
            if name in values:
                value = values[name]
                if f.type == FieldDescriptor.TYPE_MESSAGE and not isinstance(value, dict) and not repeated:
                    getattr(message, name).CopyFrom(value)  # a ready message (a Timestamp)
                elif f.type == FieldDescriptor.TYPE_MESSAGE and isinstance(value, dict):
                    target = getattr(message, name)
                    if repeated:
                        json_format.ParseDict(value, target.add())
                    else:
                        json_format.ParseDict(value, target)
                elif repeated:
                    getattr(message, name).extend(value)
                else:
                    setattr(message, name, value)
                continue
            if f.type == FieldDescriptor.TYPE_MESSAGE:
                if f.message_type.full_name == "google.protobuf.Timestamp":
                    stamp = _timestamp(name)
                    (getattr(message, name).add() if repeated else getattr(message, name)).CopyFrom(stamp)
                elif f.message_type.full_name in ("kontor.contacts.v1.RecordRef", "kontor.mail.v1.RecordRef"):
                    target = getattr(message, name).add() if repeated else getattr(message, name)
                    target.type, target.id = "company", world.kind("company", f"{where} {name}")
                elif depth < 2 and not repeated and f.message_type.fields:
                    fill(getattr(message, name), depth + 1)
                continue
            if f.type != FieldDescriptor.TYPE_STRING:
                if name in LITERALS and not isinstance(LITERALS[name], str):
                    setattr(message, name, LITERALS[name])
                continue
            if name in FIELD_KINDS:
                value = world.kind(FIELD_KINDS[name], f"{where} {name}")
                if repeated:
                    getattr(message, name).append(value)
                else:
                    setattr(message, name, value)
            elif name in EXTERNAL_ID_FIELDS:
                if not repeated:
                    setattr(message, name, str(uuid.uuid4()))
            elif _looks_like_id(name):
                if name in ("id", "record_id") and depth == 0:
                    kind = "company" if name == "record_id" else SERVICE_ID_KINDS.get(service)
                elif name == "id":
                    kind = None  # ids inside nested messages are the server's to assign
                else:
                    kind = NAME_KINDS.get(name)
                if kind is None and name == "id" and depth > 0:
                    continue
                if kind is None:
                    raise Unmapped(f"{where}: field {name!r} looks like an id but no map resolves it; add it to "
                                   "NAME_KINDS or SERVICE_ID_KINDS in tests/integration/isolation_world.py")
                value = world.kind(kind, f"{where} {name}")
                if repeated:
                    getattr(message, name).append(value)
                else:
                    setattr(message, name, value)
            elif name in LITERALS and isinstance(LITERALS[name], str) and not repeated:
                setattr(message, name, LITERALS[name])

    request = message_class(method.input_type)()
    fill(request)
    return request


def sent_text(message) -> str:
    """Every string and (decoded) bytes value of a request, for the echo rule of ``leaks``."""
    if isinstance(message, list):  # the messages of a client stream
        return " ".join(sent_text(m) for m in message)
    parts = [json_format.MessageToJson(message, preserving_proto_field_name=True)]

    def walk(m) -> None:
        for f, value in m.ListFields():
            items = value if f.is_repeated else [value]
            for item in items:
                if f.type == FieldDescriptor.TYPE_BYTES:
                    parts.append(item.decode("utf-8", errors="replace"))
                elif f.type == FieldDescriptor.TYPE_MESSAGE:
                    walk(item)

    walk(message)
    return " ".join(parts)


def answer_text(message) -> str:
    if isinstance(message, Streamed):
        return "[" + ", ".join(answer_text(m) for m in message) + "]"
    return json_format.MessageToJson(message, preserving_proto_field_name=True)


# ---------------------------------------------------------------------------------------------------------------
# Building the world
# ---------------------------------------------------------------------------------------------------------------


def grpc_call(stack, service: str, method: str, request, token: str):
    with grpc.insecure_channel(stack.grpc("contacts")) as channel:
        descriptor = service_descriptor(service).methods_by_name[method]
        return call_method(channel, descriptor, request, token)


def create_tenant(stack, label: str) -> Tenant:
    slug = f"{label}-{uuid.uuid4().hex[:8]}"
    token = stack.token(NO_TENANT, subject="operator", roles=("superadmin",))
    created = grpc_call(stack, "kontor.contacts.v1.TenantService", "CreateTenant", identity_pb2.CreateTenantRequest(
        slug=slug, name=f"Org {slug}", admin_email=f"admin@{slug}.example", admin_display_name=f"Admin {slug}",
        admin_password=PASSWORD), token)
    return Tenant(id=uuid.UUID(created.tenant.id), slug=slug, admin_id=created.admin.id,
                  admin_email=created.admin.email)


def admin_token(stack, tenant: Tenant) -> str:
    return stack.token(tenant.id, subject=tenant.admin_id, roles=("org_manager",))


def poll(fn, timeout: float = 30.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = fn()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"{what} not met within {timeout}s")


def _upload_attachment(stack, world: World, token: str) -> None:
    method = service_descriptor("kontor.calendar.v1.AttachmentService").methods_by_name["UploadAttachment"]
    part = message_class(method.input_type)
    content = f"{world.marker} attachment content".encode()
    stream = [json_format.ParseDict({"start": {"appointment_id": world.ids["appointment"],
                                               "name": f"{world.marker} agenda.txt", "media_type": "text/plain"}},
                                    part()),
              part(chunk=content), json_format.ParseDict({"end": {"size": len(content)}}, part())]
    with grpc.insecure_channel(stack.grpc("calendar-sync")) as channel:
        attachment = call_method(channel, method, stream, token)
    world.ids["attachment"] = attachment.id
    world.names.add(f"{world.marker} agenda.txt")


def build_world(stack, services: list[str], marker: str | None = None) -> World:
    """Tenant A with one of everything (names carry a marker), tenant B with its own admin and company."""
    a, b = create_tenant(stack, "iso-a"), create_tenant(stack, "iso-b")
    marker = marker or f"isoa{uuid.uuid4().hex[:8]}"
    world = World(a=a, b=b, marker=marker)
    ids, names = world.ids, world.names
    ids["admin"] = a.admin_id
    token = admin_token(stack, a)

    team = grpc_call(stack, "kontor.contacts.v1.TeamService", "CreateTeam",
                     identity_pb2.CreateTeamRequest(name=f"{marker} Team"), token)
    ids["team"] = team.id
    names.add(f"{marker} Team")
    for kind, role in (("user", identity_pb2.ROLE_SALES_REP), ("user_tech", identity_pb2.ROLE_TECHNICIAN),
                       ("user_rightless", identity_pb2.ROLE_CUSTOMER_SERVICE)):
        user = grpc_call(stack, "kontor.contacts.v1.UserService", "CreateUser", identity_pb2.CreateUserRequest(
            email=f"{kind}@{marker}.example", display_name=f"{marker} {kind}", role=role, team_ids=[team.id],
            password=PASSWORD, time_zone="Europe/Berlin", locale="de"), token)
        ids[kind] = user.id
        names.add(f"{marker} {kind}")

    api = Rest(stack, a.id, a.admin_id, ("org_manager",))
    company = api.ok("POST", "companies", json={
        "name": f"{marker} GmbH", "city": "Isostadt", "postal_code": "10115", "industry": "IT",
        "website": f"https://www.{world.twin_domain}", "email": f"info@{marker}.example"})
    ids["company"] = company["id"]
    names.add(f"{marker} GmbH")
    person = api.ok("POST", f"companies/{company['id']}/persons", json={
        "first_name": "Iso", "last_name": f"{marker}-Person", "emails": [{"address": f"person@{marker}.example"}]})
    ids["person"] = person["id"]
    names.update({f"{marker}-Person", f"person@{marker}.example"})
    ids["comment"] = api.ok("POST", f"companies/{company['id']}/comments", json={"body": f"{marker} comment"})["id"]
    ids["person_comment"] = api.ok("POST", f"persons/{person['id']}/comments",
                                   json={"body": f"{marker} person comment"})["id"]
    names.update({f"{marker} comment", f"{marker} person comment"})
    ids["pool"] = api.ok("POST", "pools", json={"name": f"{marker} Pool", "visibility": "public"})["id"]
    api.ok("PUT", f"pools/{ids['pool']}/members/{company['id']}")
    ids["group"] = api.ok("POST", "groups", json={"name": f"{marker} Group", "kind": "static"})["id"]
    api.ok("PUT", f"groups/{ids['group']}/members/{company['id']}")
    names.update({f"{marker} Pool", f"{marker} Group"})
    api.ok("POST", f"companies/{company['id']}/assignments", json={"user_id": ids["user"], "role": "account_manager"})
    api.ok("POST", f"persons/{person['id']}/assignments", json={"user_id": ids["user_tech"], "role": "technician"})
    ids["rule"] = api.ok("POST", "assignment-rules", json={
        "name": f"{marker} Rule", "priority": 1, "kind": "industry", "values": ["Isolation"],
        "user_id": ids["user"]})["id"]
    names.add(f"{marker} Rule")
    ids["substitution"] = api.ok("POST", "substitutions", json={
        "absent_user_id": ids["user"], "substitute_user_id": ids["user_tech"], "starts_at": rfc3339(-timedelta(minutes=1)),
        "ends_at": rfc3339(timedelta(days=1)), "note": f"{marker} substitution"})["id"]
    api.ok("POST", "handovers", json={"from_user_id": ids["user_tech"], "to_user_id": ids["user"],
                                      "records": [{"type": "contact_person", "id": person["id"]}],
                                      "note": f"{marker} handover"})
    names.update({f"{marker} substitution", f"{marker} handover"})
    # Traces: switch on company updates, then update the company once.
    settings = api.call("GET", "trace-settings")
    api.ok("PUT", "trace-settings", json={"enabled_event_types": ["contacts.company.updated"]},
           headers={"If-Match": settings.headers["ETag"]})
    api.ok("PATCH", f"companies/{company['id']}", json={"notes": f"{marker} notes"}, headers={"If-Match": '"1"'})
    names.add(f"{marker} notes")
    csv = (f"Firma;Ort;Nachname;Kontakt-E-Mail\n{marker} Import AG;Importstadt;{marker}-Importiert;"
           f"imp@{marker}-import.example\n").encode()
    job = api.ok("POST", "imports", files={"file": ("iso.csv", csv, "text/csv")})
    ids["import"] = job["id"]
    names.update({f"{marker} Import AG", f"{marker}-Importiert"})
    finished = poll(lambda: api.ok("GET", f"imports/{job['id']}")["status"] != "running", 60, "import finished")
    assert finished
    imported = api.ok("GET", f"imports/{job['id']}")
    assert imported["status"] == "completed", imported
    ids["import_company"] = imported["rows"][0]["company_id"]
    api.ok("GET", f"persons/{person['id']}/export")  # one GDPR audit entry
    if "kontor.contacts.v1.FollowUpService" in services:
        follow_up = grpc_call(stack, "kontor.contacts.v1.FollowUpService", "CreateFollowUp", message_class(
            service_descriptor("kontor.contacts.v1.FollowUpService").methods_by_name["CreateFollowUp"].input_type)(
            record_type="company", record_id=company["id"], assignee_id=ids["user"], note=f"{marker} follow-up",
            due_at=_timestamp("due_at"), time_zone="Europe/Berlin"), token)
        ids["follow_up"] = follow_up.id
        names.add(f"{marker} follow-up")
    # calendar-sync's connector configuration: a branch server (with a secret) and A's admin's own connector.
    server = api.ok("POST", "groupware-servers", json={
        "provider": "graph", "name": f"{marker} Server", "azure_tenant_id": str(uuid.uuid4()),
        "client_id": str(uuid.uuid4()), "credentials": {"client_secret": f"{marker}-secret"}})
    ids["groupware_server"] = server["id"]
    ids["connector"] = api.ok("POST", "me/connectors", json={"server_id": server["id"],  # the admin's own mailbox
                                                             "mailbox": a.admin_email})["id"]
    names.update({f"{marker} Server", f"{marker}-secret", a.admin_email})
    # The CRM calendar: a room and an appointment booking it, linked to A's company and person.
    ids["resource"] = api.ok("POST", "resources", json={"name": f"{marker} Room",
                                                        "email": f"room@{marker}.example"})["id"]
    ids["appointment"] = api.ok("POST", "appointments", json={
        "owner_id": ids["user"], "subject": f"{marker} Appointment", "location": f"{marker} Location",
        "start": "2026-03-23T09:00:00+01:00", "end": "2026-03-23T10:00:00+01:00", "time_zone": "Europe/Berlin",
        "rrule": "FREQ=WEEKLY;COUNT=2", "resource_ids": [ids["resource"]],
        "links": [{"type": "company", "id": company["id"]}],
        "participants": [{"kind": "contact_person", "id": person["id"]}]})["id"]
    names.update({f"{marker} Room", f"room@{marker}.example", f"{marker} Appointment", f"{marker} Location"})
    if "kontor.calendar.v1.AttachmentService" in calendar_services():  # the appointment's attachment, uploaded
        _upload_attachment(stack, world, token)
    # Everything A's events cause elsewhere (traces, billing's client) has happened before B starts probing.
    poll(lambda: api.ok("GET", f"companies/{company['id']}/traces")["items"], 30, "A's trace recorded")
    poll(lambda: api.call("GET", f"billing/clients/{company['id']}").status_code == 200, 30, "billing knows A's company")

    # Tenant B: its own admin and company, so B's lists are not trivially empty.
    world.b_company = Rest(stack, b.id, b.admin_id, ("org_manager",)).ok(
        "POST", "companies", json={"name": "B's own customer"})["id"]
    return world
