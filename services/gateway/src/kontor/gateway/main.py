"""Entry point: ``kontor-gateway serve | migrate | worker | beat | issue-token | rotate-signing-key``."""

from pathlib import Path

from kontor.platform.runtime import Runtime, ServiceDefinition, main as run_main

from kontor.gateway import access_api, calendar_api, companions_api, contacts_api, dashboard_api, data_api
from kontor.gateway import connectors_api, mail_api, router, sync_api, tokens, webhooks_api
from kontor.gateway import delegation
from kontor.gateway.changes import routers as change_routers
from kontor.gateway.edge.setup import configure_http
from kontor.gateway.identity import setup as identity
from kontor.gateway.identity.router import auth_router
from kontor.gateway.settings import GatewaySettings
from kontor.gateway.tasks import celery_app
from kontor.gateway.upstreams import Upstreams


async def on_start(rt: Runtime) -> None:
    rt.extras["upstreams"] = Upstreams.connect(rt.settings)
    await identity.start(rt, rt.extras["upstreams"])


async def on_stop(rt: Runtime) -> None:
    await identity.stop(rt)
    await rt.extras["upstreams"].close()


DEFINITION = ServiceDefinition(
    name="gateway",
    settings_cls=GatewaySettings,
    migrations_dir=Path(__file__).resolve().parents[3] / "migrations",
    title="Kontor API",
    description="One authenticated REST API over all Kontor services. Send `Authorization: Bearer <token>`; "
    "errors are RFC 9457 problem+json naming the field at fault.",
    http_routers=lambda rt: [*router.routers(rt), *contacts_api.routers(rt), *companions_api.routers(rt),
                             *access_api.routers(rt), *data_api.routers(rt), *dashboard_api.routers(rt),
                             *calendar_api.routers(rt), *connectors_api.routers(rt), *sync_api.routers(rt),
                             *mail_api.routers(rt),
                             *webhooks_api.routers(rt),
                             *change_routers(rt), auth_router(rt, lambda: rt.extras["auth"])],
    configure_http=configure_http,
    register_grpc=delegation.register,  # TokenService: delegated tokens for services' background work
    self_authenticated_grpc=delegation.SELF_AUTHENTICATED,
    celery=celery_app,
    on_start=on_start,
    on_stop=on_stop,
    commands={"issue-token": tokens.ISSUE_TOKEN, "rotate-signing-key": tokens.ROTATE_SIGNING_KEY},
)


def main() -> int:
    return run_main(DEFINITION)
