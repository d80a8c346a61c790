"""Business rules of tenants, teams and users. Functions take the session; the edge owns the transaction.

Role rights (``access.guard.require_right``) are checked by the gRPC edge; the
finer rules about accounts (who gives which role, who edits whom) are in
``policy`` and applied here.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.auth import Principal
from kontor.platform.db import TENANT_SETTING
from kontor.platform.errors import AlreadyExists, InvalidArgument, NotFound, Unauthenticated

from kontor.contacts import listing, records
from kontor.contacts.identity import events, passwords, policy
from kontor.contacts.identity.models import Team, Tenant, User, UserTeam
from kontor.contacts.identity.rights import has_right
from kontor.contacts.identity.schemas import (
    DEFAULT_LOCALE, DEFAULT_TIME_ZONE, MANAGEMENT_TEAM, PasswordChange, TeamCreate, TenantCreate, UserCreate,
    UserUpdate, normalise_slug,
)
from kontor.contacts.persons.models import ContactPerson

# The one answer to every failed login, so it never tells which part was wrong.
BAD_CREDENTIALS = "email or password is wrong, or the account is deactivated"


async def enter_tenant(session: AsyncSession, tenant_id: uuid.UUID) -> None:
    """Switch the transaction's row-level-security scope to ``tenant_id`` (used right after creating it)."""
    await session.execute(select(func.set_config(TENANT_SETTING, str(tenant_id), True)))


async def _flush_unique(session: AsyncSession, field: str, message: str) -> None:
    """Flush; a unique violation (two creates racing past the pre-check) becomes AlreadyExists."""
    try:
        await session.flush()
    except IntegrityError as exc:
        if "unique" not in str(exc.orig).lower():
            raise
        raise AlreadyExists(f"{field}: {message}") from None


# --- tenants --------------------------------------------------------------------------------------------


async def create_tenant(
    session: AsyncSession, *, data: TenantCreate, hasher: passwords.PasswordHasher = passwords.DEFAULT,
) -> tuple[Tenant, User]:
    """The tenant, its first team "Management" and its first org manager, in one transaction.

    Runs in the system scope (the caller belongs to no tenant yet) and enters the new tenant for its rows.
    """
    taken = f"the slug {data.slug!r} is taken; choose another one"
    if await session.scalar(select(Tenant.id).where(Tenant.slug == data.slug)) is not None:
        raise AlreadyExists(f"slug: {taken}")
    tenant = Tenant(id=uuid.uuid4(), slug=data.slug, name=data.name)
    session.add(tenant)
    await _flush_unique(session, "slug", taken)
    await session.refresh(tenant)
    await enter_tenant(session, tenant.id)
    team = Team(id=uuid.uuid4(), tenant_id=tenant.id, name=MANAGEMENT_TEAM, name_key=MANAGEMENT_TEAM.lower(),
                version=1)
    session.add(team)
    admin = await _insert_user(
        session, tenant_id=tenant.id, email=data.admin.email, display_name=data.admin.display_name,
        role="org_manager", team_ids=[team.id], password_hash=await hasher.hash_async(data.admin.password),
    )
    return tenant, admin


async def resolve_tenant(session: AsyncSession, *, slug: str) -> Tenant:
    try:
        slug = normalise_slug(slug)
    except ValueError as exc:
        raise InvalidArgument("slug", str(exc)) from None
    tenant = await session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        raise NotFound(f"no tenant with the slug {slug!r}; check the spelling")
    return tenant


# --- teams ----------------------------------------------------------------------------------------------


async def create_team(session: AsyncSession, *, data: TeamCreate) -> Team:
    key = data.name.lower()
    taken = f"a team named {data.name!r} exists already; choose another name"
    if await session.scalar(select(Team.id).where(Team.name_key == key)) is not None:
        raise AlreadyExists(f"name: {taken}")
    team = Team(id=uuid.uuid4(), name=data.name, name_key=key, version=1)
    session.add(team)
    await _flush_unique(session, "name", taken)
    await session.refresh(team)
    return team


async def list_teams(session: AsyncSession, *, page_size: int, page_token: str) -> tuple[list[Team], str]:
    return await listing.fetch_page(session, select(Team), sort=listing.Sort("name", descending=False),
                                    key=Team.name_key, id_column=Team.id, page_size=page_size,
                                    page_token=page_token)


async def _require_teams(session: AsyncSession, team_ids: list[uuid.UUID]) -> None:
    """Every id names a team of this tenant (row-level security hides the others')."""
    found = set((await session.scalars(select(Team.id).where(Team.id.in_(team_ids)))).all()) if team_ids else set()
    missing = [str(team_id) for team_id in team_ids if team_id not in found]
    if missing:
        raise InvalidArgument("team_ids", f"no team {', '.join(missing)} in this tenant; ListTeams shows the teams")


# --- users ----------------------------------------------------------------------------------------------


async def _insert_user(
    session: AsyncSession, *, tenant_id: uuid.UUID, email: str, display_name: str, role: str,
    team_ids: list[uuid.UUID], password_hash: str, time_zone: str = DEFAULT_TIME_ZONE, locale: str = DEFAULT_LOCALE,
    contact_person_id: uuid.UUID | None = None,
) -> User:
    taken = f"a user with the email {email} exists already in this tenant; use another address or edit that user"
    if await session.scalar(select(User.id).where(User.email == email)) is not None:
        raise AlreadyExists(f"email: {taken}")
    user = User(
        id=uuid.uuid4(), tenant_id=tenant_id, email=email, display_name=display_name, role=role, active=True,
        time_zone=time_zone, locale=locale, password_hash=password_hash, contact_person_id=contact_person_id,
        version=1, team_links=[UserTeam(tenant_id=tenant_id, team_id=team_id) for team_id in dict.fromkeys(team_ids)],
    )
    session.add(user)
    await _flush_unique(session, "email", taken)
    await session.refresh(user, ["created_at", "updated_at"])
    await events.user_created(session, user)
    return user


