"""Entry point: ``kontor-gateway serve | migrate | issue-token``."""

from pathlib import Path

from kontor.platform.runtime import Runtime, ServiceDefinition, main as run_main

from kontor.gateway import router, tokens
from kontor.gateway.settings import GatewaySettings
from kontor.gateway.upstreams import Upstreams


async def on_start(rt: Runtime) -> None:
    await tokens.install(rt)
    rt.extras["upstreams"] = Upstreams.connect(rt.settings)


async def on_stop(rt: Runtime) -> None:
    await rt.extras["upstreams"].close()


DEFINITION = ServiceDefinition(
    name="gateway",
    settings_cls=GatewaySettings,
    migrations_dir=Path(__file__).resolve().parents[3] / "migrations",
    title="Kontor API",
    description="One authenticated REST API over all Kontor services. Send `Authorization: Bearer <token>`; "
    "errors are RFC 9457 problem+json naming the field at fault.",
    http_routers=router.routers,
    on_start=on_start,
    on_stop=on_stop,
    commands={"issue-token": tokens.ISSUE_TOKEN},
)


def main() -> int:
    return run_main(DEFINITION)
