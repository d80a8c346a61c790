"""The rights matrix: complete defaults, tenant overrides replacing exactly their pair, protected rights."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from kontor.platform.errors import InvalidArgument

from kontor.contacts.identity.rights import (
    ACTIONS, DEFAULT_RIGHTS, ENTITY_TYPES, ROLES, check_overridable, default_actions, effective_matrix,
)
from kontor.contacts.identity.schemas import RightSet

_PAIRS = st.tuples(st.sampled_from(ROLES), st.sampled_from(ENTITY_TYPES))
_ACTION_SETS = st.frozensets(st.sampled_from(ACTIONS))


def test_every_role_has_a_default_for_every_entity_type():
    assert set(DEFAULT_RIGHTS) == set(ROLES)
    for role, table in DEFAULT_RIGHTS.items():
        assert set(table) == set(ENTITY_TYPES), role
        assert all(actions <= set(ACTIONS) for actions in table.values())


def test_managers_run_the_tenant_and_portal_clients_get_nothing():
    for entity in ENTITY_TYPES:
        assert default_actions("org_manager", entity) == set(ACTIONS)
        assert default_actions("portal_client", entity) == frozenset()
    assert default_actions("sales_rep", "user") == {"read"}
    assert "create" not in default_actions("sales_manager", "user")
    assert default_actions("sales_rep", "rights") == frozenset()


def test_unknown_roles_and_entities_grant_nothing():
    assert default_actions("service", "company") == frozenset()
    assert default_actions("sales_rep", "spaceship") == frozenset()


@given(overrides=st.dictionaries(_PAIRS, _ACTION_SETS, max_size=20))
def test_overrides_replace_exactly_their_pair(overrides):
    matrix = effective_matrix(overrides)
    assert set(matrix) == {(role, entity) for role in ROLES for entity in ENTITY_TYPES}
    for (role, entity), actions in matrix.items():
        assert actions == overrides.get((role, entity), DEFAULT_RIGHTS[role][entity])


def test_no_override_means_the_defaults():
    assert effective_matrix({}) == {(r, e): DEFAULT_RIGHTS[r][e] for r in ROLES for e in ENTITY_TYPES}


@given(pair=_PAIRS)
def test_only_platform_and_lock_out_rights_are_protected(pair):
    role, entity = pair
    protected = role == "superadmin" or (role, entity) == ("org_manager", "rights")
    if protected:
        with pytest.raises(InvalidArgument):
            check_overridable(role, entity)
    else:
        check_overridable(role, entity)


def test_right_input_names_unknown_entity_types():
    with pytest.raises(ValueError) as exc:
        RightSet(role="sales_rep", entity_type="spaceship", create=True, read=True, update=False, delete=False)
    assert exc.value.errors()[0]["loc"] == ("entity_type",)
    granted = RightSet(role="sales_rep", entity_type="user", create=True, read=True, update=False, delete=False)
    assert granted.actions() == {"create", "read"}


def test_mail_import_entity_types_let_employees_use_mailboxes_and_file_mail():
    # mail-import asks CheckRight for "mail_account" (accounts, rules, import) and "mail" (filed mail).
    assert {"mail_account", "mail"} <= set(ENTITY_TYPES)
    for role in ("sales_manager", "sales_rep", "customer_service", "technician"):
        assert default_actions(role, "mail_account") == set(ACTIONS), role
        assert {"create", "read"} <= default_actions(role, "mail"), role
    assert "delete" not in default_actions("technician", "mail")
    assert RightSet(role="sales_rep", entity_type="mail", create=False, read=True, update=False,
                    delete=False).actions() == {"read"}
