"""The caller's Accept-Language, forwarded to services as gRPC metadata ``accept-language``.

Services that render texts people read (mail-import's health reasons, log lines, connection tests) pick
German or English from it. The header is passed on as sent, minus anything gRPC metadata cannot carry:
only the characters of RFC 9110 language ranges and q-values survive, at most 200 of them, so a fuzzed or
hostile header can never break the call (metadata refuses control characters) or bloat it.
"""

from __future__ import annotations

import contextvars
from typing import Annotated

import grpc
from fastapi import Header

METADATA_KEY = "accept-language"
MAX_LENGTH = 200
_ALLOWED = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-*,;=. ")

_current: contextvars.ContextVar[str] = contextvars.ContextVar("kontor_accept_language", default="")


def clean(value: str | None) -> str:
    """The header reduced to what a language range list may hold; "" when nothing usable is left."""
    kept = "".join(char for char in (value or "")[:MAX_LENGTH] if char in _ALLOWED)
    return kept.strip(" ,;")


def current() -> str:
    return _current.get()


async def remember(accept_language: Annotated[str | None, Header(
        alias="Accept-Language", description='Language of readable texts, e.g. "de-DE,de;q=0.9,en;q=0.8"; '
        "German or English, default English")] = None) -> None:
    """A FastAPI dependency: keeps the request's Accept-Language for the gRPC calls it makes (request-scoped:
    each request runs in its own context, as the Principal does)."""
    _current.set(clean(accept_language))


def _with_language(details: grpc.aio.ClientCallDetails) -> grpc.aio.ClientCallDetails:
    language = _current.get()
    if not language:
        return details
    metadata = grpc.aio.Metadata(*(details.metadata or ()))
    metadata[METADATA_KEY] = language
    return grpc.aio.ClientCallDetails(
        method=details.method, timeout=details.timeout, metadata=metadata,
        credentials=details.credentials, wait_for_ready=details.wait_for_ready,
    )


class _UnaryUnary(grpc.aio.UnaryUnaryClientInterceptor):
    async def intercept_unary_unary(self, continuation, client_call_details, request):
        return await continuation(_with_language(client_call_details), request)


class _UnaryStream(grpc.aio.UnaryStreamClientInterceptor):
    async def intercept_unary_stream(self, continuation, client_call_details, request):
        return await continuation(_with_language(client_call_details), request)


def client_interceptors() -> list[grpc.aio.ClientInterceptor]:
    """Add ``accept-language`` to unary and server-streaming calls. One object per call kind: grpc.aio files an
    interceptor under the first kind it implements only (see kontor.platform.grpc_client)."""
    return [_UnaryUnary(), _UnaryStream()]
