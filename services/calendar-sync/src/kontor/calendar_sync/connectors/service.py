"""Business rules of branch servers and connector settings. Functions take the session; the edge commits.

Who may do what. The role right comes first, from contacts' rights model (entity types
"groupware_server" and "connector", asked by the gRPC edge through AccessService.CheckRight, so tenant
overrides apply and a role without the right gets PERMISSION_DENIED). On top, these fixed rules:
- servers: every employee may list and read them (to pick one for a connector; a server never shows
  a credential); registering, changing, re-keying, testing or removing one also takes the org manager
  (or superadmin) role in the token, whatever a tenant override grants: they hold the credentials.
- connector settings: a user reads and edits their own; managers those of everyone in the tenant.
  Somebody else's settings answer NOT_FOUND to a non-manager, like another tenant's.
- other calendars (a mailbox of someone who is not a CRM user): registered by managers; the
  registering manager is the owner.

Credentials are sealed with ``kontor.platform.secrets_box`` bound to (tenant, server id, kind) and
leave this module only through ``open_credentials`` (for the provider client); never in a read,
an event or a log line.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Select, false, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.auth import Principal
from kontor.platform.errors import AlreadyExists, InvalidArgument, NotFound, PermissionDenied
from kontor.platform.secrets_box import SecretBox
from kontor.platform.versions import check_version

from kontor.calendar_sync.connectors import events
from kontor.calendar_sync.connectors.models import (
    ConnectorSettings, ConnectorTenant, GroupwareServer, ServerCredential,
)
from kontor.calendar_sync.connectors.schemas import (
    ConnectorCreate, ConnectorUpdate, Credentials, ServerCreate, ServerUpdate,
)
from kontor.calendar_sync.connectors.ownership import UserEmail, check_mailbox
from kontor.calendar_sync.connectors.working_hours import WorkingTimeModel

MANAGER_ROLES = frozenset({"org_manager", "superadmin"})
EMPLOYEE_ROLES = frozenset({"org_manager", "superadmin", "sales_manager", "sales_rep", "customer_service",
                            "technician", "service"})
CREDENTIAL_PURPOSE = "groupware_server_credentials.{kind}"


def is_manager(principal: Principal) -> bool:
    return bool(MANAGER_ROLES & set(principal.roles))


def require_employee(principal: Principal) -> None:
    if not EMPLOYEE_ROLES & set(principal.roles):
        raise PermissionDenied("only employees of the organisation may use calendar connectors")


def require_manager(principal: Principal, what: str) -> None:
    if not is_manager(principal):
        raise PermissionDenied(f"only org managers may {what}")


def user_id_of(principal: Principal) -> uuid.UUID | None:
    try:
        return uuid.UUID(principal.subject)
    except ValueError:
        return None


def _now() -> datetime:
    return datetime.now(UTC)


# ------------------------------------------------------------------ servers


def live_servers() -> Select:
    return select(GroupwareServer).where(GroupwareServer.deleted_at.is_(None))


async def _server(session: AsyncSession, server_id: uuid.UUID, *, lock: bool = False) -> GroupwareServer:
    query = live_servers().where(GroupwareServer.id == server_id)
    server = await session.scalar(query.with_for_update() if lock else query)
    if server is None:
        raise NotFound(f"groupware server {server_id} not found")
    return server


async def _check_name_free(session: AsyncSession, name: str, *, except_id: uuid.UUID | None = None) -> str:
    key = name.casefold()
    query = live_servers().where(GroupwareServer.name_key == key)
    if except_id is not None:
        query = query.where(GroupwareServer.id != except_id)
    if await session.scalar(query) is not None:
        raise AlreadyExists(f"a groupware server named {name!r} exists already; choose another name")
    return key


def _seal(box: SecretBox, server: GroupwareServer, credentials: Credentials) -> bytes:
    return box.seal(credentials.material(), tenant_id=server.tenant_id, record_id=server.id,
                    purpose=CREDENTIAL_PURPOSE.format(kind=credentials.kind))


async def register_server(session: AsyncSession, *, principal: Principal, box: SecretBox,
                          data: ServerCreate) -> GroupwareServer:
    require_manager(principal, "register groupware servers")
    key = await _check_name_free(session, data.name)
    server = GroupwareServer(
        id=uuid.uuid4(), tenant_id=principal.tenant_id, provider=data.provider, name=data.name, name_key=key,
        branch=data.branch, azure_tenant_id=data.azure_tenant_id, client_id=data.client_id,
        authority_url=data.authority_url, base_url=data.base_url, ca_bundle_path=data.ca_bundle_path, active=True,
        created_by=principal.subject, version=1,
    )
    session.add(server)
    await session.execute(insert(ConnectorTenant).values(tenant_id=principal.tenant_id)
                          .on_conflict_do_nothing(index_elements=[ConnectorTenant.tenant_id]))
    await session.flush()
    if data.credentials is not None:
        session.add(ServerCredential(server_id=server.id, tenant_id=server.tenant_id, kind=data.credentials.kind,
                                     sealed=_seal(box, server, data.credentials),
                                     certificate_thumbprint=data.credentials.thumbprint()))
        await session.flush()
    await session.refresh(server)
    await events.server_registered(session, server, credential_kind=data.credentials.kind
                                   if data.credentials else "")
    return server


async def list_servers(session: AsyncSession, *, principal: Principal) -> list[GroupwareServer]:
    require_employee(principal)
    return list((await session.scalars(live_servers().order_by(GroupwareServer.name_key,
                                                                GroupwareServer.id))).all())


async def get_server(session: AsyncSession, *, principal: Principal, server_id: uuid.UUID) -> GroupwareServer:
    require_employee(principal)
    return await _server(session, server_id)


async def credential_of(session: AsyncSession, server_id: uuid.UUID) -> ServerCredential | None:
    """The credential row (for its kind, thumbprint and dates; ``sealed`` stays sealed)."""
    return await session.get(ServerCredential, server_id)


async def update_server(session: AsyncSession, *, principal: Principal, server_id: uuid.UUID,
                        expected_version: int, data: ServerUpdate) -> GroupwareServer:
    require_manager(principal, "change groupware servers")
    server = await _server(session, server_id, lock=True)
    check_version(what="groupware server", record_id=server_id, current=server.version, expected=expected_version)
    changes = data.model_dump(exclude_none=True)
    if "name" in changes:
        server.name_key = await _check_name_free(session, changes["name"], except_id=server.id)
    changed = [field for field, value in changes.items() if getattr(server, field) != value]
    if changed:
        for field in changed:
            setattr(server, field, changes[field])
        server.version += 1
        server.updated_at = _now()
        await session.flush()
    return server


async def set_credentials(session: AsyncSession, *, principal: Principal, box: SecretBox, server_id: uuid.UUID,
                          expected_version: int, credentials: Credentials) -> GroupwareServer:
    """Replace the server's secret or certificate (rotation); the old one is gone when this commits."""
    require_manager(principal, "change the credentials of groupware servers")
    server = await _server(session, server_id, lock=True)
    check_version(what="groupware server", record_id=server_id, current=server.version, expected=expected_version)
    sealed = _seal(box, server, credentials)
    row = await credential_of(session, server.id)
    now = _now()
    if row is None:
        session.add(ServerCredential(server_id=server.id, tenant_id=server.tenant_id, kind=credentials.kind,
                                     sealed=sealed, certificate_thumbprint=credentials.thumbprint(), set_at=now))
    else:
        row.kind, row.sealed, row.certificate_thumbprint = credentials.kind, sealed, credentials.thumbprint()
        row.rotated_at = now
    server.version += 1
    server.updated_at = now
    # A new credential may fix what made mailboxes fail; the sync engine retries them.
    await session.execute(update(ConnectorSettings).where(ConnectorSettings.server_id == server.id)
                          .values(needs_reauthorisation=False))
    await session.flush()
    await events.credentials_rotated(session, server, credential_kind=credentials.kind)
    return server


