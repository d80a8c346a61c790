"""A body size limit for routes that take a JSON body with content (sending mail with attachments).

FastAPI reads a route's whole body before any dependency runs, so the limit sits in the route class: it
answers 413 from Content-Length when sent, else as soon as the streamed body passes the limit, and only
then lets FastAPI parse what it kept. Without it a client could make the gateway hold any amount of JSON.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.routing import APIRoute
from starlette.requests import ClientDisconnect

from kontor.platform.http import PROBLEM_JSON, problem

_PROBLEM = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
TOO_LARGE_RESPONSE = {413: {"description": "The body is larger than the limit", "content": _PROBLEM}}


def too_large(limit: int):
    return problem(413, f"The request is larger than the limit of {limit} bytes (attachments in base64 included); "
                        "send smaller attachments.", code="too_large", max_bytes=limit)


def limited_body_route(max_bytes: int) -> type[APIRoute]:
    class LimitedBodyRoute(APIRoute):
        def get_route_handler(self):
            handler = super().get_route_handler()

            async def limited(request: Request):
                declared = request.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > max_bytes:
                    return too_large(max_bytes)
                body = bytearray()
                try:
                    async for piece in request.stream():
                        body += piece
                        if len(body) > max_bytes:
                            return too_large(max_bytes)
                except ClientDisconnect:
                    return problem(400, "The request was interrupted; nothing was sent.")
                request._body = bytes(body)  # FastAPI's body() answers this instead of reading again
                return await handler(request)

            return limited

    return LimitedBodyRoute
