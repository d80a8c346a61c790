"""What the companies and persons routes share: ids in paths, ETag/If-Match, duplicate answers, OpenAPI problems."""

from __future__ import annotations

import uuid
from typing import Annotated

import grpc
from fastapi import Header, Response
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from kontor.platform.errors import InvalidArgument
from kontor.platform.grpc_client import to_domain_error
from kontor.platform.http import PROBLEM_JSON, problem

# The contacts service names the existing record of a duplicate in this trailing metadata key.
EXISTING_ID_METADATA = "kontor-existing-id"

IfMatch = Annotated[str | None, Header(alias="If-Match", description='The ETag you read, e.g. "3"; required')]

_DESCRIPTIONS = {
    403: "Your role lacks the right", 409: "Already exists, or not possible in the record's state",
    412: "Changed meanwhile: the If-Match version is stale", 428: "If-Match is missing",
}


def problems(*statuses: int) -> dict[int, dict]:
    """OpenAPI entries for problem+json answers beyond the ones every endpoint has."""
    schema = {"$ref": "#/components/schemas/Problem"}
    return {status: {"description": _DESCRIPTIONS[status], "content": {PROBLEM_JSON: {"schema": schema}}}
            for status in statuses}


def path_id(value: str, parameter: str) -> str:
    """A path id that is no UUID answers 422 naming the parameter (the same everywhere in /api/v1)."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise InvalidArgument(parameter, "must be a UUID such as 3f2b8c1e-0000-4000-8000-000000000000") from None


def expected_version(if_match: str | None, *, lowest: int = 1) -> int:
    """If-Match: "3" (or W/"3") -> 3. Missing: 428, so nobody overwrites a change they never saw.

    ``lowest`` is the first version a resource can have (0 for defaults that were never saved).
    """
    if if_match is None:
        raise HTTPException(428, 'Send If-Match with the ETag of the version you read (e.g. If-Match: "3"); '
                                 "read the record first if you have none")
    text = if_match.strip().removeprefix("W/").strip('"')
    if not text.isdigit() or int(text) < lowest:
        raise InvalidArgument("If-Match", 'must be the ETag you read, e.g. "3"')
    return int(text)


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = f'"{version}"'


async def create_or_duplicate(method, request, *, collection: str):
    """Call a create RPC; a duplicate becomes 409 problem+json whose ``existing`` links the record found."""
    try:
        return await method(request)
    except grpc.aio.AioRpcError as exc:
        existing = dict(exc.trailing_metadata() or ()).get(EXISTING_ID_METADATA)
        if exc.code() == grpc.StatusCode.ALREADY_EXISTS and existing:
            link = f"{collection}/{existing}"
            response = problem(409, exc.details(), code="duplicate", existing=link)
            response.headers["Link"] = f'<{link}>; rel="duplicate"'
            return response
        raise to_domain_error(exc) from None


def is_problem(value) -> bool:
    return isinstance(value, JSONResponse)