async def delete_server(session: AsyncSession, *, principal: Principal, server_id: uuid.UUID,
                        expected_version: int) -> None:
    """Soft delete: the row stays for resources booked on past appointments (their FK), the credential is
    deleted at once, the server's resources are deactivated and its mailboxes stop syncing (disabled)."""
    require_manager(principal, "remove groupware servers")
    server = await _server(session, server_id, lock=True)
    check_version(what="groupware server", record_id=server_id, current=server.version, expected=expected_version)
    row = await credential_of(session, server.id)
    if row is not None:
        await session.delete(row)
    server.deleted_at = server.updated_at = _now()
    server.active = False
    server.version += 1
    await session.execute(update(ConnectorSettings).where(ConnectorSettings.server_id == server.id)
                          .values(enabled=False, version=ConnectorSettings.version + 1, updated_at=_now()))
    from kontor.calendar_sync.connectors.resources import deactivate_server_resources  # noqa: PLC0415 - cycle

    await deactivate_server_resources(session, server.id)
    await session.flush()
    await events.server_removed(session, server)


@dataclass(frozen=True)
class OpenCredentials:
    """What a provider client needs to sign in. Never logged: the repr hides the secret."""

    kind: str
    secret: str
    certificate_thumbprint: str

    def __repr__(self) -> str:
        return f"OpenCredentials(kind={self.kind!r}, thumbprint={self.certificate_thumbprint!r})"


