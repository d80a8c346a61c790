"""Identity rules that need no database: input schemas, password hashing, role assignment, proto mapping, CLI."""

from __future__ import annotations

import argparse
import uuid
from datetime import UTC, datetime

import argon2
import pytest
from hypothesis import given, strategies as st
from pydantic import ValidationError

from kontor.platform.auth import Principal
from kontor.platform.errors import DomainError, InvalidArgument
from kontor.protos.contacts.v1 import identity_pb2 as pb

from kontor.contacts.identity import cli, passwords, policy, servicer
from kontor.contacts.identity.models import User, UserTeam
from kontor.contacts.identity.rights import ROLES
from kontor.contacts.identity.schemas import PasswordChange, TenantCreate, UserCreate, UserUpdate
from kontor.contacts.main import DEFINITION

PASSWORD = "correct horse battery staple"
# Cheap parameters keep the tests fast; production uses argon2-cffi's RFC 9106 defaults.
FAST = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}


def _user(**fields) -> UserCreate:
    return UserCreate(**{"email": "anna@muster.de", "display_name": "Anna", "role": "sales_rep",
                         "password": PASSWORD, **fields})


def _loc(exc: pytest.ExceptionInfo[ValidationError]) -> tuple:
    return exc.value.errors()[0]["loc"]


# --- schemas -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("given_slug", "stored"), [("muster", "muster"), (" Muster-GmbH ", "muster-gmbh"),
                                                    ("a1", "a1"), ("x" * 40, "x" * 40)])
def test_slugs_are_lower_cased(given_slug, stored):
    tenant = TenantCreate(slug=given_slug, name="Muster", admin={"email": "a@muster.de", "display_name": "A",
                                                                 "password": PASSWORD})
    assert tenant.slug == stored


@pytest.mark.parametrize("slug", ["a", "x" * 41, "-muster", "muster-", "mü", "mus ter", "mus_ter", ""])
def test_bad_slugs_name_the_field(slug):
    with pytest.raises(ValidationError) as exc:
        TenantCreate(slug=slug, name="M", admin={"email": "a@muster.de", "display_name": "A", "password": PASSWORD})
    assert _loc(exc) == ("slug",)


_LOCAL = st.from_regex(r"[a-z0-9][a-z0-9._+-]{0,20}", fullmatch=True)
_DOMAIN = st.from_regex(r"[a-z](?:[a-z0-9-]{0,10}[a-z0-9])?\.(de|com|org)", fullmatch=True)


def _scramble_case(text: str, flips: list[bool]) -> str:
    return "".join(ch.upper() if flip else ch for ch, flip in zip(text, flips + [False] * len(text), strict=False))


@given(local=_LOCAL, domain=_DOMAIN, flips=st.lists(st.booleans(), max_size=40),
       padding=st.sampled_from(["", " ", "  ", "\t"]))
def test_spellings_of_one_address_normalise_to_the_same_email(local, domain, flips, padding):
    address = f"{local}@{domain}"
    spelled = padding + _scramble_case(address, flips) + padding
    assert _user(email=spelled).email == _user(email=address).email == address


@pytest.mark.parametrize("zone", ["Europe/Berlin", "America/New_York", "UTC", "Asia/Kolkata"])
def test_iana_time_zones_are_accepted(zone):
    assert _user(time_zone=zone).time_zone == zone


@pytest.mark.parametrize("zone", ["Mars/Olympus", "CEST", "berlin", "../etc/passwd", "localtime", ""])
def test_unknown_time_zones_name_the_field(zone):
    with pytest.raises(ValidationError) as exc:
        _user(time_zone=zone)
    assert _loc(exc) == ("time_zone",)


@pytest.mark.parametrize(("fields", "bad_field"), [
    ({"password": "x" * 11}, "password"),
    ({"password": "x" * (passwords.MAX_LENGTH + 1)}, "password"),
    ({"locale": "fr"}, "locale"),
    ({"role": "king"}, "role"),
    ({"display_name": "   "}, "display_name"),
    ({"email": "anna"}, "email"),
    ({"team_ids": ["not-a-uuid"]}, "team_ids"),
])
def test_invalid_users_name_the_field(fields, bad_field):
    with pytest.raises(ValidationError) as exc:
        _user(**fields)
    assert _loc(exc)[0] == bad_field


def test_passwords_are_taken_as_typed_and_never_shown():
    data = _user(password="  spaces count  ")
    assert data.password == "  spaces count  "
    assert "spaces count" not in repr(data) and "spaces count" not in str(data)
    change = PasswordChange(current_password="old secret", new_password=PASSWORD)
    assert "old secret" not in repr(change) and PASSWORD not in repr(change)


def test_password_errors_do_not_echo_the_password():
    with pytest.raises(ValidationError) as exc:
        _user(password="hunter2")
    assert "hunter2" not in exc.value.errors()[0]["msg"]


