"""Validated input of the identity domain. The edges build these; pydantic errors name the field.

Passwords are never stripped or otherwise changed: what the user typed is what is hashed.
"""

from __future__ import annotations

import re
import uuid
import zoneinfo
from functools import cache
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from kontor.contacts import contact_data
from kontor.contacts.identity import passwords
from kontor.contacts.identity.rights import ENTITY_TYPES, ROLES

RoleName = Literal[ROLES]  # type: ignore[valid-type]  # ROLES is a tuple of literals
Locale = Literal["de", "en"]
DEFAULT_TIME_ZONE = "Europe/Berlin"
DEFAULT_LOCALE: Locale = "de"
MANAGEMENT_TEAM = "Management"

_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])$")


def normalise_slug(value: str) -> str:
    slug = value.strip().lower()
    if not _SLUG.match(slug):
        raise ValueError("use 2 to 40 lower-case letters, digits and '-', starting and ending with a letter or digit "
                         "(e.g. muster-gmbh)")
    return slug


def normalise_email(value: str) -> str:
    return contact_data.normalise_email(value)


# Files in the zone database that are not zones: "localtime" is whatever the host is set to.
_NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})


@cache
def _known_time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones()) - _NOT_ZONES


def _time_zone(value: str) -> str:
    if value not in _known_time_zones():
        raise ValueError("is not an IANA time zone; use a name such as Europe/Berlin or America/New_York")
    return value


def _password(value: str) -> str:
    if len(value) < passwords.MIN_LENGTH:
        raise ValueError(f"must be at least {passwords.MIN_LENGTH} characters; several words are easy to remember "
                         f"and hard to guess (mindestens {passwords.MIN_LENGTH} Zeichen)")
    if len(value) > passwords.MAX_LENGTH:
        raise ValueError(f"must be at most {passwords.MAX_LENGTH} characters")
    return value


Slug = Annotated[str, AfterValidator(normalise_slug)]
Email = Annotated[str, AfterValidator(normalise_email)]
DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
TenantName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
TeamName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
TimeZone = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_time_zone)]
# repr=False: a logged or printed input never shows a password.
Password = Annotated[str, Field(repr=False), AfterValidator(_password)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AdminCreate(_Input):
    """The first org manager of a new tenant."""

    email: Email
    display_name: DisplayName
    password: Password


class TenantCreate(_Input):
    slug: Slug
    name: TenantName
    admin: AdminCreate


class TeamCreate(_Input):
    name: TeamName


class UserCreate(_Input):
    email: Email
    display_name: DisplayName
    role: RoleName
    team_ids: list[uuid.UUID] = Field(default_factory=list)
    password: Password
    time_zone: TimeZone = DEFAULT_TIME_ZONE
    locale: Locale = DEFAULT_LOCALE
    contact_person_id: uuid.UUID | None = None


class UserUpdate(_Input):
    """Only the fields present change; ``team_ids`` present means "replace the memberships with these"."""

    display_name: DisplayName | None = None
    role: RoleName | None = None
    team_ids: list[uuid.UUID] | None = None
    active: bool | None = None
    time_zone: TimeZone | None = None
    locale: Locale | None = None

    def changes(self) -> dict[str, object]:
        return {name: value for name, value in self.model_dump(exclude_unset=True).items() if value is not None}


class PasswordChange(_Input):
    current_password: str = Field(default="", max_length=passwords.MAX_LENGTH, repr=False)
    new_password: Password


class RightSet(_Input):
    role: RoleName
    entity_type: Literal[ENTITY_TYPES]  # type: ignore[valid-type]
    create: bool
    read: bool
    update: bool
    delete: bool

    def actions(self) -> frozenset[str]:
        return frozenset(a for a in ("create", "read", "update", "delete") if getattr(self, a))
