"""Where resource lists come from: the provider of each server, behind ``ResourceDirectory``.

Graph: ``providers.graph.GraphProvider.list_resources`` (rooms via /places). Google and Domino have no
client yet; their servers answer ``UnsupportedProvider`` (the refresh reports them as failed).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from kontor.platform.groupware.errors import NeedsReauthorisation, ProviderError, TransientError

from kontor.calendar_sync.connectors.resources import DirectoryResource, ResourceDirectory, ServerConnection

log = logging.getLogger(__name__)


class UnsupportedProvider(ProviderError):
    """No client for this provider yet."""


def graph_credentials(connection: ServerConnection):
    from kontor.calendar_sync.providers.graph import GraphCredentials  # noqa: PLC0415 - msal only when used

    creds = connection.credentials
    if creds is None:
        raise NeedsReauthorisation("the server has no credentials", code="no_credentials")
    if creds.kind == "client_secret":
        return GraphCredentials(tenant_id=connection.azure_tenant_id, client_id=connection.client_id,
                                client_secret=creds.secret)
    pem = creds.secret.encode()
    key = serialization.load_pem_private_key(pem, password=None)
    certificate = x509.load_pem_x509_certificate(pem)
    return GraphCredentials(
        tenant_id=connection.azure_tenant_id, client_id=connection.client_id,
        certificate_pem=certificate.public_bytes(serialization.Encoding.PEM).decode(),
        private_key_pem=key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()).decode())


class GraphDirectory:
    async def list_resources(self, server: ServerConnection) -> list[DirectoryResource]:
        from kontor.calendar_sync.providers.graph import GraphProvider  # noqa: PLC0415
        from kontor.platform.groupware.graph.http import GRAPH_BASE  # noqa: PLC0415

        authority = f"{server.authority_url}/{server.azure_tenant_id}" if server.authority_url else None
        async with GraphProvider(graph_credentials(server), origin=str(server.tenant_id),
                                 base_url=server.base_url or GRAPH_BASE, authority=authority,
                                 ca_path=server.ca_bundle_path or None) as provider:
            listed = await provider.list_resources()
        return [DirectoryResource(external_id=r.remote_id or r.email.lower(), name=r.name, kind=r.kind,
                                  email=r.email, capacity=r.capacity or 0) for r in listed]


class ProviderDirectory:
    """Dispatches on the server's provider."""

    def __init__(self, directories: dict[str, ResourceDirectory] | None = None):
        self._directories = directories if directories is not None else {"graph": GraphDirectory()}

    async def list_resources(self, server: ServerConnection) -> list[DirectoryResource]:
        directory = self._directories.get(server.provider)
        if directory is None:
            raise UnsupportedProvider(f"no {server.provider} client yet", code="unsupported_provider")
        return await directory.list_resources(server)


@dataclass(frozen=True)
class ConnectionTest:
    ok: bool
    code: str
    message: str
    resources: int = 0


async def check_connection(directory: ResourceDirectory, connection: ServerConnection) -> ConnectionTest:
    """Sign in and list the directory once. Messages name codes, never a credential or a provider text."""
    if connection.credentials is None and connection.provider == "graph":
        return ConnectionTest(False, "no_credentials", "the server has no client secret or certificate")
    try:
        listed = await directory.list_resources(connection)
    except UnsupportedProvider:
        return ConnectionTest(False, "unsupported_provider", f"{connection.provider} servers cannot be tested yet")
    except NeedsReauthorisation as exc:
        return ConnectionTest(False, "invalid_credentials", f"sign-in refused ({exc.code or 'no code'}): check "
                              "the tenant id, client id, secret or certificate and the app's admin consent")
    except TransientError as exc:
        return ConnectionTest(False, "unreachable", f"the server did not answer ({exc.code or 'network'})")
    except Exception as exc:  # noqa: BLE001 - reported to the manager, never raised as a 500
        log.warning("connection test failed", extra={"server_id": str(connection.server_id),
                                                     "error": type(exc).__name__})
        return ConnectionTest(False, "error", f"the test failed ({type(exc).__name__})")
    return ConnectionTest(True, "ok", f"signed in; the directory lists {len(listed)} rooms and equipment",
                          resources=len(listed))
