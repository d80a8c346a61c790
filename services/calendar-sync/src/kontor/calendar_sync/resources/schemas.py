"""Inputs of resources (rooms and equipment)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from kontor.platform.inputs import Input

Kind = Literal["room", "equipment"]


class ResourceData(Input):
    name: str = Field(min_length=1, max_length=200)
    kind: Kind = "room"
    email: str = Field(default="", max_length=320, pattern=r"^$|^[^@\s]+@[^@\s]+$")
    external_id: str = Field(default="", max_length=500)
    capacity: int = Field(default=0, ge=0, le=100000)
    allow_double_booking: bool = False
