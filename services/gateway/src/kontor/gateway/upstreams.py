"""gRPC stubs of the services behind the gateway, one channel each."""

from dataclasses import dataclass

import grpc

from kontor.platform import grpc_client
from kontor.protos.billing.v1 import billing_pb2_grpc
from kontor.protos.contacts.v1 import contacts_pb2_grpc

from kontor.gateway.settings import GatewaySettings


@dataclass
class Upstreams:
    channels: list[grpc.aio.Channel]
    companies: contacts_pb2_grpc.CompanyServiceStub
    clients: billing_pb2_grpc.ClientServiceStub

    @classmethod
    def connect(cls, settings: GatewaySettings) -> "Upstreams":
        contacts = grpc_client.channel(settings.contacts_addr, default_timeout_s=settings.upstream_timeout_s)
        billing = grpc_client.channel(settings.billing_addr, default_timeout_s=settings.upstream_timeout_s)
        return cls(
            channels=[contacts, billing],
            companies=contacts_pb2_grpc.CompanyServiceStub(contacts),
            clients=billing_pb2_grpc.ClientServiceStub(billing),
        )

    async def close(self) -> None:
        for channel in self.channels:
            await channel.close()
