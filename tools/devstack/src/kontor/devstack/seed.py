"""Seeding the demo tenant of the local stack through the gateway's public API.

Contract with the gateway (see the gateway service):
- ``kontor-gateway issue-token --tenant-id UUID --subject S --role R --ttl-minutes N``
  prints a signed JWT on stdout;
- ``GET /api/v1/companies`` answers ``{"items": [...]}``;
- ``POST /api/v1/companies`` takes ``{"name", "kind", "city"}``.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping, Sequence

import httpx

DEMO_TENANT_ID = uuid.uuid5(uuid.NAMESPACE_DNS, "demo.kontor.dev")
DEMO_SUBJECT = "demo-admin"
DEMO_ROLE = "org_manager"
DEMO_TOKEN_TTL_MINUTES = 720

DEMO_COMPANIES: tuple[dict[str, str], ...] = (
    {"name": "Muster GmbH", "kind": "customer", "city": "Berlin"},
    {"name": "Beispiel AG", "kind": "lead", "city": "München"},
)

_TOKEN_TIMEOUT_S = 60.0


class SeedError(RuntimeError):
    """The demo tenant could not be seeded; the message says which step failed."""


async def issue_demo_token(gateway_executable: str, env: Mapping[str, str]) -> str:
    """Mint a token for the demo tenant with the gateway's own CLI."""
    command: Sequence[str] = (
        gateway_executable, "issue-token",
        "--tenant-id", str(DEMO_TENANT_ID),
        "--subject", DEMO_SUBJECT,
        "--role", DEMO_ROLE,
        "--ttl-minutes", str(DEMO_TOKEN_TTL_MINUTES),
    )
    try:
        process = await asyncio.create_subprocess_exec(
            *command,
            env=dict(env),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
        )
    except OSError as exc:
        raise SeedError(f"cannot run {gateway_executable} issue-token: {exc}") from exc
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), _TOKEN_TIMEOUT_S)
    except BaseException:  # timeout or cancellation: do not leave it running
        if process.returncode is None:
            process.kill()
            await process.wait()
        raise
    lines = stdout.decode(errors="replace").split()
    if process.returncode != 0 or not lines:
        output = (stderr.decode(errors="replace") or stdout.decode(errors="replace")).strip()
        raise SeedError(
            f"`kontor-gateway issue-token` exited with code {process.returncode}"
            + (f": {output.splitlines()[-1]}" if output else " and printed no token")
        )
    # The token is the last word printed: tolerate a banner before it.
    return lines[-1]


async def seed_demo_companies(gateway_url: str, token: str) -> int:
    """Create the demo companies unless the tenant has some already; return how many were created."""
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=gateway_url, headers=headers, timeout=10.0,
                                 trust_env=False) as client:
        try:
            listing = await client.get("/api/v1/companies")
        except httpx.HTTPError as exc:
            raise SeedError(f"GET /api/v1/companies failed: {exc!r}") from exc
        _raise_for_status(listing, "GET /api/v1/companies")
        try:
            items = listing.json()["items"]
        except (ValueError, KeyError, TypeError) as exc:
            raise SeedError("GET /api/v1/companies did not answer {\"items\": [...]}") from exc
        if items:
            return 0
        for company in DEMO_COMPANIES:
            try:
                created = await client.post("/api/v1/companies", json=company)
            except httpx.HTTPError as exc:
                raise SeedError(f"POST /api/v1/companies failed: {exc!r}") from exc
            _raise_for_status(created, f"POST /api/v1/companies ({company['name']})")
        return len(DEMO_COMPANIES)


def _raise_for_status(response: httpx.Response, what: str) -> None:
    if response.is_success:
        return
    body = response.text.strip().replace("\n", " ")
    raise SeedError(f"{what} answered HTTP {response.status_code}" + (f": {body[:300]}" if body else ""))
