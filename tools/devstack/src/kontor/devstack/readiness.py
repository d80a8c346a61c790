"""Polling the services' ``/readyz`` endpoints."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import httpx

from kontor.devstack.topology import ServiceSpec

_PROBE_TIMEOUT_S = 2.0


@dataclass(frozen=True)
class Readiness:
    ready: bool
    detail: str  # "ready", "HTTP 503", "connection refused"...


def readiness_client() -> httpx.AsyncClient:
    # trust_env=False: a proxy from the environment must not capture loopback.
    return httpx.AsyncClient(timeout=_PROBE_TIMEOUT_S, trust_env=False)


async def probe(client: httpx.AsyncClient, service: ServiceSpec) -> Readiness:
    """Ask one service whether it is ready (HTTP 200 from ``/readyz``)."""
    try:
        response = await client.get(service.readyz_url)
    except httpx.ConnectError:
        return Readiness(False, "not listening")
    except httpx.TimeoutException:
        return Readiness(False, "readyz timed out")
    except httpx.HTTPError as exc:
        return Readiness(False, f"readyz failed: {exc.__class__.__name__}")
    if response.status_code == 200:
        return Readiness(True, "ready")
    return Readiness(False, f"readyz answered HTTP {response.status_code}")


async def probe_all(client: httpx.AsyncClient, services: Sequence[ServiceSpec]) -> dict[str, Readiness]:
    results = await asyncio.gather(*(probe(client, service) for service in services))
    return {service.name: result for service, result in zip(services, results, strict=True)}


async def wait_until_ready(
    services: Sequence[ServiceSpec],
    timeout: float,
    *,
    interval: float = 0.5,
    on_progress: Callable[[list[str]], None] | None = None,
) -> dict[str, Readiness]:
    """Poll until every service is ready or ``timeout`` passed; return the last results.

    ``on_progress`` gets the names still not ready after each round.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    async with readiness_client() as client:
        while True:
            results = await probe_all(client, services)
            waiting = [name for name, result in results.items() if not result.ready]
            if on_progress is not None:
                on_progress(waiting)
            if not waiting or loop.time() >= deadline:
                return results
            await asyncio.sleep(interval)


async def watch_readiness(
    services: Sequence[ServiceSpec],
    last_known: dict[str, Readiness],
    on_change: Callable[[str, Readiness], None],
    *,
    interval: float = 5.0,
) -> None:
    """Poll forever (until cancelled) and call ``on_change`` when a service's readiness flips."""
    known = dict(last_known)
    async with readiness_client() as client:
        while True:
            await asyncio.sleep(interval)
            for name, result in (await probe_all(client, services)).items():
                previous = known.get(name)
                if previous is None or previous.ready != result.ready:
                    on_change(name, result)
                known[name] = result
