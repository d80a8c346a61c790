"""Bodies of /api/v1/auth."""

from pydantic import BaseModel, ConfigDict, Field

_SLUG = r"^[a-z0-9][a-z0-9-]{1,39}$"


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"tenant": "muster", "email": "anna@muster.de", "password": "correct horse battery"}]})

    tenant: str = Field(pattern=_SLUG, description="The organisation's short name (slug)")
    email: str = Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    password: str = Field(min_length=1, max_length=1024)


class RefreshRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: str = Field(min_length=1, max_length=200, description="From the last login or refresh")


class TokenPair(BaseModel):
    access_token: str = Field(description="Send as `Authorization: Bearer <access_token>`")
    token_type: str = Field(default="Bearer")
    expires_in: int = Field(description="Seconds the access token is valid")
    refresh_token: str = Field(description="Exchange at /api/v1/auth/refresh for a new pair; valid once")
    refresh_expires_in: int = Field(description="Seconds the refresh token is valid")
