"""Microsoft Graph (Exchange Online / Microsoft 365) calendar provider."""

from kontor.platform.groupware.graph.auth import GraphCredentials, TokenSource
from kontor.platform.groupware.graph.limits import LimitPolicy, RequestStats, counting

from kontor.calendar_sync.providers.graph.provider import GraphProvider

__all__ = ["GraphCredentials", "GraphProvider", "LimitPolicy", "RequestStats", "TokenSource", "counting"]
