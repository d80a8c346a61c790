"""Microsoft Graph mail provider (Exchange Online / Microsoft 365): ``GraphMailProvider``."""

from kontor.mail_import.providers.graph.provider import GraphMailProvider

__all__ = ["GraphMailProvider"]
