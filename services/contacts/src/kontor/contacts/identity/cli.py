"""``kontor-contacts create-tenant``: the operator's way to open a tenant and its first org manager.

The admin password comes from ``KONTOR_ADMIN_PASSWORD`` or an interactive
prompt, never from an argument, so it does not end up in shell history or in
the process list.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys

from pydantic import SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from kontor.platform.db import Database
from kontor.platform.errors import DomainError
from kontor.platform.runtime import Command

from kontor.contacts.identity import service
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


async def _create(data: TenantCreate, settings: ContactsSettings) -> str:
    db = Database(settings.database_url.get_secret_value(), pool_size=1)
    try:
        await db.assert_role_respects_rls()
        async with db.unit_of_work(None) as session:  # system scope, like the CreateTenant RPC
            tenant, admin = await service.create_tenant(session, data=data)
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
        print(asyncio.run(_create(data, settings)))
    except DomainError as exc:
        raise SystemExit(exc.message) from None
    return 0


CREATE_TENANT = Command(help="create a tenant with its Management team and first org manager",
                        configure=_configure, run=_run)
