"""``kontor-contacts create-tenant``: the operator's way to open a tenant and its first org manager.

The admin password comes from ``KONTOR_ADMIN_PASSWORD`` or an interactive
prompt, never from an argument, so it does not end up in shell history or in
the process list. ``--if-missing`` makes it idempotent (``make dev`` seeds its
demo tenant with it): a tenant whose slug exists is left as it is.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys

from pydantic import SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import select

from kontor.platform.db import Database
from kontor.platform.errors import AlreadyExists, DomainError
from kontor.platform.runtime import Command

from kontor.contacts.identity import service
from kontor.contacts.identity.models import Tenant
from kontor.contacts.identity.schemas import AdminCreate, TenantCreate
from kontor.contacts.settings import ContactsSettings

PASSWORD_ENV = "KONTOR_ADMIN_PASSWORD"


class _AdminPassword(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KONTOR_", extra="ignore")

    admin_password: SecretStr | None = None


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--slug", required=True, help="short name used at login, e.g. muster-gmbh")
    parser.add_argument("--name", required=True, help="the organisation's name")
    parser.add_argument("--admin-email", required=True, help="email of the first org manager")
    parser.add_argument("--admin-display-name", required=True, help="name of the first org manager")
    parser.add_argument("--if-missing", action="store_true",
                        help="succeed without changes when a tenant with this slug exists (for scripts)")


def _read_password() -> str:
    from_env = _AdminPassword().admin_password
    if from_env is not None:
        return from_env.get_secret_value()
    if not sys.stdin.isatty():
        raise SystemExit(f"set {PASSWORD_ENV} or run interactively to be asked for the admin password")
    first = getpass.getpass("Admin password (at least 12 characters): ")
    if getpass.getpass("Repeat it: ") != first:
        raise SystemExit("the passwords differ; run the command again")
    return first


async def _existing(db: Database, slug: str) -> str | None:
    async with db.unit_of_work(None) as session:  # the tenants registry is global
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == slug))
    return None if tenant is None else f"tenant {tenant.id} ({tenant.slug}) exists already; nothing changed"


async def _create(data: TenantCreate, settings: ContactsSettings, *, if_missing: bool = False) -> str:
    db = Database(settings.database_url.get_secret_value(), pool_size=1)
    try:
        await db.assert_role_respects_rls()
        if if_missing and (existing := await _existing(db, data.slug)) is not None:
            return existing
        try:
            async with db.unit_of_work(None) as session:  # system scope, like the CreateTenant RPC
                tenant, admin = await service.create_tenant(session, data=data)
        except AlreadyExists:
            # Created concurrently since we looked: still "exists", which is all --if-missing asks.
            if if_missing and (existing := await _existing(db, data.slug)) is not None:
                return existing
            raise
        return f"tenant {tenant.id} ({tenant.slug})\nadmin user {admin.id} ({admin.email})"
    finally:
        await db.dispose()


def _run(args: argparse.Namespace, settings: ContactsSettings) -> int:
    try:
        data = TenantCreate(slug=args.slug, name=args.name, admin=AdminCreate(
            email=args.admin_email, display_name=args.admin_display_name, password=_read_password()))
    except ValidationError as exc:
        first = exc.errors()[0]
        field = {"slug": "--slug", "name": "--name", "email": "--admin-email",
                 "display_name": "--admin-display-name", "password": f"the password ({PASSWORD_ENV})"}
        raise SystemExit(f"{field.get(str(first['loc'][0]), first['loc'][0])}: {first['msg']}") from None
    try:
        print(asyncio.run(_create(data, settings, if_missing=getattr(args, "if_missing", False))))
    except DomainError as exc:
        raise SystemExit(exc.message) from None
    return 0


CREATE_TENANT = Command(help="create a tenant with its Management team and first org manager",
                        configure=_configure, run=_run)
