"""Whose mailbox a connector may sync: a personal connector only its user's own.

A connector reads every appointment of a mailbox into the CRM under its user's name. So a personal one must
be the mailbox of the user it belongs to: the address of their CRM account (contacts' directory, asked with
the caller's token; a user reads their own account, a manager everyone's). Managers register mailboxes of
people who are not CRM users (a workshop, a trainee) as ``other_calendar`` connectors, which they own; those
have no CRM account to compare with, and only managers may create them (``service.create_connector``).

The comparison is case-insensitive (e-mail domains and Exchange addresses are). A mismatch, or a user
without an address, answers INVALID_ARGUMENT naming ``mailbox``.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from kontor.platform.errors import InvalidArgument

# The address of a CRM user's account, None when the directory has none (or no such user).
UserEmail = Callable[[uuid.UUID], Awaitable[str | None]]


async def check_mailbox(user_email: UserEmail, *, kind: str, user_id: uuid.UUID, mailbox: str) -> None:
    if kind != "personal":
        return
    email = await user_email(user_id)
    if not email:
        raise InvalidArgument("mailbox", "the connector's user has no e-mail address in the CRM to check the mailbox "
                                         "against; set it on their account first (or, as a manager, register the "
                                         "mailbox as another calendar)")
    if email.strip().casefold() != mailbox.strip().casefold():
        raise InvalidArgument("mailbox", "must be the connector user's own mailbox: the e-mail address of their CRM "
                                         "account. Managers connect other people's mailboxes as other calendars "
                                         "(kind other_calendar)")
