"""Turning a raw file row into the API's validated inputs (the same schemas as the REST/gRPC create calls)."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError

from kontor.contacts.companies.duplicates import text_key
from kontor.contacts.companies.schemas import CompanyCreate
from kontor.contacts.imports.reading import COMPANY_FIELDS, SourceRow
from kontor.contacts.persons.schemas import ContactPersonCreate

_PERSON_TEXT = {"person_first_name": "first_name", "person_last_name": "last_name",
                "person_salutation": "salutation", "person_title": "title", "person_role": "role"}


@dataclass
class ValidRow:
    number: int
    company: CompanyCreate
    person: ContactPersonCreate | None
    # Rows naming the same company (name and city) as an earlier row add their person to that company.
    group_key: str


@dataclass
class InvalidRow:
    number: int
    field: str
    reason: str


def _first_error(exc: ValidationError, prefix: str) -> tuple[str, str]:
    error = exc.errors()[0]
    location = ".".join(str(part) for part in error["loc"])
    return prefix + location, error["msg"]


def _person_input(row: SourceRow, confirm: bool) -> ContactPersonCreate | None:
    values = row.values
    emails = row.emails or [values[key] for key in ("person_email",) if values.get(key)]
    phones = row.phones or [(values[key], label) for key, label in (("person_phone", "office"),
                                                                     ("person_mobile", "mobile"))
                            if values.get(key)]
    texts = {target: values.get(source, "") for source, target in _PERSON_TEXT.items()}
    if not any(texts.values()) and not emails and not phones:
        return None
    if row.values.get("notes") and row.emails:  # vCard NOTE is about the person
        texts["notes"] = row.values["notes"]
    return ContactPersonCreate(
        **texts, emails=[{"address": address} for address in emails],
        phones=[{"number": number, "label": label} for number, label in phones], confirm_duplicate=confirm,
    )


def validate(row: SourceRow, *, confirm_duplicates: bool) -> ValidRow | InvalidRow:
    """The row as create inputs, or the first field at fault (company fields by column, person ones "person.")."""
    company_values = {name: row.values[name] for name in COMPANY_FIELDS if row.values.get(name)}
    if row.emails:
        company_values.pop("notes", None)  # vCard NOTE belongs to the person
    try:
        company = CompanyCreate(**company_values, confirm_duplicate=confirm_duplicates)
    except ValidationError as exc:
        return InvalidRow(row.number, *_first_error(exc, ""))
    try:
        person = _person_input(row, confirm_duplicates)
    except ValidationError as exc:
        return InvalidRow(row.number, *_first_error(exc, "person."))
    return ValidRow(row.number, company, person, f"{text_key(company.name)}|{text_key(company.city)}")
