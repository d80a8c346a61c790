"""Domain exceptions, raised by service functions and mapped once per edge.

gRPC: grpc_server's interceptor maps them to status codes. HTTP: http's
handlers map them to RFC 9457 problem+json. Service code never imports grpc or
fastapi to report a problem.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base class; ``code`` is a stable machine-readable reason."""

    code = "error"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidArgument(DomainError):
    """Input that breaks a rule. Always names the offending field."""

    code = "invalid_argument"

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.reason = message


class NotFound(DomainError):
    """Missing, or belonging to another tenant (which must look the same)."""

    code = "not_found"


class AlreadyExists(DomainError):
    code = "already_exists"


class Conflict(DomainError):
    """The record changed since the caller read it (stale version)."""

    code = "conflict"


class PermissionDenied(DomainError):
    code = "permission_denied"


class Unauthenticated(DomainError):
    code = "unauthenticated"


class Unavailable(DomainError):
    """A dependency is down; the caller may retry."""

    code = "unavailable"


def status_for(exc: BaseException, table: dict[type, object], default):
    """The entry of ``table`` for ``exc``'s class or its nearest base class listed there, so that a service's
    own subclass (e.g. ``MatchingUnavailable(Unavailable)``) maps like the error it refines."""
    for cls in type(exc).__mro__:
        if cls in table:
            return table[cls]
    return default
