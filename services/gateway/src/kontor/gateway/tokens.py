"""The gateway's token issuer and the `issue-token` admin command.

Password login, refresh tokens and key rotation arrive with the identity issue;
until then operators mint tokens for a tenant with `kontor-gateway issue-token`.
"""

import argparse
import uuid

from kontor.platform.auth import TokenIssuer
from kontor.platform.runtime import Command, Runtime

from kontor.gateway.settings import GatewaySettings


def load_issuer(settings: GatewaySettings) -> TokenIssuer:
    return TokenIssuer.from_pem_file(settings.signing_key_file, issuer=settings.token_issuer,
                                     audience=settings.token_audience)


async def install(rt: Runtime) -> None:
    issuer = load_issuer(rt.settings)
    rt.extras["issuer"] = issuer
    rt.verifier.add_keys(issuer.jwks())  # the gateway trusts its own keys without an HTTP round trip


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tenant-id", required=True, type=uuid.UUID, help="tenant the token acts in")
    parser.add_argument("--subject", required=True, help="who the token identifies (user id)")
    parser.add_argument("--role", action="append", default=[], help="role to grant; repeatable")
    parser.add_argument("--ttl-minutes", type=int, default=15, help="lifetime (default 15)")


def _run(args: argparse.Namespace, settings: GatewaySettings) -> int:
    token = load_issuer(settings).issue(subject=args.subject, tenant_id=args.tenant_id, roles=args.role,
                                        ttl_s=args.ttl_minutes * 60)
    print(token)
    return 0


ISSUE_TOKEN = Command(help="print a signed access token (operators and development)", configure=_configure, run=_run)
