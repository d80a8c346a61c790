"""Address pools: inputs and who maintains a pool."""

import uuid

import pytest
from hypothesis import given, strategies as st
from pydantic import ValidationError

from kontor.platform.auth import Principal
from kontor.platform.errors import PermissionDenied

from kontor.contacts.pools.models import Pool
from kontor.contacts.pools.schemas import PoolCreate, PoolUpdate
from kontor.contacts.pools.service import _require_maintainer

TENANT = uuid.uuid4()
ROLES = ("org_manager", "superadmin", "sales_manager", "sales_rep", "customer_service", "technician")


def test_pools_are_private_unless_said_otherwise():
    assert PoolCreate(name=" Messe 2026 ").model_dump() == {"name": "Messe 2026", "visibility": "private"}
    with pytest.raises(ValidationError) as exc:
        PoolCreate(name="x", visibility="team")
    assert exc.value.errors()[0]["loc"] == ("visibility",)
    assert PoolUpdate(visibility="public").changes() == {"visibility": "public"}


@given(owner=st.sampled_from(["anna", "ben"]), caller=st.sampled_from(["anna", "ben"]),
       role=st.sampled_from(ROLES), visibility=st.sampled_from(["public", "private"]))
def test_the_owner_maintains_a_pool_and_org_managers_only_public_ones(owner, caller, role, visibility):
    pool = Pool(id=uuid.uuid4(), name="P", visibility=visibility, owner=owner, version=1)
    principal = Principal(subject=caller, tenant_id=TENANT, roles=(role,))
    allowed = caller == owner or (visibility == "public" and role in ("org_manager", "superadmin"))
    if allowed:
        _require_maintainer(principal, pool)
    else:
        with pytest.raises(PermissionDenied):
            _require_maintainer(principal, pool)
