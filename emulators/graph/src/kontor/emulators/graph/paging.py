"""Page sizes as Graph takes them: ``$top`` first, else ``Prefer: odata.maxpagesize``, else the default."""

from __future__ import annotations

from starlette.requests import Request

from kontor.emulators.graph.errors import GraphError
from kontor.emulators.graph.timezones import parse_prefer

DEFAULT_PAGE = 10
MAX_PAGE = 1000  # Outlook resources serve at most 1000 items a page


def page_size(request: Request) -> int:
    top = request.query_params.get("$top")
    if top is not None:
        if not top.isdigit() or int(top) < 1:
            raise GraphError(400, "BadRequest", f"Invalid $top value '{top}'.")
        return min(int(top), MAX_PAGE)
    pref = parse_prefer(request.headers.getlist("prefer")).get("odata.maxpagesize")
    if pref and pref.isdigit() and int(pref) > 0:
        return min(int(pref), MAX_PAGE)
    return DEFAULT_PAGE
