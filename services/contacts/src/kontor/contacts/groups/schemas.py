from typing import Annotated, Any, Literal

from pydantic import Field

from kontor.contacts.inputs import Input

Name = Annotated[str, Field(min_length=1, max_length=200)]


class GroupCreate(Input):
    name: Name
    kind: Literal["static", "dynamic"]
    # Validated by groups.rules (strictly, naming e.g. rule.conditions[1].field); None for static groups.
    rule: dict[str, Any] | None = None


class GroupUpdate(Input):
    name: Name | None = None
    rule: dict[str, Any] | None = None
