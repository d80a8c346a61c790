"""Asking contacts' Permission API (kontor.contacts.v1.AccessService, docs/access.md) from another service.

Only the mechanics live here (paging, translation); contacts decides. Calls carry the current caller's
token through ``grpc_client.channel``'s interceptor. Answers are for one request only: assignments and
substitutions change visibility at any time.
"""

from __future__ import annotations

import uuid

from kontor.platform import grpc_client
from kontor.protos.contacts.v1 import access_pb2, access_pb2_grpc

VISIBLE_PAGE_SIZE = 200  # the most VisibleRecords returns per page


async def visible_record_ids(access: access_pb2_grpc.AccessServiceStub, record_type: str) -> list[uuid.UUID] | None:
    """Every id of ``record_type`` the caller may see, over all pages; None when the caller sees them all."""
    ids: list[uuid.UUID] = []
    token = ""
    while True:
        page = await grpc_client.call(access.VisibleRecords, access_pb2.VisibleRecordsRequest(
            record_type=record_type, page_size=VISIBLE_PAGE_SIZE, page_token=token))
        if page.all_visible:
            return None
        ids.extend(uuid.UUID(record_id) for record_id in page.record_ids)
        token = page.next_page_token
        if not token:
            return ids


async def may(access: access_pb2_grpc.AccessServiceStub, action: str, record_type: str,
              record_id: uuid.UUID) -> access_pb2.CheckAccessResponse:
    """CheckAccess: ``allowed`` and ``reason`` ("allowed", "not_found" or "no_right")."""
    return await grpc_client.call(access.CheckAccess, access_pb2.CheckAccessRequest(
        action=action, resource=access_pb2.RecordRef(type=record_type, id=str(record_id))))


async def has_right(access: access_pb2_grpc.AccessServiceStub, entity_type: str, action: str) -> bool:
    """CheckRight: whether one of the caller's roles grants ``action`` on ``entity_type`` (tenant overrides too)."""
    answer = await grpc_client.call(access.CheckRight,
                                    access_pb2.CheckRightRequest(entity_type=entity_type, action=action))
    return answer.allowed
