"""Base class of validated inputs (pydantic models the edges build before calling a service function)."""

from pydantic import BaseModel, ConfigDict, field_validator


class Input(BaseModel):
    """Trimmed strings, no unknown fields, and no NUL characters.

    PostgreSQL cannot store NUL in text or JSONB; refusing it here turns what
    would be a database error into a 422 that names the field.
    """

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value):
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("must not contain NUL characters")
        return value
