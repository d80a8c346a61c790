from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

CompanyKind = Literal["lead", "customer"]


class CompanyCreate(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    kind: CompanyKind = "lead"
    city: str = Field(default="", max_length=100)
