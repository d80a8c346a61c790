"""gRPC edge of address matching: open the unit of work, call the service (rights are per record type)."""

import grpc

from kontor.platform.auth import current_principal
from kontor.platform.db import Database
from kontor.protos.contacts.v1 import matching_pb2, matching_pb2_grpc

from kontor.contacts.matching import service


def _ids(values) -> list[str]:
    return [str(value) for value in values]


class AddressMatchServicer(matching_pb2_grpc.AddressMatchServiceServicer):
    def __init__(self, db: Database):
        self._db = db

    async def MatchAddresses(self, request, context: grpc.aio.ServicerContext):
        principal = current_principal()
        async with self._db.unit_of_work(principal.tenant_id) as session:
            matches = await service.match_addresses(session, principal=principal, addresses=list(request.addresses))
        return matching_pb2.MatchAddressesResponse(matches=[
            matching_pb2.AddressMatch(address=m.address, contact_person_ids=_ids(m.contact_person_ids),
                                      person_company_ids=_ids(m.person_company_ids),
                                      domain_company_ids=_ids(m.domain_company_ids))
            for m in matches])


def register(server: grpc.aio.Server, db: Database) -> list[str]:
    matching_pb2_grpc.add_AddressMatchServiceServicer_to_server(AddressMatchServicer(db), server)
    return [matching_pb2.DESCRIPTOR.services_by_name["AddressMatchService"].full_name]
