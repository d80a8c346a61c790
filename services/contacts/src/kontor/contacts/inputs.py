"""Base class of every validated input of contacts (pydantic models built by the edges): the platform's."""

from kontor.platform.inputs import Input

__all__ = ["Input"]
