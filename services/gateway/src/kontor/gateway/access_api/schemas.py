"""REST shapes of the access resources (assignments, rules, substitutions, hand-overs, audit, check-access)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, Field, field_validator

RecordType = Literal["company", "contact_person"]
AssignmentRole = Literal["account_manager", "sales_rep", "customer_service", "technician"]
RuleKind = Literal["postal_code", "industry", "revenue_tier", "round_robin"]
Action = Literal["create", "read", "update", "delete"]


class RecordRef(BaseModel):
    type: RecordType
    id: str = Field(pattern=r"^[0-9a-fA-F-]{36}$", description="UUID of the company or contact person")


class AssignmentCreate(BaseModel):
    user_id: str = Field(pattern=r"^[0-9a-fA-F-]{36}$", description="The employee (user id)")
    role: AssignmentRole = Field(description="account_manager is the primary: at most one per record")


class AssignmentRead(BaseModel):
    id: str
    record: RecordRef
    user_id: str
    role: AssignmentRole
    rule_id: str = Field(description="The automatic rule that decided; empty when assigned by hand")
    created_at: datetime


class AssignmentList(BaseModel):
    items: list[AssignmentRead]


class RuleWrite(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    priority: int = Field(ge=0, le=1_000_000, description="Lower runs first; unique per tenant")
    kind: RuleKind
    role: AssignmentRole = "account_manager"
    postal_code_from: str = Field(default="", max_length=20, description="postal_code rules: first code")
    postal_code_to: str = Field(default="", max_length=20, description="postal_code rules: last code, same length")
    values: list[Annotated[str, Field(max_length=100)]] = Field(default_factory=list, max_length=100,
                              description="industry / revenue_tier rules: the values that match")
    user_id: str = Field(default="", max_length=36, description="The employee the rule assigns (not round_robin)")
    team_id: str = Field(default="", max_length=36, description="round_robin rules: the team taking turns")


class RuleRead(RuleWrite):
    id: str
    version: int


class RuleList(BaseModel):
    items: list[RuleRead]


class SubstitutionCreate(BaseModel):
    absent_user_id: str = Field(default="", max_length=36, description="Empty: yourself")
    substitute_user_id: str = Field(pattern=r"^[0-9a-fA-F-]{36}$")
    starts_at: AwareDatetime = Field(description="Inclusive start of the window")
    ends_at: AwareDatetime = Field(description="Exclusive end of the window")
    note: str = Field(default="", max_length=2000)

    @field_validator("starts_at", "ends_at")
    @classmethod
    def _representable(cls, value: datetime) -> datetime:
        # Instants near year 1 or 9999 cannot be converted to UTC or a protobuf Timestamp.
        if not 1900 <= value.year <= 9000:
            raise ValueError("must lie between the years 1900 and 9000")
        return value


class SubstitutionRead(BaseModel):
    id: str
    absent_user_id: str
    substitute_user_id: str
    starts_at: datetime
    ends_at: datetime
    note: str
    cancelled: bool


class SubstitutionList(BaseModel):
    items: list[SubstitutionRead]


class HandoverCreate(BaseModel):
    from_user_id: str = Field(pattern=r"^[0-9a-fA-F-]{36}$")
    to_user_id: str = Field(pattern=r"^[0-9a-fA-F-]{36}$")
    records: list[RecordRef] = Field(default_factory=list, max_length=1000,
                                     description="Empty: every record from_user_id is assigned to")
    note: str = Field(default="", max_length=2000)


class HandoverRead(BaseModel):
    handover_id: str
    moved: int = Field(description="How many assignments moved")


class AuditEntryRead(BaseModel):
    id: str
    actor: str
    action: str
    from_user_id: str
    to_user_id: str
    records: list[RecordRef]
    note: str
    created_at: datetime


class AuditPage(BaseModel):
    items: list[AuditEntryRead]
    next_page_token: str


class CheckAccessRead(BaseModel):
    allowed: bool
    reason: Literal["allowed", "not_found", "no_right"]
