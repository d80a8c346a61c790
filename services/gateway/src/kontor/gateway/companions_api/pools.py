"""/api/v1/pools: address pools (public or private lists of companies)."""

from __future__ import annotations

from datetime import UTC

from fastapi import APIRouter, Response, status

from kontor.platform.grpc_client import call
from kontor.protos.contacts.v1 import companions_pb2

from kontor.gateway.contacts_api.companies import PageSize, PageToken
from kontor.gateway.contacts_api.http_edge import IfMatch, expected_version, path_id, problems, set_etag
from kontor.gateway.companions_api.members import ListId, member_routes
from kontor.gateway.companions_api.schemas import PoolCreate, PoolPage, PoolRead, PoolUpdate

COLLECTION = "/api/v1/pools"


def _pool_read(p: companions_pb2.Pool) -> PoolRead:
    return PoolRead(id=p.id, name=p.name, visibility=p.visibility, owner=p.owner, version=p.version,
                    created_at=p.created_at.ToDatetime(UTC), updated_at=p.updated_at.ToDatetime(UTC))


def router(pools) -> APIRouter:
    """``pools`` returns the PoolService stub."""
    api = APIRouter(prefix=COLLECTION, tags=["pools"])

    @api.post("", status_code=status.HTTP_201_CREATED, response_model=PoolRead, responses=problems(403),
              summary="Create an address pool")
    async def create_pool(body: PoolCreate, response: Response) -> PoolRead:
        pool = await call(pools().CreatePool, companions_pb2.CreatePoolRequest(**body.model_dump()))
        response.headers["Location"] = f"{COLLECTION}/{pool.id}"
        set_etag(response, pool.version)
        return _pool_read(pool)

    @api.get("", response_model=PoolPage, responses=problems(403),
             summary="Your pools and the public pools of your tenant, by name")
    async def list_pools(page_size: PageSize = 50, page_token: PageToken = "") -> PoolPage:
        page = await call(pools().ListPools, companions_pb2.ListPoolsRequest(page_size=page_size,
                                                                              page_token=page_token))
        return PoolPage(items=[_pool_read(p) for p in page.pools], next_page_token=page.next_page_token)

    @api.get("/{id}", response_model=PoolRead, responses=problems(403), summary="Read a pool")
    async def get_pool(id: ListId, response: Response) -> PoolRead:  # noqa: A002
        pool = await call(pools().GetPool, companions_pb2.GetPoolRequest(id=path_id(id, "id")))
        set_etag(response, pool.version)
        return _pool_read(pool)

    @api.patch("/{id}", response_model=PoolRead, responses=problems(403, 412, 428),
               summary="Rename a pool or change its visibility (owner only; If-Match required)")
    async def update_pool(id: ListId, body: PoolUpdate, response: Response,  # noqa: A002
                          if_match: IfMatch = None) -> PoolRead:
        pool = await call(pools().UpdatePool, companions_pb2.UpdatePoolRequest(
            id=path_id(id, "id"), expected_version=expected_version(if_match),
            **body.model_dump(exclude_none=True)))
        set_etag(response, pool.version)
        return _pool_read(pool)

    @api.delete("/{id}", status_code=status.HTTP_204_NO_CONTENT, responses=problems(403, 412, 428),
                summary="Delete a pool (owner only; the companies stay)")
    async def delete_pool(id: ListId, if_match: IfMatch = None) -> Response:  # noqa: A002
        await call(pools().DeletePool, companions_pb2.DeletePoolRequest(
            id=path_id(id, "id"), expected_version=expected_version(if_match)))
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    member_routes(api, what="pool", stub=pools, rpc_prefix="Pool", request_type=companions_pb2.PoolMemberRequest,
                  list_field="pool_id")
    return api
