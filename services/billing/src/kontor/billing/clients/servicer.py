"""gRPC edge of billing's clients. Who may see which client is contacts' answer (permissions.py), asked before
the transaction opens, so no database connection waits on contacts."""

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from kontor.platform.auth import current_principal
from kontor.platform.db import Database
from kontor.platform.pagination import parse_uuid
from kontor.protos.billing.v1 import billing_pb2, billing_pb2_grpc

from kontor.billing.clients import service
from kontor.billing.clients.models import Client
from kontor.billing.permissions import Permissions


def to_proto(client: Client) -> billing_pb2.Client:
    recorded = Timestamp()
    recorded.FromDatetime(client.recorded_at)
    return billing_pb2.Client(company_id=str(client.company_id), name=client.name, recorded_at=recorded)


class ClientServicer(billing_pb2_grpc.ClientServiceServicer):
    def __init__(self, db: Database, permissions: Permissions):
        self._db = db
        self._permissions = permissions

    async def GetClient(self, request, context):
        company_id = parse_uuid(request.company_id, "company_id")
        await self._permissions.require_company(company_id)
        async with self._db.unit_of_work(current_principal().tenant_id) as session:
            return to_proto(await service.get_client(session, company_id=company_id))

    async def ListClients(self, request, context):
        visible = await self._permissions.visible_company_ids()
        async with self._db.unit_of_work(current_principal().tenant_id) as session:
            rows, next_token = await service.list_clients(
                session, page_size=request.page_size, page_token=request.page_token, company_ids=visible
            )
            return billing_pb2.ListClientsResponse(clients=[to_proto(c) for c in rows], next_page_token=next_token)


def register(server: grpc.aio.Server, db: Database, permissions: Permissions) -> list[str]:
    billing_pb2_grpc.add_ClientServiceServicer_to_server(ClientServicer(db, permissions), server)
    return [billing_pb2.DESCRIPTOR.services_by_name["ClientService"].full_name]
