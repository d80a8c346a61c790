"""Validated input of contact persons. Errors name the field, e.g. "emails.1.address"."""

from datetime import date
from typing import Annotated

from pydantic import AfterValidator, Field

from kontor.contacts import contact_data
from kontor.contacts.inputs import Input

MAX_ENTRIES = 20


def _birthday(value: date | None) -> date | None:
    if value is not None and not date(1900, 1, 1) <= value <= date.today():
        raise ValueError("must be a date between 1900-01-01 and today")
    return value


def _phone(value: str) -> str:
    contact_data.normalise_phone(value)  # raises ValueError for text that is no phone number
    return value


Label = Annotated[str, Field(max_length=40)]
ShortText = Annotated[str, Field(max_length=40)]
PersonName = Annotated[str, Field(max_length=100)]
Birthday = Annotated[date | None, AfterValidator(_birthday)]
Notes = Annotated[str, Field(max_length=10_000)]


class EmailAddress(Input):
    address: Annotated[str, Field(max_length=254), AfterValidator(contact_data.normalise_email)]
    label: Label = ""
    primary: bool = False


class PhoneNumber(Input):
    number: Annotated[str, Field(min_length=1, max_length=40), AfterValidator(_phone)]
    label: Label = ""


def _emails(items: list[EmailAddress]) -> list[EmailAddress]:
    """Unique addresses, exactly one primary when there are any (the first, unless one is marked)."""
    addresses = [item.address for item in items]
    if len(set(addresses)) != len(addresses):
        raise ValueError("lists an address twice; keep each address once")
    primaries = [item for item in items if item.primary]
    if len(primaries) > 1:
        raise ValueError("marks more than one address as primary; mark one")
    if items and not primaries:
        items = [items[0].model_copy(update={"primary": True}), *items[1:]]
    return items


Emails = Annotated[list[EmailAddress], Field(max_length=MAX_ENTRIES), AfterValidator(_emails)]
Phones = Annotated[list[PhoneNumber], Field(max_length=MAX_ENTRIES)]


class ContactPersonCreate(Input):
    salutation: ShortText = ""
    title: ShortText = ""
    first_name: PersonName = ""
    last_name: Annotated[str, Field(min_length=1, max_length=100)]
    role: PersonName = ""
    emails: Emails = []
    phones: Phones = []
    birthday: Birthday = None
    notes: Notes = ""
    confirm_duplicate: bool = False


class ContactPersonUpdate(Input):
    """Only the fields present change; a list replaces the whole list; birthday null clears it."""

    salutation: ShortText | None = None
    title: ShortText | None = None
    first_name: PersonName | None = None
    last_name: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    role: PersonName | None = None
    emails: Emails | None = None
    phones: Phones | None = None
    birthday: Birthday = None
    notes: Notes | None = None

    def changes(self) -> dict:
        """The fields the caller set; null counts as not set except for the birthday, where it clears."""
        return {name: value for name, value in self.model_dump(exclude_unset=True).items()
                if value is not None or name == "birthday"}
