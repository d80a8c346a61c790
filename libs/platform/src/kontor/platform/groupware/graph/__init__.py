"""The Microsoft Graph client every Graph provider shares: app-only tokens (``auth``), requests with retries,
error mapping and metrics (``http``), per-mailbox limits in one process (``limits``) and across workers
(``shared_limits``)."""

from kontor.platform.groupware.graph.auth import GRAPH_SCOPE, PUBLIC_AUTHORITY, GraphCredentials, TokenSource
from kontor.platform.groupware.graph.http import GRAPH_BASE, GraphHttp, user_path
from kontor.platform.groupware.graph.limits import LimitPolicy, RequestStats, counting

__all__ = ["GRAPH_BASE", "GRAPH_SCOPE", "PUBLIC_AUTHORITY", "GraphCredentials", "GraphHttp", "LimitPolicy",
           "RequestStats", "TokenSource", "counting", "user_path"]
