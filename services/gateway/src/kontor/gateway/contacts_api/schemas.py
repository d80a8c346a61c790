"""Request and response bodies of /api/v1/companies and /api/v1/persons (what /docs shows).

Shapes and limits only; the contacts service owns the rules (address formats,
duplicates, versions) and its INVALID_ARGUMENT names the field that broke one.
"""

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

CompanyKind = Literal["lead", "customer"]
RevenueTier = Literal["", "<10k", "10k-100k", "100k-1m", ">1m"]
AccessLevel = Literal["private", "team", "company", "restricted"]

_TIER = "Annual revenue band in EUR"
_ACCESS = "Who may see it: private (assignees), team, company (whole tenant) or restricted (active projects)"


class _CompanyFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    street: str = Field(default="", max_length=200)
    postal_code: str = Field(default="", max_length=20)
    city: str = Field(default="", max_length=100)
    region: str = Field(default="", max_length=100)
    country: str = Field(default="", max_length=2, description="ISO 3166-1 alpha-2, e.g. DE")
    industry: str = Field(default="", max_length=100)
    revenue_tier: RevenueTier = Field(default="", description=_TIER)
    website: str = Field(default="", max_length=300, description="e.g. https://www.muster.de")
    email: str = Field(default="", max_length=254, description="General address, e.g. info@muster.de")
    notes: str = Field(default="", max_length=10_000)
    access_level: AccessLevel = Field(default="company", description=_ACCESS)


class CompanyCreate(_CompanyFields):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"name": "Muster GmbH", "kind": "customer", "street": "Hauptstr. 1", "postal_code": "10115",
         "city": "Berlin", "country": "DE", "industry": "IT", "revenue_tier": "100k-1m",
         "website": "https://www.muster.de"}]})

    name: str = Field(min_length=1, max_length=200, description="Display name")
    kind: CompanyKind = Field(default="lead", description="A lead becomes a customer by conversion")
    confirm_duplicate: bool = Field(default=False, description="Create even when a likely duplicate exists")


class CompanyUpdate(BaseModel):
    """Send only the fields to change; the kind changes by POST .../convert."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"city": "Hamburg",
                                                                              "postal_code": "20095"}]})

    name: str | None = Field(default=None, min_length=1, max_length=200)
    street: str | None = Field(default=None, max_length=200)
    postal_code: str | None = Field(default=None, max_length=20)
    city: str | None = Field(default=None, max_length=100)
    region: str | None = Field(default=None, max_length=100)
    country: str | None = Field(default=None, max_length=2)
    industry: str | None = Field(default=None, max_length=100)
    revenue_tier: RevenueTier | None = Field(default=None, description=_TIER)
    website: str | None = Field(default=None, max_length=300)
    email: str | None = Field(default=None, max_length=254)
    notes: str | None = Field(default=None, max_length=10_000)
    access_level: AccessLevel | None = Field(default=None, description=_ACCESS)


class CompanyRead(BaseModel):
    id: str
    name: str
    kind: CompanyKind
    street: str
    postal_code: str
    city: str
    region: str
    country: str
    industry: str
    revenue_tier: RevenueTier
    website: str
    email: str
    notes: str
    access_level: AccessLevel
    version: int = Field(description="Increases with every change; send it back as If-Match")
    created_at: datetime
    updated_at: datetime


class CompanyPage(BaseModel):
    items: list[CompanyRead]
    next_page_token: str = Field(description="Pass as page_token for the next page; empty on the last page")


class HistoryEntryRead(BaseModel):
    field: str = Field(description='The changed field, or "created" / "deleted"')
    old_value: str
    new_value: str
    changed_by: str = Field(description="User id of whoever made the change")
    changed_at: datetime
    version: int = Field(description="The company's version after the change")


class HistoryPage(BaseModel):
    items: list[HistoryEntryRead]
    next_page_token: str


class EmailAddress(BaseModel):
    model_config = ConfigDict(extra="forbid")

    address: str = Field(max_length=254, description="Stored lower-case")
    label: str = Field(default="", max_length=40, description='e.g. "work"')
    primary: bool = Field(default=False, description="At most one; the first address when none is marked")


class PhoneNumberIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: str = Field(min_length=1, max_length=40, description="As dialled, e.g. +49 30 1234567 or 030 1234567")
    label: str = Field(default="", max_length=40)


class PhoneNumberRead(PhoneNumberIn):
    e164: str = Field(description="Normalised form (+4930...), empty when it could not be derived")


class _PersonFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    salutation: str = Field(default="", max_length=40, description='e.g. "Frau", "Herr"')
    title: str = Field(default="", max_length=40, description='e.g. "Dr."')
    first_name: str = Field(default="", max_length=100)
    role: str = Field(default="", max_length=100, description='Role at the company, e.g. "Einkaufsleiter"')
    emails: list[EmailAddress] = Field(default_factory=list, max_length=20)
    phones: list[PhoneNumberIn] = Field(default_factory=list, max_length=20)
    birthday: date | None = None
    notes: str = Field(default="", max_length=10_000)


class PersonCreate(_PersonFields):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"salutation": "Frau", "first_name": "Erika", "last_name": "Mustermann", "role": "Einkaufsleiterin",
         "emails": [{"address": "erika@muster.de", "label": "work"}],
         "phones": [{"number": "030 1234567", "label": "office"}]}]})

    last_name: str = Field(min_length=1, max_length=100)
    confirm_duplicate: bool = Field(default=False, description="Create even when a person has the same email")


class PersonUpdate(BaseModel):
    """Send only the fields to change; a list replaces the whole list; birthday null clears it."""

    model_config = ConfigDict(extra="forbid")

    salutation: str | None = Field(default=None, max_length=40)
    title: str | None = Field(default=None, max_length=40)
    first_name: str | None = Field(default=None, max_length=100)
    last_name: str | None = Field(default=None, min_length=1, max_length=100)
    role: str | None = Field(default=None, max_length=100)
    emails: list[EmailAddress] | None = Field(default=None, max_length=20)
    phones: list[PhoneNumberIn] | None = Field(default=None, max_length=20)
    birthday: date | None = None
    notes: str | None = Field(default=None, max_length=10_000)


class PersonRead(BaseModel):
    id: str
    company_id: str
    salutation: str
    title: str
    first_name: str
    last_name: str
    role: str
    emails: list[EmailAddress]
    phones: list[PhoneNumberRead]
    birthday: date | None
    notes: str
    version: int = Field(description="Increases with every change; send it back as If-Match")
    created_at: datetime
    updated_at: datetime


class PersonPage(BaseModel):
    items: list[PersonRead]
    next_page_token: str
