"""Who may do what to user accounts, beyond the plain role rights. Pure functions, no database.

- Nobody gives a role above their own: superadmins give any role, org managers
  any but superadmin, everybody else only the non-manager roles.
- Everybody may edit their own display name, time zone and locale; anything
  else on an account needs the right to update users.
- Only org managers (and superadmins) change roles or set other people's
  passwords; nobody changes their own role or deactivates themselves, so a
  tenant cannot lose its last manager by accident.
- A superadmin's account is touched only by superadmins (or its owner).
- Portal logins and employee accounts are separate; a role never crosses over.
"""

from __future__ import annotations

import uuid

from kontor.platform.auth import Principal
from kontor.platform.errors import InvalidArgument, PermissionDenied

from kontor.contacts.identity.rights import ROLES

MANAGER_ROLES = frozenset({"org_manager", "superadmin"})
SELF_EDITABLE = frozenset({"display_name", "time_zone", "locale"})


def is_manager(principal: Principal) -> bool:
    return not MANAGER_ROLES.isdisjoint(principal.roles)


def is_self(principal: Principal, user_id: uuid.UUID) -> bool:
    return principal.subject == str(user_id)


def assignable_roles(principal: Principal) -> frozenset[str]:
    if "superadmin" in principal.roles:
        return frozenset(ROLES)
    if "org_manager" in principal.roles:
        return frozenset(ROLES) - {"superadmin"}
    return frozenset(ROLES) - MANAGER_ROLES


def check_may_give(principal: Principal, role: str) -> None:
    if role not in assignable_roles(principal):
        raise PermissionDenied(f"your role may not give the role {role}; ask an org manager")


def check_may_edit(principal: Principal, user_id: uuid.UUID, fields: set[str], *, may_update_users: bool) -> None:
    """Before the account is read: a missing right answers 403 whether or not the id exists."""
    if may_update_users:
        return
    if not is_self(principal, user_id):
        raise PermissionDenied("your role may not update other users; ask an org manager for the right")
    forbidden = sorted(fields - SELF_EDITABLE)
    if forbidden:
        raise PermissionDenied(f"on your own account you may change display_name, time_zone and locale, not "
                               f"{', '.join(forbidden)}; ask an org manager")


def _check_superadmin_account(principal: Principal, user_id: uuid.UUID, user_role: str) -> None:
    if user_role == "superadmin" and not is_self(principal, user_id) and "superadmin" not in principal.roles:
        raise PermissionDenied("only superadmins may change a superadmin's account")


def check_changes(principal: Principal, user_id: uuid.UUID, user_role: str, changed: dict[str, object]) -> None:
    """After the account is read: ``changed`` holds only the fields whose values really differ."""
    _check_superadmin_account(principal, user_id, user_role)
    if "role" in changed:
        new_role = str(changed["role"])
        if not is_manager(principal):
            raise PermissionDenied("only org managers may change roles")
        check_may_give(principal, new_role)
        if is_self(principal, user_id):
            raise InvalidArgument("role", "you cannot change your own role; ask another org manager")
        if "portal_client" in (user_role, new_role):
            raise InvalidArgument("role", "portal logins and employee accounts are separate; create a new user")
    if changed.get("active") is False and is_self(principal, user_id):
        raise InvalidArgument("active", "you cannot deactivate your own account; ask another org manager")


def check_may_set_password(principal: Principal, user_id: uuid.UUID, user_role: str | None = None) -> None:
    """``user_role`` None: before the account is read (then only the caller's own standing counts)."""
    if not is_self(principal, user_id) and not is_manager(principal):
        raise PermissionDenied("only org managers may set other users' passwords; change your own instead")
    if user_role is not None:
        _check_superadmin_account(principal, user_id, user_role)
