"""Input of assignments and assignment rules."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from kontor.platform.errors import InvalidArgument

from kontor.contacts.inputs import Input

RecordType = Literal["company", "contact_person"]
AssignmentRole = Literal["account_manager", "sales_rep", "customer_service", "technician"]
RuleKind = Literal["postal_code", "industry", "revenue_tier", "round_robin"]
ASSIGNMENT_ROLES: tuple[str, ...] = AssignmentRole.__args__
RULE_KINDS: tuple[str, ...] = RuleKind.__args__


class AssignmentInput(Input):
    model_config = ConfigDict(frozen=True)

    record_type: RecordType
    record_id: uuid.UUID
    user_id: uuid.UUID
    role: AssignmentRole


class RuleInput(Input):
    """One automatic assignment rule. Which fields count depends on ``kind``."""

    name: str = Field(min_length=1, max_length=100)
    priority: int = Field(ge=0, le=1_000_000)
    kind: RuleKind
    role: AssignmentRole = "account_manager"
    postal_code_from: str = Field(default="", max_length=20)
    postal_code_to: str = Field(default="", max_length=20)
    values: list[Annotated[str, Field(max_length=100)]] = Field(default_factory=list, max_length=100)
    user_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None

    @field_validator("values")
    @classmethod
    def _fold(cls, values: list[str]) -> list[str]:
        if any("\x00" in v for v in values):
            raise ValueError("must not contain NUL characters")
        # Matching is case-insensitive: "IT" and "it" are the same industry.
        return sorted({v.strip().casefold() for v in values if v.strip()})

    @model_validator(mode="after")
    def _fields_of_kind(self) -> RuleInput:
        # InvalidArgument (not ValueError) passes through pydantic and names the field itself.
        if self.kind == "round_robin":
            if self.team_id is None:
                raise InvalidArgument("team_id", "a round-robin rule needs the team whose members take turns")
            return self
        if self.user_id is None:
            raise InvalidArgument("user_id", f"a {self.kind} rule needs the employee it assigns")
        if self.kind == "postal_code":
            low, high = self.postal_code_from, self.postal_code_to
            if not low or len(low) != len(high) or low > high:
                raise InvalidArgument("postal_code_from", "give a range of codes of equal length, from <= to "
                                                          "(e.g. 1000 to 1999)")
        elif not self.values:
            raise InvalidArgument("values", f"name at least one {self.kind.replace('_', ' ')} the rule matches")
        return self


class RecordAttributes(BaseModel):
    """What rules look at on a new record (other fields of the record are ignored)."""

    postal_code: str = ""
    industry: str = ""
    revenue_tier: str = ""
