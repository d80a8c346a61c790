"""Schemathesis against the gateway's live OpenAPI document, with valid tokens of a real, seeded tenant.

Runs the schemathesis CLI (its Python pytest integration cannot load a schema from a fixture under pytest 9.2)
over every documented operation: the schema's examples, the coverage phase (boundary values, NUL bytes, huge
numbers, malformed bodies, missing and wrong parameters) and random fuzzing, valid and invalid input alike.
Done when no request answers 5xx and every answer conforms to the document: a documented status code and
content type, headers and a body matching the documented response (problem+json on errors).

openapi_fuzz_hooks.py rotates the tokens over the seeded users and points every other request at real
records. openapi_fuzz.toml accepts the documented 503 of the routes that reach a mailbox's groupware server
live: the mail accounts the fuzzer creates name servers that do not exist. A fixed seed with deterministic generation makes CI run the same cases every time.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import grpc
import httpx
import pytest

from kontor.protos.contacts.v1 import identity_pb2, identity_pb2_grpc

PASSWORD = "correct horse battery staple"
SEED = 20260417
MAX_EXAMPLES = 5  # per operation in the fuzzing phase; the coverage phase adds ~50 boundary cases per operation
USERS = 8  # requests rotate over this many users, so the per-user rate limit (600/min) is not what answers
CHECKS = ["not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_headers_conformance", "response_schema_conformance"]
# Not fuzzed: the process's own probes, not the API (/readyz answers 503 by design while a dependency is down).
# /api/v1/changes is a server-sent-events stream that never ends (heartbeats keep every read under the request
# timeout), so a fuzzed call would hang; tests/integration/test_change_stream.py and the isolation suite cover it.
EXCLUDED_PATHS = ["/healthz", "/readyz", "/api/v1/changes"]


def _grpc_auth(token: str) -> tuple:
    return (("authorization", f"Bearer {token}"),)


@pytest.fixture(scope="module")
def world(stack) -> dict:
    """A tenant with an admin, USERS org managers and a few records of each kind; their ids by path parameter."""
    slug = f"fuzz-{uuid.uuid4().hex[:10]}"

    async def people():
        async with grpc.aio.insecure_channel(stack.grpc("contacts")) as channel:
            created = await identity_pb2_grpc.TenantServiceStub(channel).CreateTenant(
                identity_pb2.CreateTenantRequest(slug=slug, name=f"Fuzz {slug}", admin_email=f"admin@{slug}.example",
                                                 admin_display_name="Ada Admin", admin_password=PASSWORD),
                metadata=_grpc_auth(stack.token(uuid.uuid4(), subject="root", roles=("superadmin",))), timeout=30)
            tenant = uuid.UUID(created.tenant.id)
            admin = _grpc_auth(stack.token(tenant, subject=created.admin.id, roles=("org_manager",)))
            users = [await identity_pb2_grpc.UserServiceStub(channel).CreateUser(
                identity_pb2.CreateUserRequest(email=f"u{n}@{slug}.example", display_name=f"User {n}",
                                               role=identity_pb2.ROLE_ORG_MANAGER, password=PASSWORD,
                                               time_zone="Europe/Berlin", locale="de"),
                metadata=admin, timeout=30) for n in range(USERS)]
            return tenant, [u.id for u in users]

    tenant, user_ids = asyncio.run(people())
    tokens = [stack.token(tenant, subject=user_id, roles=("org_manager",)) for user_id in user_ids]
    base = f"{stack.http('gateway')}/api/v1"
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {tokens[0]}"}, timeout=30) as api:
        def create(path: str, body: dict) -> str:
            response = api.post(path, json=body)
            assert response.status_code == 201, (path, response.text)
            return response.json()["id"]

        companies = [create("/companies", {"name": f"Fuzz {n} GmbH", "city": "Berlin", "postal_code": "10115",
                                           "country": "DE", "kind": "lead" if n else "customer"}) for n in range(3)]
        persons = [create(f"/companies/{companies[n]}/persons", {"first_name": "Erika", "last_name": f"Muster{n}",
                                                                 "emails": [{"address": f"erika{n}@fuzz.example",
                                                                             "label": "work"}]})
                   for n in range(2)]
        group = create("/groups", {"name": "Fuzz group", "kind": "static"})
        pool = create("/pools", {"name": "Fuzz pool", "visibility": "public"})
        comment = create(f"/companies/{companies[0]}/comments", {"body": "Rückruf vereinbart"})
        assert api.put(f"/groups/{group}/members/{companies[0]}").status_code == 204
        assert api.put(f"/pools/{pool}/members/{companies[1]}").status_code == 204
        assert api.post(f"/companies/{companies[0]}/assignments",
                        json={"user_id": user_ids[1], "role": "account_manager"}).status_code == 201
    return {
        "tenant": tenant,
        "tokens": tokens,
        "ids": {"company_id": companies, "person_id": persons, "user_id": user_ids, "comment_id": [comment],
                "groups": [group], "pools": [pool], "role": ["account_manager"]},
    }


@pytest.mark.timeout(1200)  # a few minutes on 2 cores; the default 300 s would count the stack's start too
def test_no_operation_answers_5xx_or_breaks_its_documented_contract(stack, world, tmp_path):
    command = [str(Path(sys.executable).with_name("schemathesis")),
               "--config-file", str(Path(__file__).with_name("openapi_fuzz.toml")),  # per-operation expectations
               "run", f"{stack.http('gateway')}/openapi.json",
               "--phases", "examples,coverage,fuzzing", "--checks", ",".join(CHECKS),
               "--max-examples", str(MAX_EXAMPLES), "--seed", str(SEED), "--generation-deterministic",
               "--workers", "1", "--continue-on-failure", "--request-timeout", "30",
               "--no-color", *[arg for path in EXCLUDED_PATHS for arg in ("--exclude-path", path)]]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "openapi_fuzz_hooks", "PYTHONPATH": str(Path(__file__).parent),
           "KONTOR_FUZZ_TOKENS": json.dumps(world["tokens"]), "KONTOR_FUZZ_IDS": json.dumps(world["ids"])}
    result = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=1200,
                            stdin=subprocess.DEVNULL)
    report = result.stdout + result.stderr
    print(report[-3000:])
    assert "Tested:" in report, report[-6000:]
    assert result.returncode == 0, report[report.find("FAILURES"):][:20000] if "FAILURES" in report else report
