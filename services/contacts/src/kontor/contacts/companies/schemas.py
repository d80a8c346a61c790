"""Validated input of the companies domain. The edges build these; pydantic errors name the field."""

from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from kontor.contacts import contact_data
from kontor.contacts.inputs import Input

CompanyKind = Literal["lead", "customer"]
# Annual revenue band in EUR. Bands, not amounts: sales people estimate, and a
# band is what assignment rules and customer groups compare against.
RevenueTier = Literal["", "<10k", "10k-100k", "100k-1m", ">1m"]
REVENUE_TIERS: tuple[str, ...] = RevenueTier.__args__
# Who may see the record; the rules themselves live in the access domain.
AccessLevel = Literal["private", "team", "company", "restricted"]
ACCESS_LEVELS: tuple[str, ...] = AccessLevel.__args__


def _country(value: str) -> str:
    code = value.upper()
    if code and (len(code) != 2 or not code.isascii() or not code.isalpha()):
        raise ValueError("must be an ISO 3166-1 alpha-2 code such as DE, AT or CH")
    return code


def _website(value: str) -> str:
    contact_data.website_domain(value)  # raises ValueError with a helpful message
    return value


def _email(value: str) -> str:
    return contact_data.normalise_email(value) if value else ""


Name = Annotated[str, Field(min_length=1, max_length=200)]
Street = Annotated[str, Field(max_length=200)]
PostalCode = Annotated[str, Field(max_length=20, pattern=r"^[A-Za-z0-9 \-]*$")]
City = Annotated[str, Field(max_length=100)]
Region = Annotated[str, Field(max_length=100)]
Country = Annotated[str, Field(max_length=2), AfterValidator(_country)]
Industry = Annotated[str, Field(max_length=100)]
Website = Annotated[str, Field(max_length=300), AfterValidator(_website)]
Email = Annotated[str, Field(max_length=254), AfterValidator(_email)]
Notes = Annotated[str, Field(max_length=10_000)]


class CompanyCreate(Input):
    name: Name
    kind: CompanyKind = "lead"
    street: Street = ""
    postal_code: PostalCode = ""
    city: City = ""
    region: Region = ""
    country: Country = ""
    industry: Industry = ""
    revenue_tier: RevenueTier = ""
    website: Website = ""
    email: Email = ""
    notes: Notes = ""
    access_level: AccessLevel = "company"
    confirm_duplicate: bool = False


class CompanyUpdate(Input):
    """Only the fields present change (``model_fields_set``); the kind changes by conversion only."""

    name: Name | None = None
    street: Street | None = None
    postal_code: PostalCode | None = None
    city: City | None = None
    region: Region | None = None
    country: Country | None = None
    industry: Industry | None = None
    revenue_tier: RevenueTier | None = None
    website: Website | None = None
    email: Email | None = None
    notes: Notes | None = None
    access_level: AccessLevel | None = None

    def changes(self) -> dict[str, str]:
        """The fields the caller set. null counts as not set: every field has a non-null empty form."""
        return {name: value for name, value in self.model_dump(exclude_unset=True).items() if value is not None}


class CompanyFilter(Input):
    kind: CompanyKind | None = None
    industry: Industry = ""
    city: City = ""
    postal_code_prefix: PostalCode = ""
