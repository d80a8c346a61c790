"""Seeding the demo tenant of the local stack through the real identity path.

1. ``kontor-contacts create-tenant --if-missing`` opens the tenant "demo" with its
   Management team and its org manager (the admin password travels in
   ``KONTOR_ADMIN_PASSWORD``, as for an operator); a second run leaves it alone.
2. ``POST /api/v1/auth/login`` at the gateway logs the org manager in, like a user.
3. With that access token, ``GET``/``POST /api/v1/companies`` create the demo
   companies unless the tenant has some already; then the session is logged out.

Nothing here mints tokens or writes rows itself: if login breaks, the seed says so.
The password is for the local stack only (it binds to 127.0.0.1) and is printed
by ``kontor-dev up``; never use it anywhere else.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

DEMO_SLUG = "demo"
DEMO_NAME = "Demo GmbH"
DEMO_ADMIN_EMAIL = "anna.admin@demo.example"
DEMO_ADMIN_NAME = "Anna Admin"
# DEV ONLY: a fixed, published password for the local demo tenant.
DEMO_PASSWORD = "kontor-dev-only-password"
ADMIN_PASSWORD_ENV = "KONTOR_ADMIN_PASSWORD"  # read by `kontor-contacts create-tenant`

DEMO_COMPANIES: tuple[dict[str, str], ...] = (
    {"name": "Muster GmbH", "kind": "customer", "city": "Berlin"},
    {"name": "Beispiel AG", "kind": "lead", "city": "München"},
)

_COMMAND_TIMEOUT_S = 60.0


class SeedError(RuntimeError):
    """The demo tenant could not be seeded; the message says which step failed."""


@dataclass(frozen=True)
class DemoTenant:
    tenant_id: uuid.UUID
    created: bool  # False: it existed already and was left as it was


async def ensure_demo_tenant(contacts_executable: str, env: Mapping[str, str]) -> DemoTenant:
    """Create the demo tenant and its org manager with contacts' own CLI, unless the slug exists."""
    command = (
        contacts_executable, "create-tenant",
        "--slug", DEMO_SLUG, "--name", DEMO_NAME,
        "--admin-email", DEMO_ADMIN_EMAIL, "--admin-display-name", DEMO_ADMIN_NAME,
        "--if-missing",
    )
    try:
        process = await asyncio.create_subprocess_exec(
            *command,
            env={**env, ADMIN_PASSWORD_ENV: DEMO_PASSWORD},
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
        )
    except OSError as exc:
        raise SeedError(f"cannot run {contacts_executable} create-tenant: {exc}") from exc
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), _COMMAND_TIMEOUT_S)
    except BaseException:  # timeout or cancellation: do not leave it running
        if process.returncode is None:
            process.kill()
            await process.wait()
        raise
    output = stdout.decode(errors="replace")
    if process.returncode != 0:
        message = (stderr.decode(errors="replace") or output).strip()
        raise SeedError(f"`kontor-contacts create-tenant` exited with code {process.returncode}"
                        + (f": {message.splitlines()[-1]}" if message else ""))
    # "tenant <uuid> (<slug>)" then "admin user ..." when created, or "... exists already" when not.
    for line in output.splitlines():
        words = line.split()
        if len(words) >= 2 and words[0] == "tenant":
            try:
                return DemoTenant(uuid.UUID(words[1]), created="exists already" not in line)
            except ValueError:
                break
    raise SeedError(f"`kontor-contacts create-tenant` printed no tenant id: {output.strip()[:300]!r}")


async def seed_demo_data(gateway_url: str) -> int:
    """Log the demo org manager in at the gateway and create the demo companies unless the tenant
    has some already; return how many were created."""
    async with httpx.AsyncClient(base_url=gateway_url, timeout=10.0, trust_env=False) as client:
        login = await _call(client, "POST", "/api/v1/auth/login",
                            json={"tenant": DEMO_SLUG, "email": DEMO_ADMIN_EMAIL, "password": DEMO_PASSWORD})
        try:
            pair = login.json()
            token, refresh_token = pair["access_token"], pair["refresh_token"]
        except (ValueError, KeyError, TypeError) as exc:
            raise SeedError("POST /api/v1/auth/login did not answer a token pair") from exc
        headers = {"Authorization": f"Bearer {token}"}
        try:
            listing = await _call(client, "GET", "/api/v1/companies", headers=headers)
            try:
                items = listing.json()["items"]
            except (ValueError, KeyError, TypeError) as exc:
                raise SeedError("GET /api/v1/companies did not answer {\"items\": [...]}") from exc
            if items:
                return 0
            for company in DEMO_COMPANIES:
                await _call(client, "POST", "/api/v1/companies", headers=headers, json=company,
                            what=f"POST /api/v1/companies ({company['name']})")
            return len(DEMO_COMPANIES)
        finally:
            # The seed's session is not needed afterwards; do not leave it open for two weeks.
            try:
                await client.post("/api/v1/auth/logout", json={"refresh_token": refresh_token})
            except httpx.HTTPError:
                pass


async def _call(client: httpx.AsyncClient, method: str, path: str, *, what: str | None = None,
                **kwargs: object) -> httpx.Response:
    what = what or f"{method} {path}"
    try:
        response = await client.request(method, path, **kwargs)  # type: ignore[arg-type]
    except httpx.HTTPError as exc:
        raise SeedError(f"{what} failed: {exc!r}") from exc
    if not response.is_success:
        body = response.text.strip().replace("\n", " ")
        raise SeedError(f"{what} answered HTTP {response.status_code}" + (f": {body[:300]}" if body else ""))
    return response
