from typing import Annotated, Literal

from pydantic import Field

from kontor.contacts.inputs import Input

Name = Annotated[str, Field(min_length=1, max_length=200)]
Visibility = Literal["public", "private"]


class PoolCreate(Input):
    name: Name
    visibility: Visibility = "private"


class PoolUpdate(Input):
    name: Name | None = None
    visibility: Visibility | None = None

    def changes(self) -> dict[str, str]:
        return {field: value for field, value in self.model_dump().items() if value is not None}
