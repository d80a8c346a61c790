"""Validated inputs of branch servers and connector settings (built by the gRPC edge).

Errors name the field (the platform maps a ValidationError to INVALID_ARGUMENT / 422 with its path) and
never repeat the value, so a mistyped secret does not end up in an error message or a log.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Annotated, Literal

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pydantic import AfterValidator, Field, SecretStr, field_validator, model_validator

from kontor.platform.inputs import HttpsUrl, MailboxAddress, guid
from kontor.platform.inputs import SecretInput as Input

from kontor.calendar_sync.connectors.working_hours import WorkingTimeModel

Provider = Literal["graph", "google", "domino"]
Direction = Literal["both", "crm_to_groupware", "groupware_to_crm"]
ConflictPolicy = Literal["newest_wins", "crm_wins", "groupware_wins"]
DeletionPolicy = Literal["delete_other_side", "unlink"]
ConnectorKind = Literal["personal", "other_calendar"]
SkippableStatus = Literal["completed", "cancelled"]

WINDOW_PAST_MAX = 365
WINDOW_FUTURE_MAX = 730
MAX_CATEGORY_MAPPINGS = 100
Name = Annotated[str, Field(min_length=1, max_length=200)]


def certificate_thumbprint(pem: str) -> str:
    try:
        cert = x509.load_pem_x509_certificate(pem.encode())
    except ValueError:
        raise ValueError("credentials.certificate_pem: contains no PEM certificate") from None
    return hashlib.sha1(cert.public_bytes(serialization.Encoding.DER)).hexdigest().upper()  # noqa: S324 - Azure's


def _check_certificate(pem: str) -> str:
    try:
        serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError):
        raise ValueError("must contain an unencrypted PEM private key and the certificate") from None
    try:
        certificate_thumbprint(pem)
    except ValueError:
        raise ValueError("must contain the PEM certificate besides the private key") from None
    return pem


class Credentials(Input):
    """Exactly one of client_secret and certificate_pem."""

    client_secret: SecretStr | None = None
    certificate_pem: SecretStr | None = None

    @field_validator("client_secret")
    @classmethod
    def _secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not 1 <= len(value.get_secret_value().strip()) <= 1024:
            raise ValueError("must be 1 to 1024 characters")
        return value

    @field_validator("certificate_pem")
    @classmethod
    def _certificate(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            _check_certificate(value.get_secret_value())
        return value

    @model_validator(mode="after")
    def _exactly_one(self) -> Credentials:
        if (self.client_secret is None) == (self.certificate_pem is None):
            raise ValueError("send exactly one of client_secret and certificate_pem")
        return self

    @property
    def kind(self) -> str:
        return "client_secret" if self.client_secret is not None else "certificate"

    def material(self) -> bytes:
        value = self.client_secret if self.client_secret is not None else self.certificate_pem
        return value.get_secret_value().encode()

    def thumbprint(self) -> str:
        return certificate_thumbprint(self.certificate_pem.get_secret_value()) if self.certificate_pem else ""


def _guid(value: str) -> str:
    return guid(value) if value else value  # empty: not set (a graph server requires it, see ServerCreate)


def _one_to_one(value: list[CategoryMapping]) -> list[CategoryMapping]:
    for side in ("crm_category", "groupware_category"):
        names = [getattr(m, side).casefold() for m in value]
        if len(names) != len(set(names)):
            raise ValueError(f"each {side} may be mapped once")
    return value


class CategoryMapping(Input):
    crm_category: Annotated[str, Field(min_length=1, max_length=255)]
    groupware_category: Annotated[str, Field(min_length=1, max_length=255)]


Guid = Annotated[str, Field(max_length=64), AfterValidator(_guid)]
Branch = Annotated[str, Field(max_length=200)]
CaPath = Annotated[str, Field(max_length=500)]
DisplayName = Annotated[str, Field(max_length=200)]
Statuses = Annotated[list[SkippableStatus], AfterValidator(lambda value: sorted(set(value)))]
Mappings = Annotated[list[CategoryMapping], Field(max_length=MAX_CATEGORY_MAPPINGS), AfterValidator(_one_to_one)]
PastDays = Annotated[int, Field(ge=0, le=WINDOW_PAST_MAX)]
FutureDays = Annotated[int, Field(ge=1, le=WINDOW_FUTURE_MAX)]
# 0: keep past private appointments; N: delete them N days after they ended (the daily cleanup job).
PrivateRetentionDays = Annotated[int, Field(ge=0, le=3650)]


class ServerCreate(Input):
    provider: Provider
    name: Name
    branch: Branch = ""
    azure_tenant_id: Guid = ""
    client_id: Guid = ""
    authority_url: HttpsUrl = ""
    base_url: HttpsUrl = ""
    ca_bundle_path: CaPath = ""
    credentials: Credentials | None = None

    @model_validator(mode="after")
    def _graph_needs(self) -> ServerCreate:
        if self.provider == "graph":
            for field in ("azure_tenant_id", "client_id"):
                if not getattr(self, field):
                    raise ValueError(f"{field} is required for a graph server")
            if self.credentials is None:
                raise ValueError("credentials are required for a graph server (client_secret or certificate_pem)")
        return self


class ServerUpdate(Input):
    """Only the fields sent change (None: unchanged)."""

    name: Name | None = None
    branch: Branch | None = None
    azure_tenant_id: Guid | None = None
    client_id: Guid | None = None
    authority_url: HttpsUrl | None = None
    base_url: HttpsUrl | None = None
    ca_bundle_path: CaPath | None = None
    active: bool | None = None


class ConnectorCreate(Input):
    server_id: uuid.UUID
    mailbox: MailboxAddress
    kind: ConnectorKind = "personal"
    # For other calendars: whose calendar it is (shown to CRM users).
    display_name: DisplayName = ""
    enabled: bool = True
    direction: Direction = "both"
    window_past_days: PastDays = 7
    window_future_days: FutureDays = 90
    working_hours: WorkingTimeModel | None = None
    skip_statuses: Statuses = Field(default_factory=lambda: ["completed"])
    category_mappings: Mappings = Field(default_factory=list)
    conflict_policy: ConflictPolicy = "newest_wins"
    deletion_policy: DeletionPolicy = "delete_other_side"
    delete_private_after_days: PrivateRetentionDays = 0

    @model_validator(mode="after")
    def _other_calendar_needs_a_name(self) -> ConnectorCreate:
        if self.kind == "other_calendar" and not self.display_name:
            raise ValueError("display_name is required for an other calendar (whose calendar it is)")
        return self


class ConnectorUpdate(Input):
    """Only the fields sent change (None: unchanged); ``clear_working_hours`` removes the model."""

    enabled: bool | None = None
    mailbox: MailboxAddress | None = None
    display_name: DisplayName | None = None
    direction: Direction | None = None
    window_past_days: PastDays | None = None
    window_future_days: FutureDays | None = None
    working_hours: WorkingTimeModel | None = None
    clear_working_hours: bool = False
    skip_statuses: Statuses | None = None
    category_mappings: Mappings | None = None
    conflict_policy: ConflictPolicy | None = None
    deletion_policy: DeletionPolicy | None = None
    delete_private_after_days: PrivateRetentionDays | None = None

    @model_validator(mode="after")
    def _one_way_for_working_hours(self) -> ConnectorUpdate:
        if self.clear_working_hours and self.working_hours is not None:
            raise ValueError("send working_hours or clear_working_hours, not both")
        return self