def test_update_reports_only_the_fields_set():
    assert UserUpdate(display_name=" Anna B. ").changes() == {"display_name": "Anna B."}
    assert UserUpdate(team_ids=[]).changes() == {"team_ids": []}
    assert UserUpdate().changes() == {}


# --- passwords ---------------------------------------------------------------------------------------------


class CountingArgon2(argon2.PasswordHasher):
    """argon2-cffi's hasher, counting verifications (the expensive step timing attacks measure)."""

    def __init__(self, **params):
        super().__init__(**params)
        self.verifications = 0

    def verify(self, hash, password):  # noqa: A002 - argon2-cffi's parameter name
        self.verifications += 1
        return super().verify(hash, password)


def test_hashes_are_argon2id_and_verify():
    hasher = passwords.PasswordHasher(argon2.PasswordHasher(**FAST))
    stored = hasher.hash(PASSWORD)
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert hasher.check(stored, PASSWORD) == passwords.Verdict(ok=True)
    assert not hasher.check(stored, PASSWORD + "x").ok
    assert not hasher.check("not a hash", PASSWORD).ok


@pytest.mark.parametrize("case", ["right", "wrong", "unknown user"])
def test_every_check_does_exactly_one_full_verification(case):
    counting = CountingArgon2(**FAST)
    hasher = passwords.PasswordHasher(counting)
    stored = hasher.hash(PASSWORD)
    _ = hasher.check(None, "warm up the dummy hash")
    counting.verifications = 0
    verdict = {"right": lambda: hasher.check(stored, PASSWORD), "wrong": lambda: hasher.check(stored, "nope"),
               "unknown user": lambda: hasher.check(None, PASSWORD)}[case]()
    assert verdict.ok == (case == "right")
    assert counting.verifications == 1


def test_unknown_user_never_matches_even_the_dummy_password():
    hasher = passwords.PasswordHasher(argon2.PasswordHasher(**FAST))
    dummy_password = "kontor: no such account, verify anyway to take the same time"
    assert not hasher.check(None, dummy_password).ok


def test_hash_made_with_older_parameters_is_replaced_on_success():
    old = passwords.PasswordHasher(argon2.PasswordHasher(**FAST))
    new = passwords.PasswordHasher(argon2.PasswordHasher(**{**FAST, "time_cost": 2}))
    stored = old.hash(PASSWORD)
    verdict = new.check(stored, PASSWORD)
    assert verdict.ok and verdict.new_hash is not None and verdict.new_hash != stored
    assert new.check(verdict.new_hash, PASSWORD) == passwords.Verdict(ok=True)  # current: nothing to redo
    assert new.check(stored, "wrong password").new_hash is None


# --- who may give which role -------------------------------------------------------------------------------

_RANK = {"superadmin": 2, "org_manager": 1}


def _principal(*roles: str) -> Principal:
    return Principal(subject=str(uuid.uuid4()), tenant_id=uuid.uuid4(), roles=roles)


@given(roles=st.lists(st.sampled_from([*ROLES, "service"]), max_size=4, unique=True))
def test_nobody_gives_a_role_above_their_own(roles):
    caller_rank = max((_RANK.get(role, 0) for role in roles), default=0)
    given_roles = policy.assignable_roles(_principal(*roles))
    assert given_roles == {role for role in ROLES if _RANK.get(role, 0) <= caller_rank}
    assert policy.is_manager(_principal(*roles)) == (caller_rank > 0)


_PROFILE = {"display_name": "New Name", "time_zone": "Europe/Vienna", "locale": "en"}


def _reference_may_update(caller: set[str], own: bool, target_role: str, changed: dict, may_update_users: bool) -> bool:
    """The rules as the README states them, written out plainly (ranks instead of role sets)."""
    rank = max((_RANK.get(role, 0) for role in caller), default=0)
    if not may_update_users and not (own and set(changed) <= set(_PROFILE)):
        return False
    if _RANK.get(target_role, 0) == 2 and not own and rank < 2:
        return False
    if "role" in changed:
        new_role = changed["role"]
        if rank == 0 or _RANK.get(new_role, 0) > rank or own or "portal_client" in (target_role, new_role):
            return False
    return not (own and changed.get("active") is False)


@given(caller=st.sets(st.sampled_from([*ROLES, "service"]), max_size=3), own=st.booleans(),
       target_role=st.sampled_from(ROLES), may_update_users=st.booleans(),
       profile=st.sets(st.sampled_from(sorted(_PROFILE))), role=st.none() | st.sampled_from(ROLES),
       active=st.none() | st.booleans(), teams=st.booleans())