async def open_credentials(session: AsyncSession, box: SecretBox, server: GroupwareServer) -> OpenCredentials | None:
    row = await credential_of(session, server.id)
    if row is None:
        return None
    secret = box.open(row.sealed, tenant_id=server.tenant_id, record_id=server.id,
                      purpose=CREDENTIAL_PURPOSE.format(kind=row.kind))
    return OpenCredentials(kind=row.kind, secret=secret.decode(), certificate_thumbprint=row.certificate_thumbprint)


# ------------------------------------------------------------------ connector settings


def _visible_connectors(principal: Principal) -> Select:
    query = select(ConnectorSettings)
    if is_manager(principal):
        return query
    own = user_id_of(principal)
    return query.where(ConnectorSettings.user_id == own) if own else query.where(false())


async def _connector(session: AsyncSession, principal: Principal, connector_id: uuid.UUID, *,
                     lock: bool = False) -> ConnectorSettings:
    query = _visible_connectors(principal).where(ConnectorSettings.id == connector_id)
    connector = await session.scalar(query.with_for_update() if lock else query)
    if connector is None:
        raise NotFound(f"connector {connector_id} not found")
    return connector


def _owner_for(principal: Principal, user_id: uuid.UUID | None) -> uuid.UUID:
    own = user_id_of(principal)
    if user_id is None or user_id == own:
        if own is None:
            raise InvalidArgument("user_id", "your token names no user; name the user the connector is for")
        return own
    require_manager(principal, "set up connectors for other users")
    return user_id


async def _check_mailbox_free(session: AsyncSession, server_id: uuid.UUID, mailbox: str, *,
                              except_id: uuid.UUID | None = None) -> str:
    key = mailbox.lower()
    query = select(ConnectorSettings.id).where(ConnectorSettings.server_id == server_id,
                                               ConnectorSettings.mailbox_key == key)
    if except_id is not None:
        query = query.where(ConnectorSettings.id != except_id)
    if await session.scalar(query) is not None:
        # One mailbox syncs once per tenant: two connectors on it would make every appointment twice.
        raise AlreadyExists(f"the mailbox {mailbox} is connected already on this server")
    return key


def _working_hours(model: WorkingTimeModel | None) -> dict | None:
    return model.model_dump() if model is not None else None


async def create_connector(session: AsyncSession, *, principal: Principal, data: ConnectorCreate,
                           user_id: uuid.UUID | None = None, user_email: UserEmail | None = None) -> ConnectorSettings:
    """``user_email``: the directory lookup that proves a personal mailbox is its user's (``ownership``);
    None skips that check (callers that are not a person: the CLI, tests of the rules here)."""
    require_employee(principal)
    owner = _owner_for(principal, user_id)
    if data.kind == "other_calendar":
        require_manager(principal, "connect other calendars (mailboxes of people who are not CRM users)")
    server = await _server(session, data.server_id)
    if not server.active:
        raise InvalidArgument("server_id", "the server is deactivated; choose an active one")
    if data.kind == "personal" and await session.scalar(select(ConnectorSettings.id).where(
            ConnectorSettings.user_id == owner, ConnectorSettings.server_id == server.id,
            ConnectorSettings.kind == "personal")) is not None:
        raise AlreadyExists("this user has a personal connector on this server already; change that one")
    if user_email is not None:  # after the server: another tenant's server id answers NOT_FOUND first
        await check_mailbox(user_email, kind=data.kind, user_id=owner, mailbox=data.mailbox)
    key = await _check_mailbox_free(session, server.id, data.mailbox)
    connector = ConnectorSettings(
        id=uuid.uuid4(), tenant_id=principal.tenant_id, user_id=owner, server_id=server.id, kind=data.kind,
        mailbox=data.mailbox, mailbox_key=key, display_name=data.display_name, enabled=data.enabled,
        direction=data.direction, window_past_days=data.window_past_days,
        window_future_days=data.window_future_days, working_hours=_working_hours(data.working_hours),
        skip_statuses=list(data.skip_statuses), category_mappings=[m.model_dump() for m in data.category_mappings],
        conflict_policy=data.conflict_policy, deletion_policy=data.deletion_policy, needs_reauthorisation=False,
        delete_private_after_days=data.delete_private_after_days,
        created_by=principal.subject, version=1,
    )
    session.add(connector)
    await session.flush()
    await session.refresh(connector)
    return connector


