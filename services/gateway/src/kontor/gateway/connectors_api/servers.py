"""/api/v1/groupware-servers: the tenant's branch groupware servers (org managers change them)."""

from __future__ import annotations

from datetime import UTC
from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from kontor.platform.grpc_client import call
from kontor.protos.calendar.v1 import connectors_pb2 as pb

from kontor.gateway.connectors_api.schemas import (
    ConnectionTestRead, CredentialsWrite, ResourceRefreshRead, ServerCreate, ServerList, ServerRead, ServerUpdate,
)
from kontor.gateway.contacts_api.http_edge import IfMatch, expected_version, path_id, problems, set_etag

COLLECTION = "/api/v1/groupware-servers"
ServerId = Annotated[str, Path(description="UUID of the server; anything else answers 422 naming server_id")]


def _when(message, field: str):
    return getattr(message, field).ToDatetime(UTC) if message.HasField(field) else None


def server_read(s: pb.GroupwareServer) -> ServerRead:
    return ServerRead(
        id=s.id, provider=s.provider, name=s.name, branch=s.branch, azure_tenant_id=s.azure_tenant_id,
        client_id=s.client_id, authority_url=s.authority_url, base_url=s.base_url, ca_bundle_path=s.ca_bundle_path,
        active=s.active, has_secret=s.has_credentials, credential_kind=s.credential_kind,
        certificate_thumbprint=s.certificate_thumbprint, secret_set_at=_when(s, "credentials_set_at"),
        secret_rotated_at=_when(s, "credentials_rotated_at"),
        resources_refreshed_at=_when(s, "resources_refreshed_at"), version=s.version, created_by=s.created_by,
        created_at=s.created_at.ToDatetime(UTC), updated_at=s.updated_at.ToDatetime(UTC),
    )


def credentials(body: CredentialsWrite) -> pb.Credentials:
    if body.client_secret is not None and body.certificate_pem is None:
        return pb.Credentials(client_secret=body.client_secret.get_secret_value())
    if body.certificate_pem is not None and body.client_secret is None:
        return pb.Credentials(certificate_pem=body.certificate_pem.get_secret_value())
    return pb.Credentials()  # neither or both: calendar-sync answers 422 naming credentials


def _answer(server: pb.GroupwareServer, response: Response) -> ServerRead:
    set_etag(response, server.version)
    return server_read(server)


def router(stubs) -> APIRouter:
    api = APIRouter(prefix=COLLECTION, tags=["groupware servers"])

    @api.post("", status_code=status.HTTP_201_CREATED, response_model=ServerRead, responses=problems(403, 409),
              summary="Register a groupware server (org managers); its credentials are stored encrypted")
    async def register_server(body: ServerCreate, response: Response) -> ServerRead:
        request = pb.RegisterServerRequest(
            provider=body.provider, name=body.name, branch=body.branch, azure_tenant_id=body.azure_tenant_id,
            client_id=body.client_id, authority_url=body.authority_url, base_url=body.base_url,
            ca_bundle_path=body.ca_bundle_path)
        if body.credentials is not None:
            request.credentials.CopyFrom(credentials(body.credentials))
        created = await call(stubs().groupware_servers.RegisterServer, request)
        response.headers["Location"] = f"{COLLECTION}/{created.id}"
        return _answer(created, response)

    @api.get("", response_model=ServerList, responses=problems(403), summary="The groupware servers, by name")
    async def list_servers() -> ServerList:
        answer = await call(stubs().groupware_servers.ListServers, pb.ListServersRequest())
        return ServerList(items=[server_read(s) for s in answer.servers])

    @api.get("/{server_id}", response_model=ServerRead, responses=problems(403), summary="Read a server")
    async def get_server(server_id: ServerId, response: Response) -> ServerRead:
        return _answer(await call(stubs().groupware_servers.GetServer, pb.GetServerRequest(
            id=path_id(server_id, "server_id"))), response)

    @api.patch("/{server_id}", response_model=ServerRead, responses=problems(403, 409, 412, 428),
               summary="Change a server's settings (org managers; If-Match required)")
    async def update_server(server_id: ServerId, body: ServerUpdate, response: Response,
                            if_match: IfMatch = None) -> ServerRead:
        request = pb.UpdateServerRequest(id=path_id(server_id, "server_id"),
                                         expected_version=expected_version(if_match),
                                         **body.model_dump(exclude_none=True))
        return _answer(await call(stubs().groupware_servers.UpdateServer, request), response)

    @api.put("/{server_id}/credentials", response_model=ServerRead, responses=problems(403, 412, 428),
             summary="Replace the client secret or certificate (org managers; If-Match of the server required)")
    async def set_credentials(server_id: ServerId, body: CredentialsWrite, response: Response,
                              if_match: IfMatch = None) -> ServerRead:
        return _answer(await call(stubs().groupware_servers.SetCredentials, pb.SetCredentialsRequest(
            id=path_id(server_id, "server_id"), expected_version=expected_version(if_match),
            credentials=credentials(body))), response)

    @api.post("/{server_id}/test", response_model=ConnectionTestRead, responses=problems(403),
              summary="Sign in with the stored credentials and read the directory once (org managers)")
    async def test_server(server_id: ServerId) -> ConnectionTestRead:
        answer = await call(stubs().groupware_servers.TestConnection, pb.TestConnectionRequest(
            id=path_id(server_id, "server_id")))
        return ConnectionTestRead(ok=answer.ok, code=answer.code, message=answer.message, resources=answer.resources)

    @api.post("/{server_id}/resources/refresh", response_model=ResourceRefreshRead, responses=problems(403),
              summary="Import the server's rooms and equipment now (org managers; the beat does it hourly)")
    async def refresh_resources(server_id: ServerId) -> ResourceRefreshRead:
        answer = await call(stubs().groupware_servers.RefreshResources, pb.RefreshResourcesRequest(
            id=path_id(server_id, "server_id")))
        return ResourceRefreshRead(created=answer.created, updated=answer.updated, deactivated=answer.deactivated,
                                   unchanged=answer.unchanged)

    @api.delete("/{server_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problems(403, 412, 428),
                summary="Remove a server: its credentials are deleted, its resources deactivated, its mailboxes "
                        "stop syncing (org managers; If-Match required)")
    async def delete_server(server_id: ServerId, if_match: IfMatch = None) -> Response:
        await call(stubs().groupware_servers.DeleteServer, pb.DeleteServerRequest(
            id=path_id(server_id, "server_id"), expected_version=expected_version(if_match)))
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return api
