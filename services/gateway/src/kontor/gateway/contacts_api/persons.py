"""/api/v1/persons and /api/v1/companies/{id}/persons: the contact persons of companies."""

from __future__ import annotations

from datetime import UTC
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from kontor.platform.grpc_client import call
from kontor.protos.contacts.v1 import persons_pb2

from kontor.gateway.contacts_api.companies import CompanyId, PageSize, PageToken
from kontor.gateway.contacts_api.http_edge import (
    IfMatch, create_or_duplicate, expected_version, is_problem, path_id, problems, set_etag,
)
from kontor.gateway.contacts_api.schemas import (
    EmailAddress, PersonCreate, PersonPage, PersonRead, PersonUpdate, PhoneNumberRead,
)

COLLECTION = "/api/v1/persons"
_TEXT_FIELDS = ("salutation", "title", "first_name", "last_name", "role", "notes")

PersonId = Annotated[str, Path(description="UUID of the contact person; anything else answers 422 naming person_id")]
Sort = Annotated[str, Query(max_length=20, description="last_name, created_at or updated_at; prefix '-' for "
                                                       "descending")]


def person_read(p: persons_pb2.ContactPerson) -> PersonRead:
    return PersonRead(
        id=p.id, company_id=p.company_id, version=p.version, birthday=p.birthday or None,
        emails=[EmailAddress(address=e.address, label=e.label, primary=e.primary) for e in p.emails],
        phones=[PhoneNumberRead(number=n.number, label=n.label, e164=n.e164) for n in p.phones],
        created_at=p.created_at.ToDatetime(UTC), updated_at=p.updated_at.ToDatetime(UTC),
        **{field: getattr(p, field) for field in _TEXT_FIELDS},
    )


def _emails(items: list[EmailAddress]) -> list[persons_pb2.EmailAddress]:
    return [persons_pb2.EmailAddress(**e.model_dump()) for e in items]


def _phones(items) -> list[persons_pb2.PhoneNumber]:
    return [persons_pb2.PhoneNumber(**p.model_dump()) for p in items]


def _update_request(person_id: str, version: int, body: PersonUpdate) -> persons_pb2.UpdateContactPersonRequest:
    request = persons_pb2.UpdateContactPersonRequest(id=person_id, expected_version=version)
    fields = body.model_dump(exclude_unset=True, include=set(_TEXT_FIELDS))
    for field, value in fields.items():
        if value is not None:
            setattr(request, field, value)
    if body.emails is not None:
        request.emails.items.extend(_emails(body.emails))
        request.emails.SetInParent()  # an empty list still means "remove all"
    if body.phones is not None:
        request.phones.items.extend(_phones(body.phones))
        request.phones.SetInParent()
    if "birthday" in body.model_fields_set:
        request.birthday = body.birthday.isoformat() if body.birthday else ""  # null clears
    return request


def router(persons) -> tuple[APIRouter, APIRouter]:
    """(routes under /companies/{id}/persons, routes under /persons); ``persons`` returns the stub."""
    nested = APIRouter(prefix="/api/v1/companies/{company_id}/persons", tags=["persons"])
    api = APIRouter(prefix=COLLECTION, tags=["persons"])

    @nested.post("", status_code=status.HTTP_201_CREATED, response_model=PersonRead,
                 responses=problems(403, 409), summary="Add a contact person to a company",
                 description="409 when a person with one of the email addresses exists: the problem's `existing` "
                 "links it. Send `confirm_duplicate: true` to create anyway.")
    async def create_person(company_id: CompanyId, body: PersonCreate, response: Response):
        request = persons_pb2.CreateContactPersonRequest(
            company_id=path_id(company_id, "company_id"), emails=_emails(body.emails), phones=_phones(body.phones),
            birthday=body.birthday.isoformat() if body.birthday else "", confirm_duplicate=body.confirm_duplicate,
            **body.model_dump(include=set(_TEXT_FIELDS)),
        )
        created = await create_or_duplicate(persons().CreateContactPerson, request, collection=COLLECTION)
        if is_problem(created):
            return created
        response.headers["Location"] = f"{COLLECTION}/{created.id}"
        set_etag(response, created.version)
        return person_read(created)

    @nested.get("", response_model=PersonPage, responses=problems(403), summary="List a company's contact persons")
    async def list_company_persons(company_id: CompanyId, page_size: PageSize = 50, page_token: PageToken = "",
                                   sort: Sort = "last_name") -> PersonPage:
        return await _list(path_id(company_id, "company_id"), page_size, page_token, sort)

    @api.get("", response_model=PersonPage, responses=problems(403), summary="List contact persons of all companies")
    async def list_persons(page_size: PageSize = 50, page_token: PageToken = "",
                           sort: Sort = "last_name") -> PersonPage:
        return await _list("", page_size, page_token, sort)

    async def _list(company_id: str, page_size: int, page_token: str, sort: str) -> PersonPage:
        page = await call(persons().ListContactPersons, persons_pb2.ListContactPersonsRequest(
            company_id=company_id, page_size=page_size, page_token=page_token, sort=sort))
        return PersonPage(items=[person_read(p) for p in page.persons], next_page_token=page.next_page_token)

    @api.get("/{person_id}", response_model=PersonRead, responses=problems(403), summary="Read a contact person")
    async def get_person(person_id: PersonId, response: Response) -> PersonRead:
        person = await call(persons().GetContactPerson,
                            persons_pb2.GetContactPersonRequest(id=path_id(person_id, "person_id")))
        set_etag(response, person.version)
        return person_read(person)

    @api.patch("/{person_id}", response_model=PersonRead, responses=problems(403, 412, 428),
               summary="Change some fields of a contact person (If-Match required)")
    async def update_person(person_id: PersonId, body: PersonUpdate, response: Response,
                            if_match: IfMatch = None) -> PersonRead:
        request = _update_request(path_id(person_id, "person_id"), expected_version(if_match), body)
        person = await call(persons().UpdateContactPerson, request)
        set_etag(response, person.version)
        return person_read(person)

    @api.delete("/{person_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problems(403, 412, 428),
                summary="Delete a contact person (If-Match required)")
    async def delete_person(person_id: PersonId, if_match: IfMatch = None) -> Response:
        await call(persons().DeleteContactPerson, persons_pb2.DeleteContactPersonRequest(
            id=path_id(person_id, "person_id"), expected_version=expected_version(if_match)))
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return nested, api
