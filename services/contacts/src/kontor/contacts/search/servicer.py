"""gRPC edge of search: translate, open the unit of work, call the service (rights are per searched type)."""

import grpc

from kontor.platform.auth import current_principal
from kontor.platform.db import Database
from kontor.protos.contacts.v1 import data_pb2, data_pb2_grpc

from kontor.contacts.search import service


class SearchServicer(data_pb2_grpc.SearchServiceServicer):
    def __init__(self, db: Database):
        self._db = db

    async def Search(self, request, context: grpc.aio.ServicerContext):
        types = service.parse_types(list(request.types))
        principal = current_principal()
        async with self._db.unit_of_work(principal.tenant_id) as session:
            hits, next_token = await service.search(session, principal=principal, query=request.query, types=types,
                                                    page_size=request.page_size, page_token=request.page_token)
        return data_pb2.SearchResponse(
            hits=[data_pb2.SearchHit(type=h.type, id=str(h.id), title=h.title, subtitle=h.subtitle,
                                     score=round(h.score, 4), company_id=str(h.company_id)) for h in hits],
            next_page_token=next_token,
        )


def register(server: grpc.aio.Server, db: Database) -> list[str]:
    data_pb2_grpc.add_SearchServiceServicer_to_server(SearchServicer(db), server)
    return [data_pb2.DESCRIPTOR.services_by_name["SearchService"].full_name]
