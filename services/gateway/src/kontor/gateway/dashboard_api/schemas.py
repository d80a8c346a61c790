"""REST shapes of follow-ups and the team dashboard (what /docs shows). Limits only; contacts owns the rules."""

from __future__ import annotations

from datetime import date as Day, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

RecordType = Literal["company", "contact_person"]
_UUID = r"^[0-9a-fA-F-]{36}$"


def _representable(value: datetime) -> datetime:
    # Instants near year 1 or 9999 cannot be converted to UTC or a protobuf Timestamp.
    if not 1900 <= value.year <= 9000:
        raise ValueError("must lie between the years 1900 and 9000")
    return value


Instant = Annotated[AwareDatetime, AfterValidator(_representable)]


class FollowUpCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    record_type: RecordType
    record_id: str = Field(pattern=_UUID, description="UUID of the company or contact person")
    assignee_id: str = Field(default="", pattern=r"^$|" + _UUID, description="The employee to remind; empty: you")
    note: str = Field(default="", max_length=2000)
    due_at: Instant = Field(description="When it falls due, with its offset; stored as UTC")
    time_zone: str = Field(default="UTC", max_length=64, description='The IANA zone you meant, e.g. "Europe/Vienna"')


class FollowUpRead(BaseModel):
    id: str
    record_type: RecordType
    record_id: str
    assignee_id: str = Field(description="User id of the employee who is reminded")
    note: str
    due_at: datetime = Field(description="UTC")
    time_zone: str
    done: bool
    done_at: datetime | None = Field(description="When it was completed; null while open")
    done_by: str = Field(description="Who completed it; empty while open")
    created_by: str
    version: int = Field(description="Increases with every change; send it back as If-Match")
    created_at: datetime


class FollowUpPage(BaseModel):
    items: list[FollowUpRead] = Field(description="Earliest due first")
    next_page_token: str = Field(description="Pass as page_token for the next page; empty on the last page")


class TeamRead(BaseModel):
    id: str
    name: str


class EmployeeStatsRead(BaseModel):
    user_id: str
    display_name: str
    team_ids: list[str]
    companies: int = Field(description="Companies whose account manager the employee is (that you may see)")
    contact_persons: int = Field(description="Contact persons whose account manager the employee is")
    traces: int = Field(description="Traces the employee caused in the period")
    comments: int = Field(description="Comments the employee wrote in the period")
    activities: int = Field(description="traces + comments")
    follow_ups_overdue: int = Field(description="Open follow-ups due before now")
    follow_ups_due_soon: int = Field(description="Open follow-ups due in the next 7 days")
    birthdays: int = Field(description="Contact persons they look after with a birthday in the window")


class BirthdayRead(BaseModel):
    person_id: str
    company_id: str
    first_name: str
    last_name: str
    date: Day = Field(description="The next birthday; 29 February falls on 28 February in common years")
    days_until: int
    age: int
    user_id: str = Field(description="The employee looking after the person")


class TeamDashboardRead(BaseModel):
    teams: list[TeamRead]
    employees: list[EmployeeStatsRead]
    period_start: datetime
    period_end: datetime
    birthdays: list[BirthdayRead] = Field(description="Earliest first")
    today: Day = Field(description="First day of the birthday window, in time_zone")
    birthday_days: int
    time_zone: str
    revenue_available: bool = Field(description="false until billing publishes invoices: no made-up revenue")
    revenue_note: str
