"""Request and response bodies of the companions of a company record (what /docs shows).

Shapes and limits only; the contacts service owns the rules (who may change
what, rule validation, visibility) and its INVALID_ARGUMENT names the field.
"""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

PoolVisibility = Literal["public", "private"]
GroupKind = Literal["static", "dynamic"]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CommentWrite(_Input):
    body: str = Field(min_length=1, max_length=10_000, description="Internal note; never shown in the portal")


class CommentRead(BaseModel):
    id: str
    record_type: Literal["company", "contact_person"]
    record_id: str
    author: str = Field(description="User id of the author")
    body: str
    version: int = Field(description="Increases with every change; send it back as If-Match")
    created_at: datetime
    edited_at: datetime | None = Field(description="Last edit; null when never edited")


class CommentPage(BaseModel):
    items: list[CommentRead] = Field(description="Newest first")
    next_page_token: str = Field(description="Pass as page_token for the next page; empty on the last page")


class TraceRead(BaseModel):
    id: str
    company_id: str
    event_type: str = Field(description='e.g. "contacts.company.updated"')
    record_type: str
    record_id: str
    actor: str = Field(description="User id of the employee who caused it; empty when unknown")
    details: dict = Field(description="The event's data as partners receive it")
    occurred_at: datetime


class TracePage(BaseModel):
    items: list[TraceRead] = Field(description="Newest first")
    next_page_token: str


class TraceSettingsRead(BaseModel):
    enabled_event_types: list[str]
    available_event_types: list[str] = Field(description="Every type that can be traced")
    version: int = Field(description="0 while the tenant uses the defaults; send it back as If-Match")


class TraceSettingsWrite(_Input):
    enabled_event_types: list[str] = Field(max_length=50)


class PoolCreate(_Input):
    name: str = Field(min_length=1, max_length=200)
    visibility: PoolVisibility = Field(default="private", description="private: only you; public: your tenant")


class PoolUpdate(_Input):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    visibility: PoolVisibility | None = None


class PoolRead(BaseModel):
    id: str
    name: str
    visibility: PoolVisibility
    owner: str = Field(description="User id of the owner, who maintains the pool")
    version: int
    created_at: datetime
    updated_at: datetime


class PoolPage(BaseModel):
    items: list[PoolRead] = Field(description="By name")
    next_page_token: str


class MemberRead(BaseModel):
    company_id: str
    name: str
    kind: Literal["lead", "customer"]
    city: str


class MemberPage(BaseModel):
    items: list[MemberRead] = Field(description="Companies you may see, by name")
    next_page_token: str


class RuleCondition(_Input):
    field: str = Field(description="revenue_tier, industry, region, country, city, postal_code or kind")
    op: str = Field(description='"eq"; also "gte" for revenue_tier; "prefix" for postal_code')
    value: str = Field(max_length=100)


class GroupRule(_Input):
    conditions: list[RuleCondition] = Field(description="All must hold (AND)")


class GroupCreate(_Input):
    name: str = Field(min_length=1, max_length=200)
    kind: GroupKind
    rule: GroupRule | None = Field(default=None, description="Required for dynamic groups, absent for static")


class GroupUpdate(_Input):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    rule: GroupRule | None = Field(default=None, description="Replaces the rule of a dynamic group")


class GroupRead(BaseModel):
    id: str
    name: str
    kind: GroupKind
    rule: GroupRule | None
    owner: str
    version: int
    created_at: datetime
    updated_at: datetime


class GroupPage(BaseModel):
    items: list[GroupRead] = Field(description="By name")
    next_page_token: str
