"""The REST API's request and response bodies (what /docs shows); companies and persons: contacts_api/schemas.py."""

from datetime import datetime

from pydantic import BaseModel


class ClientRead(BaseModel):
    company_id: str
    name: str
    recorded_at: datetime


class ClientPage(BaseModel):
    items: list[ClientRead]
    next_page_token: str


class Jwks(BaseModel):
    keys: list[dict]
