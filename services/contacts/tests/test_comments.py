"""Comments: input limits, who counts as a portal user, and the proto translation."""

import uuid
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from kontor.platform.auth import Principal

from kontor.contacts.comments.models import Comment
from kontor.contacts.comments.schemas import MAX_BODY, CommentCreate, CommentUpdate
from kontor.contacts.comments.service import is_portal_user
from kontor.contacts.comments.servicer import to_proto

TENANT = uuid.uuid4()


def test_a_body_has_one_to_ten_thousand_characters():
    assert CommentCreate(record_type="company", body=" x ").body == "x"
    assert len(CommentUpdate(body="a" * MAX_BODY).body) == MAX_BODY
    for body in ("", "   ", "a" * (MAX_BODY + 1), "a\x00b"):
        with pytest.raises(ValidationError) as exc:
            CommentUpdate(body=body)
        assert exc.value.errors()[0]["loc"] == ("body",)


def test_comments_are_on_companies_or_contact_persons_only():
    with pytest.raises(ValidationError) as exc:
        CommentCreate(record_type="pool", body="x")
    assert exc.value.errors()[0]["loc"] == ("record_type",)


@pytest.mark.parametrize(("roles", "portal"), [
    (("portal_client",), True), (("sales_rep",), False), (("org_manager",), False), ((), False),
])
def test_portal_users_are_recognised_by_their_role(roles, portal):
    assert is_portal_user(Principal(subject="u", tenant_id=TENANT, roles=roles)) is portal


def test_edited_at_is_unset_until_the_first_edit():
    now = datetime.now(UTC)
    comment = Comment(id=uuid.uuid4(), record_type="company", record_id=uuid.uuid4(), author="u", body="Hallo",
                      version=1, created_at=now, edited_at=None)
    assert not to_proto(comment).HasField("edited_at")
    comment.edited_at, comment.version = now, 2
    message = to_proto(comment)
    assert message.HasField("edited_at") and message.version == 2 and message.body == "Hallo"