def test_account_changes_follow_the_rules(caller, own, target_role, may_update_users, profile, role, active, teams):
    target = uuid.uuid4()
    principal = Principal(subject=str(target) if own else "someone else", tenant_id=uuid.uuid4(),
                          roles=tuple(sorted(caller)))
    changed: dict[str, object] = {field: _PROFILE[field] for field in profile}
    if role is not None and role != target_role:
        changed["role"] = role
    if active is not None:
        changed["active"] = active
    if teams:
        changed["team_ids"] = [uuid.uuid4()]
    try:
        policy.check_may_edit(principal, target, set(changed), may_update_users=may_update_users)
        policy.check_changes(principal, target, target_role, changed)
        allowed = True
    except DomainError:
        allowed = False
    assert allowed == _reference_may_update(caller, own, target_role, changed, may_update_users)


@given(caller=st.sets(st.sampled_from(ROLES), max_size=2), own=st.booleans(), target_role=st.sampled_from(ROLES))
def test_passwords_of_others_are_set_by_managers_only(caller, own, target_role):
    target = uuid.uuid4()
    principal = Principal(subject=str(target) if own else "someone else", tenant_id=uuid.uuid4(),
                          roles=tuple(sorted(caller)))
    rank = max((_RANK.get(role, 0) for role in caller), default=0)
    expected = own or (rank >= 1 and (target_role != "superadmin" or rank == 2))
    try:
        policy.check_may_set_password(principal, target)
        policy.check_may_set_password(principal, target, target_role)
        allowed = True
    except DomainError:
        allowed = False
    assert allowed == expected


# --- proto mapping -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_role_maps_to_the_proto_enum_and_back(role):
    assert servicer.role_name(servicer.role_value(role)) == role


def test_unspecified_or_unknown_roles_are_rejected_naming_the_field():
    for value in (pb.ROLE_UNSPECIFIED, 99):
        with pytest.raises(ValidationError) as exc:
            servicer.user_create_from_proto(pb.CreateUserRequest(email="a@b.de", display_name="A", role=value,
                                                                 password=PASSWORD))
        assert _loc(exc) == ("role",)


def test_empty_time_zone_and_locale_take_the_defaults():
    data = servicer.user_create_from_proto(pb.CreateUserRequest(email="a@b.de", display_name="A",
                                                                role=pb.ROLE_TECHNICIAN, password=PASSWORD))
    assert (data.time_zone, data.locale, data.contact_person_id) == ("Europe/Berlin", "de", None)


def test_team_ids_change_only_with_the_replace_flag():
    team = str(uuid.uuid4())
    with pytest.raises(InvalidArgument) as exc:
        servicer.user_update_from_proto(pb.UpdateUserRequest(id=team, expected_version=1, team_ids=[team]))
    assert exc.value.field == "replace_team_ids"
    cleared = servicer.user_update_from_proto(pb.UpdateUserRequest(expected_version=1, replace_team_ids=True))
    assert cleared.changes() == {"team_ids": []}
    renamed = servicer.user_update_from_proto(pb.UpdateUserRequest(expected_version=1, display_name="B",
                                                                   role=pb.ROLE_SALES_MANAGER))
    assert renamed.changes() == {"display_name": "B", "role": "sales_manager"}


def test_user_answers_never_carry_the_password_hash():
    now = datetime.now(UTC)
    team = uuid.uuid4()
    user = User(id=uuid.uuid4(), tenant_id=uuid.uuid4(), email="a@b.de", display_name="A", role="sales_rep",
                active=True, time_zone="Europe/Berlin", locale="de", password_hash="$argon2id$v=19$SECRETHASH",
                version=1, created_at=now, updated_at=now, team_links=[UserTeam(team_id=team)])
    answer = servicer.user_to_proto(user)
    assert b"SECRETHASH" not in answer.SerializeToString()
    assert list(answer.team_ids) == [str(team)] and answer.contact_person_id == ""


# --- the create-tenant command -----------------------------------------------------------------------------


def _args(**overrides) -> argparse.Namespace:
    return argparse.Namespace(**{"slug": "muster", "name": "Muster GmbH", "admin_email": "a@muster.de",
                                 "admin_display_name": "Anna", **overrides})


def test_create_tenant_is_a_contacts_command():
    assert "create-tenant" in DEFINITION.commands


@pytest.mark.parametrize(("overrides", "password", "named"), [
    ({}, "too short", cli.PASSWORD_ENV),
    ({"slug": "-bad-"}, PASSWORD, "--slug"),
    ({"admin_email": "nobody"}, PASSWORD, "--admin-email"),
])
def test_create_tenant_refuses_bad_input_before_touching_the_database(monkeypatch, overrides, password, named):
    monkeypatch.setenv(cli.PASSWORD_ENV, password)
    with pytest.raises(SystemExit) as exc:
        cli.CREATE_TENANT.run(_args(**overrides), settings=None)
    assert named in str(exc.value.code) and password not in str(exc.value.code)


def test_create_tenant_without_password_and_terminal_says_how(monkeypatch):
    monkeypatch.delenv(cli.PASSWORD_ENV, raising=False)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    with pytest.raises(SystemExit) as exc:
        cli.CREATE_TENANT.run(_args(), settings=None)
    assert cli.PASSWORD_ENV in str(exc.value.code)
