"""The gateway's signing keys at run time and the operator commands `issue-token` and `rotate-signing-key`.

Keys live in the gateway database (see identity/keys); the PEM in
SIGNING_KEY_FILE is the first of them. Both commands work on the database, so
they can run beside running replicas (e.g. `kubectl exec`) and affect all of them.
"""

import argparse
import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from kontor.platform.runtime import Command, Runtime

from kontor.gateway.identity.keys import service as key_service
from kontor.gateway.identity.keys.ring import KeyRing, opened
from kontor.gateway.settings import GatewaySettings

# Operator tokens may live long (the dev seed uses 12 h) but not forever.
MAX_OPERATOR_TOKEN_MINUTES = 7 * 24 * 60


async def install(rt: Runtime) -> KeyRing:
    ring = await KeyRing.open(rt.db, rt.settings)
    rt.extras["issuer"] = ring  # signs with the current key; its jwks() is what /.well-known/jwks.json serves

    def trust_own_keys() -> None:
        # The gateway verifies its own tokens without an HTTP round trip, and trusts exactly what it publishes.
        rt.verifier.add_keys(ring.jwks(), replace=True)

    trust_own_keys()
    rt.extras["key_reloader"] = asyncio.create_task(ring.reload_forever(then=trust_own_keys), name="key-reload")
    return ring


def _configure_issue(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tenant-id", required=True, type=uuid.UUID, help="tenant the token acts in")
    parser.add_argument("--subject", required=True, help="who the token identifies (user id)")
    parser.add_argument("--role", action="append", default=[], help="role to grant; repeatable")
    parser.add_argument("--ttl-minutes", type=int, default=15,
                        help=f"lifetime (default 15, at most {MAX_OPERATOR_TOKEN_MINUTES})")


async def _issue(args: argparse.Namespace, settings: GatewaySettings) -> str:
    ttl = timedelta(minutes=args.ttl_minutes)
    async with opened(settings) as (db, ring):
        signer = ring.current()
        token = signer.issue(subject=args.subject, tenant_id=args.tenant_id, roles=args.role,
                             ttl_s=int(ttl.total_seconds()))
        # A token longer-lived than login tokens keeps its key published until it expires.
        async with db.unit_of_work(None) as session:
            await key_service.note_token_expiry(session, kid=signer.kid, expires_at=datetime.now(UTC) + ttl)
    return token


def _run_issue(args: argparse.Namespace, settings: GatewaySettings) -> int:
    if not 1 <= args.ttl_minutes <= MAX_OPERATOR_TOKEN_MINUTES:
        raise SystemExit(f"--ttl-minutes must be between 1 and {MAX_OPERATOR_TOKEN_MINUTES}")
    print(asyncio.run(_issue(args, settings)))
    return 0


ISSUE_TOKEN = Command(help="print a signed access token (operators and development)", configure=_configure_issue,
                      run=_run_issue)


def _configure_rotate(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--activate-in", type=int, default=None, metavar="SECONDS",
                        help="publish the new key now and sign with it after this many seconds "
                        "(default SIGNING_KEY_ACTIVATION_DELAY_S; 0 only in an emergency: services may "
                        "refuse new tokens for up to 30 s until they refetch the keys)")


async def _rotate(args: argparse.Namespace, settings: GatewaySettings) -> str:
    delay = settings.signing_key_activation_delay_s if args.activate_in is None else args.activate_in
    now = datetime.now(UTC)
    async with opened(settings) as (db, ring):
        async with db.unit_of_work(None) as session:
            pruned = await key_service.prune(session, now=now, token_ttl=ring.token_ttl, reload_lag=ring.reload_lag)
            key = await key_service.add_key(session, cipher=ring.cipher, activates_at=now + timedelta(seconds=delay))
    retired = f"; removed keys no token can carry any more: {', '.join(pruned)}" if pruned else ""
    return (f"new signing key {key.kid} published now, signing from {key.activates_at.isoformat()}; "
            f"older keys stay published until their tokens have expired{retired}")


def _run_rotate(args: argparse.Namespace, settings: GatewaySettings) -> int:
    if args.activate_in is not None and args.activate_in < 0:
        raise SystemExit("--activate-in must be 0 or more seconds")
    print(asyncio.run(_rotate(args, settings)))
    return 0


ROTATE_SIGNING_KEY = Command(help="add a new signing key; tokens signed by older keys stay valid until they expire",
                             configure=_configure_rotate, run=_run_rotate)
