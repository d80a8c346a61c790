from typing import Annotated, Literal

from pydantic import Field

from kontor.contacts.inputs import Input

MAX_BODY = 10_000
Body = Annotated[str, Field(min_length=1, max_length=MAX_BODY)]
RecordType = Literal["company", "contact_person"]


class CommentCreate(Input):
    record_type: RecordType
    body: Body


class CommentUpdate(Input):
    body: Body
