"""A personal connector syncs its own user's mailbox only (connectors/ownership.py); the real directory lookup
runs in tests/integration/test_connectors_api.py."""

from __future__ import annotations

import uuid

import pytest

from kontor.platform.errors import InvalidArgument

from kontor.calendar_sync.connectors.ownership import check_mailbox

ANNA = uuid.uuid4()


def directory(known: dict[uuid.UUID, str | None]):
    asked: list[uuid.UUID] = []

    async def user_email(user_id: uuid.UUID) -> str | None:
        asked.append(user_id)
        return known.get(user_id)

    return user_email, asked


async def test_the_users_own_address_in_any_case_is_accepted():
    lookup, asked = directory({ANNA: "anna@example.com"})
    await check_mailbox(lookup, kind="personal", user_id=ANNA, mailbox="Anna@Example.COM")
    assert asked == [ANNA]


@pytest.mark.parametrize("known", [{ANNA: "anna@example.com"}, {ANNA: None}, {}])
async def test_another_address_or_no_address_is_refused_naming_mailbox(known):
    lookup, _ = directory(known)
    with pytest.raises(InvalidArgument) as err:
        await check_mailbox(lookup, kind="personal", user_id=ANNA, mailbox="ben@example.com")
    assert err.value.field == "mailbox"


async def test_other_calendars_are_not_checked_against_a_crm_account():
    lookup, asked = directory({})
    await check_mailbox(lookup, kind="other_calendar", user_id=ANNA, mailbox="werkstatt@example.com")
    assert asked == []