async def create_user(
    session: AsyncSession, *, principal: Principal, data: UserCreate,
    hasher: passwords.PasswordHasher = passwords.DEFAULT,
) -> User:
    """A new employee or portal client. The caller's right to create users is checked by the edge."""
    policy.check_may_give(principal, data.role)
    if (data.role == "portal_client") != (data.contact_person_id is not None):
        raise InvalidArgument("contact_person_id", "set it for portal clients (the contact person the login "
                                                   "belongs to) and only for them")
    if data.contact_person_id is not None:
        person = await session.scalar(select(ContactPerson.id).where(ContactPerson.id == data.contact_person_id,
                                                                     ContactPerson.deleted_at.is_(None)))
        if person is None:
            raise InvalidArgument("contact_person_id", "no such contact person in this tenant")
    await _require_teams(session, data.team_ids)
    return await _insert_user(
        session, tenant_id=principal.tenant_id, email=data.email, display_name=data.display_name, role=data.role,
        team_ids=data.team_ids, password_hash=await hasher.hash_async(data.password), time_zone=data.time_zone,
        locale=data.locale, contact_person_id=data.contact_person_id,
    )


async def get_user(session: AsyncSession, *, user_id: uuid.UUID) -> User:
    # Row-level security: another tenant's user is simply not there, which answers the same NOT_FOUND.
    user = await session.scalar(select(User).where(User.id == user_id))
    if user is None:
        raise NotFound(f"user {user_id} not found")
    return user


async def _lock_user(session: AsyncSession, user_id: uuid.UUID) -> User:
    user = await session.scalar(select(User).where(User.id == user_id).with_for_update(of=User))
    if user is None:
        raise NotFound(f"user {user_id} not found")
    return user


async def list_users(
    session: AsyncSession, *, team_id: uuid.UUID | None, page_size: int, page_token: str,
) -> tuple[list[User], str]:
    """Users ordered by email; with ``team_id`` only that team's members."""
    query = select(User)
    if team_id is not None:
        query = query.where(User.id.in_(select(UserTeam.user_id).where(UserTeam.team_id == team_id)))
    return await listing.fetch_page(session, query, sort=listing.Sort("email", descending=False), key=User.email,
                                    id_column=User.id, page_size=page_size, page_token=page_token)


async def update_user(
    session: AsyncSession, *, principal: Principal, user_id: uuid.UUID, expected_version: int, data: UserUpdate,
) -> User:
    """Apply the fields the caller set. No actual change: no new version, no event."""
    records.require_expected_version(expected_version)
    changes = data.changes()
    may_update_users = await has_right(session, roles=principal.roles, entity_type="user", action="update")
    policy.check_may_edit(principal, user_id, set(changes), may_update_users=may_update_users)
    user = await _lock_user(session, user_id)
    records.check_version(what="user", record_id=user.id, current=user.version, expected=expected_version)
    if "team_ids" in changes:
        await _require_teams(session, changes["team_ids"])
        changes["team_ids"] = sorted(set(changes["team_ids"]))
    changed = {field: value for field, value in changes.items() if getattr(user, field) != value}
    policy.check_changes(principal, user.id, user.role, changed)
    if not changed:
        return user
    for field, value in changed.items():
        if field == "team_ids":
            kept = {link.team_id: link for link in user.team_links}
            user.team_links = [kept.get(team_id) or UserTeam(tenant_id=user.tenant_id, team_id=team_id)
                               for team_id in value]
        else:
            setattr(user, field, value)
    user.version += 1
    await session.flush()
    await session.refresh(user, ["updated_at"])
    await events.user_updated(session, user, list(changed))
    return user


async def verify_password(
    session: AsyncSession, *, email: str, password: str, hasher: passwords.PasswordHasher = passwords.DEFAULT,
) -> User:
    """The active user with this email and password, else Unauthenticated with always the same message.

    Every path does exactly one argon2 verification (see passwords.PasswordHasher.check), so neither the
    answer nor its timing tells whether the email exists. A hash made with older parameters is replaced.
    """
    user = await session.scalar(select(User).where(User.email == email.strip().lower()))
    usable = user is not None and user.active and len(password) <= passwords.MAX_LENGTH
    verdict = await hasher.check_async(user.password_hash if usable else None, password)
    if not verdict.ok:
        raise Unauthenticated(BAD_CREDENTIALS)
    if verdict.new_hash is not None:
        # Not a change anybody edits: the version and updated_at stay as they are.
        await session.execute(update(User).where(User.id == user.id)
                              .values(password_hash=verdict.new_hash, updated_at=User.updated_at))
    return user


async def set_password(
    session: AsyncSession, *, principal: Principal, user_id: uuid.UUID, data: PasswordChange,
    hasher: passwords.PasswordHasher = passwords.DEFAULT,
) -> None:
    """Users change their own password (proving the current one); org managers reset other people's."""
    policy.check_may_set_password(principal, user_id)
    user = await _lock_user(session, user_id)
    policy.check_may_set_password(principal, user_id, user.role)
    if policy.is_self(principal, user_id):
        if not data.current_password:
            raise InvalidArgument("current_password", "enter your current password to set a new one")
        if not (await hasher.check_async(user.password_hash, data.current_password)).ok:
            raise InvalidArgument("current_password", "does not match your current password")
    user.password_hash = await hasher.hash_async(data.new_password)
    await session.flush()
