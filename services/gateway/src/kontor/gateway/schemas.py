"""The REST API's request and response bodies (what /docs shows)."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

CompanyKind = Literal["lead", "customer"]


class CompanyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"name": "Muster GmbH", "kind": "customer", "city": "Berlin"}]})

    name: str = Field(min_length=1, max_length=200, description="Display name")
    kind: CompanyKind = Field(default="lead", description="A lead becomes a customer by conversion")
    city: str = Field(default="", max_length=100)


class CompanyRead(BaseModel):
    id: str
    name: str
    kind: CompanyKind
    city: str
    version: int = Field(description="Increases with every change; send it back as If-Match")
    created_at: datetime
    updated_at: datetime


class CompanyPage(BaseModel):
    items: list[CompanyRead]
    next_page_token: str = Field(description="Pass as page_token for the next page; empty on the last page")


class ClientRead(BaseModel):
    company_id: str
    name: str
    recorded_at: datetime


class ClientPage(BaseModel):
    items: list[ClientRead]
    next_page_token: str


class Jwks(BaseModel):
    keys: list[dict]