async def get_connector(session: AsyncSession, *, principal: Principal,
                        connector_id: uuid.UUID) -> ConnectorSettings:
    require_employee(principal)
    return await _connector(session, principal, connector_id)


async def list_connectors(session: AsyncSession, *, principal: Principal,
                          user_id: uuid.UUID | None = None) -> list[ConnectorSettings]:
    """A user's connectors (None: the caller's); other users' only for managers."""
    require_employee(principal)
    owner = _owner_for(principal, user_id)
    query = _visible_connectors(principal).where(ConnectorSettings.user_id == owner)
    return list((await session.scalars(query.order_by(ConnectorSettings.created_at, ConnectorSettings.id))).all())


_SIMPLE_FIELDS = ("enabled", "display_name", "direction", "window_past_days", "window_future_days",
                  "conflict_policy", "deletion_policy", "delete_private_after_days")


async def update_connector(session: AsyncSession, *, principal: Principal, connector_id: uuid.UUID,
                           expected_version: int, data: ConnectorUpdate,
                           user_email: UserEmail | None = None) -> ConnectorSettings:
    """Apply the fields sent; a change that changes nothing keeps the version."""
    require_employee(principal)
    connector = await _connector(session, principal, connector_id, lock=True)
    check_version(what="connector", record_id=connector_id, current=connector.version, expected=expected_version)
    changes: dict = {f: getattr(data, f) for f in _SIMPLE_FIELDS if getattr(data, f) is not None}
    if data.mailbox is not None:
        if user_email is not None and data.mailbox.lower() != connector.mailbox_key:
            await check_mailbox(user_email, kind=connector.kind, user_id=connector.user_id, mailbox=data.mailbox)
        changes["mailbox"] = data.mailbox
        changes["mailbox_key"] = await _check_mailbox_free(session, connector.server_id, data.mailbox,
                                                           except_id=connector.id)
    if data.working_hours is not None:
        changes["working_hours"] = _working_hours(data.working_hours)
    elif data.clear_working_hours:
        changes["working_hours"] = None
    if data.skip_statuses is not None:
        changes["skip_statuses"] = list(data.skip_statuses)
    if data.category_mappings is not None:
        changes["category_mappings"] = [m.model_dump() for m in data.category_mappings]
    if changes.get("enabled") and not (await _server(session, connector.server_id)).active:
        raise InvalidArgument("enabled", "the connector's server is deactivated")
    changed = {f: v for f, v in changes.items() if getattr(connector, f) != v}
    if changed:
        for field, value in changed.items():
            setattr(connector, field, value)
        if "mailbox" in changed:
            connector.needs_reauthorisation = False
        connector.version += 1
        connector.updated_at = _now()
        await session.flush()
    return connector


async def delete_connector(session: AsyncSession, *, principal: Principal, connector_id: uuid.UUID,
                           expected_version: int) -> None:
    require_employee(principal)
    connector = await _connector(session, principal, connector_id, lock=True)
    check_version(what="connector", record_id=connector_id, current=connector.version, expected=expected_version)
    await session.delete(connector)
    await session.flush()


async def mark_needs_reauthorisation(session: AsyncSession, *, connector_id: uuid.UUID, reason: str) -> bool:
    """For the sync engine: the mailbox's credentials expired or consent was revoked. Emits the event once
    (True) per episode; the flag clears when the mailbox or the server's credentials change."""
    connector = await session.scalar(select(ConnectorSettings).where(ConnectorSettings.id == connector_id)
                                     .with_for_update())
    if connector is None:
        raise NotFound(f"connector {connector_id} not found")
    if connector.needs_reauthorisation:
        return False
    connector.needs_reauthorisation = True
    await session.flush()
    await events.needs_reauthorisation(session, connector, reason=reason)
    return True


def working_time_model(connector: ConnectorSettings) -> WorkingTimeModel | None:
    return WorkingTimeModel.model_validate(connector.working_hours) if connector.working_hours else None

