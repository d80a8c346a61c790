"""REST shapes of groupware servers and connector settings (what /docs shows). calendar-sync owns the rules."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

Provider = Literal["graph", "google", "domino"]
Direction = Literal["both", "crm_to_groupware", "groupware_to_crm"]
ConflictPolicy = Literal["newest_wins", "crm_wins", "groupware_wins"]
DeletionPolicy = Literal["delete_other_side", "unlink"]
Status = Literal["completed", "cancelled"]
_UUID = r"^[0-9a-fA-F-]{36}$"


class Body(BaseModel):
    # A 422 for a malformed body never echoes what was sent (it may hold a client secret).
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)


class CredentialsWrite(Body):
    """Write-only: send exactly one. No response ever contains either."""

    client_secret: SecretStr | None = Field(default=None, description="The app registration's client secret")
    certificate_pem: SecretStr | None = Field(
        default=None, description="Unencrypted PEM private key followed by its certificate")


class ServerCreate(Body):
    provider: Provider
    name: str = Field(max_length=200, description="Unique in your organisation, e.g. the branch's name")
    branch: str = Field(default="", max_length=200)
    azure_tenant_id: str = Field(default="", max_length=64, description="Graph: directory (tenant) id")
    client_id: str = Field(default="", max_length=64, description="Graph: application (client) id")
    authority_url: str = Field(default="", max_length=500,
                               description="Sign-in authority host; empty: https://login.microsoftonline.com")
    base_url: str = Field(default="", max_length=500,
                          description="Graph API base; empty: https://graph.microsoft.com/v1.0")
    ca_bundle_path: str = Field(default="", max_length=500,
                                description="CA bundle (a file on the calendar-sync hosts) for a private CA")
    credentials: CredentialsWrite | None = Field(default=None, description="Required for graph")


class ServerUpdate(Body):
    """Only the fields sent change."""

    name: str | None = Field(default=None, max_length=200)
    branch: str | None = Field(default=None, max_length=200)
    azure_tenant_id: str | None = Field(default=None, max_length=64)
    client_id: str | None = Field(default=None, max_length=64)
    authority_url: str | None = Field(default=None, max_length=500)
    base_url: str | None = Field(default=None, max_length=500)
    ca_bundle_path: str | None = Field(default=None, max_length=500)
    active: bool | None = None


class ServerRead(BaseModel):
    id: str
    provider: Provider
    name: str
    branch: str
    azure_tenant_id: str
    client_id: str
    authority_url: str
    base_url: str
    ca_bundle_path: str
    active: bool
    has_secret: bool = Field(description="Whether credentials are stored (they are never shown)")
    credential_kind: Literal["client_secret", "certificate", ""]
    certificate_thumbprint: str = Field(description="SHA-1 of the certificate; empty for a client secret")
    secret_set_at: datetime | None
    secret_rotated_at: datetime | None = Field(description="null until the credentials were replaced once")
    resources_refreshed_at: datetime | None
    version: int = Field(description="Increases with every change; send it back as If-Match")
    created_by: str
    created_at: datetime
    updated_at: datetime


class ServerList(BaseModel):
    items: list[ServerRead] = Field(description="By name")


class ConnectionTestRead(BaseModel):
    ok: bool
    code: str = Field(description="ok, no_credentials, unsupported_provider, invalid_credentials, unreachable, error")
    message: str
    resources: int = Field(description="Rooms and equipment the directory lists")


class ResourceRefreshRead(BaseModel):
    created: int
    updated: int
    deactivated: int
    unchanged: int


class Interval(Body):
    start: str = Field(pattern=r"^\d{2}:\d{2}$", description='Local wall time "HH:MM"')
    end: str = Field(pattern=r"^\d{2}:\d{2}$", description='"HH:MM"; not after start: runs into the next day')


class WorkingHours(Body):
    """Working time per weekday in one IANA zone; a day left out is off."""

    time_zone: str = Field(max_length=64, description='e.g. "Europe/Vienna"')
    mon: list[Interval] = Field(default_factory=list)
    tue: list[Interval] = Field(default_factory=list)
    wed: list[Interval] = Field(default_factory=list)
    thu: list[Interval] = Field(default_factory=list)
    fri: list[Interval] = Field(default_factory=list)
    sat: list[Interval] = Field(default_factory=list)
    sun: list[Interval] = Field(default_factory=list)


class CategoryMapping(Body):
    crm_category: str = Field(max_length=255)
    groupware_category: str = Field(max_length=255, description="The Outlook category")


PRIVATE_CLEANUP = ("0 (default): past private appointments stay. N (1-3650): a daily job deletes this connector's "
                   "private appointments in the CRM N days after they ended (its user's own, for a personal "
                   "connector); their copies in the groupware are never touched and do not come back")


class ConnectorSettingsFields(Body):
    enabled: bool = True
    direction: Direction = "both"
    window_past_days: int = Field(default=7, ge=0, le=365, description="Days before today that sync (0-365)")
    window_future_days: int = Field(default=90, ge=1, le=730, description="Days after today that sync (1-730)")
    working_hours: WorkingHours | None = Field(default=None, description="null: every appointment in the window")
    skip_statuses: list[Status] = Field(default_factory=lambda: ["completed"],
                                        description="Appointments in these statuses do not sync")
    category_mappings: list[CategoryMapping] = Field(default_factory=list, max_length=100)
    conflict_policy: ConflictPolicy = "newest_wins"
    deletion_policy: DeletionPolicy = "delete_other_side"
    delete_private_after_days: int = Field(default=0, ge=0, le=3650, description=PRIVATE_CLEANUP)


class ConnectorCreate(ConnectorSettingsFields):
    server_id: str = Field(pattern=_UUID)
    mailbox: str = Field(max_length=320, description="The mailbox address on that server")
    kind: Literal["personal", "other_calendar"] = Field(
        default="personal", description="other_calendar: the calendar of someone who is not a CRM user (managers)")
    display_name: str = Field(default="", max_length=200, description="Other calendars: whose calendar it is")


class ConnectorUpdate(Body):
    """Only the fields sent change; "working_hours": null removes the working-time model."""

    enabled: bool | None = None
    mailbox: str | None = Field(default=None, max_length=320)
    display_name: str | None = Field(default=None, max_length=200)
    direction: Direction | None = None
    window_past_days: int | None = Field(default=None, ge=0, le=365)
    window_future_days: int | None = Field(default=None, ge=1, le=730)
    working_hours: WorkingHours | None = None
    skip_statuses: list[Status] | None = None
    category_mappings: list[CategoryMapping] | None = Field(default=None, max_length=100)
    conflict_policy: ConflictPolicy | None = None
    deletion_policy: DeletionPolicy | None = None
    delete_private_after_days: int | None = Field(default=None, ge=0, le=3650, description=PRIVATE_CLEANUP)


class ConnectorRead(BaseModel):
    id: str
    user_id: str
    server_id: str
    kind: Literal["personal", "other_calendar"]
    mailbox: str
    display_name: str
    enabled: bool
    direction: Direction
    window_past_days: int
    window_future_days: int
    working_hours: WorkingHours | None
    skip_statuses: list[Status]
    category_mappings: list[CategoryMapping]
    conflict_policy: ConflictPolicy
    deletion_policy: DeletionPolicy
    delete_private_after_days: int = Field(description=PRIVATE_CLEANUP)
    needs_reauthorisation: bool
    version: int = Field(description="Increases with every change; send it back as If-Match")
    created_by: str
    created_at: datetime
    updated_at: datetime


class ConnectorList(BaseModel):
    items: list[ConnectorRead]
