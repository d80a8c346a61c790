"""billing's use of contacts' Permission API, against a stand-in AccessService stub."""

import uuid

import grpc
import pytest

from kontor.billing.permissions import Permissions
from kontor.platform.errors import NotFound, PermissionDenied, Unavailable
from kontor.platform.permissions import VISIBLE_PAGE_SIZE
from kontor.protos.contacts.v1 import access_pb2


class FakeAccess:
    def __init__(self, pages=(), decision=None, error: grpc.StatusCode | None = None):
        self.pages = list(pages)
        self.decision = decision
        self.error = error
        self.requests = []

    def _answer(self, request, answer):
        self.requests.append(request)
        if self.error is not None:
            raise grpc.aio.AioRpcError(self.error, grpc.aio.Metadata(), grpc.aio.Metadata(), details="down")
        return answer

    async def VisibleRecords(self, request, **_):
        return self._answer(request, self.pages.pop(0) if self.pages else None)

    async def CheckAccess(self, request, **_):
        return self._answer(request, self.decision)


async def test_all_visible_means_no_filter():
    access = FakeAccess(pages=[access_pb2.VisibleRecordsResponse(all_visible=True)])
    assert await Permissions(access).visible_company_ids() is None
    assert access.requests[0].record_type == "company" and access.requests[0].page_size == VISIBLE_PAGE_SIZE


async def test_every_page_of_visible_ids_is_read():
    ids = [uuid.uuid4() for _ in range(5)]
    access = FakeAccess(pages=[
        access_pb2.VisibleRecordsResponse(record_ids=[str(i) for i in ids[:2]], next_page_token=str(ids[1])),
        access_pb2.VisibleRecordsResponse(record_ids=[str(i) for i in ids[2:4]], next_page_token=str(ids[3])),
        access_pb2.VisibleRecordsResponse(record_ids=[str(ids[4])]),
    ])
    assert await Permissions(access).visible_company_ids() == ids
    assert [r.page_token for r in access.requests] == ["", str(ids[1]), str(ids[3])]


async def test_no_visible_ids_is_an_empty_filter_not_no_filter():
    access = FakeAccess(pages=[access_pb2.VisibleRecordsResponse()])
    assert await Permissions(access).visible_company_ids() == []


@pytest.mark.parametrize(("reason", "error"), [("not_found", NotFound), ("no_right", PermissionDenied),
                                               ("something new", NotFound)])
async def test_a_refused_company_is_not_found_or_denied(reason, error):
    company_id = uuid.uuid4()
    access = FakeAccess(decision=access_pb2.CheckAccessResponse(allowed=False, reason=reason))
    with pytest.raises(error) as refused:
        await Permissions(access).require_company(company_id)
    if error is NotFound:
        assert str(refused.value) == f"client {company_id} not found"
    request = access.requests[0]
    assert (request.action, request.resource.type, request.resource.id) == ("read", "company", str(company_id))


async def test_an_allowed_company_passes():
    access = FakeAccess(decision=access_pb2.CheckAccessResponse(allowed=True, reason="allowed"))
    await Permissions(access).require_company(uuid.uuid4())


@pytest.mark.parametrize("code", [grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED])
async def test_contacts_down_is_unavailable_never_everything(code):
    with pytest.raises(Unavailable):
        await Permissions(FakeAccess(error=code)).visible_company_ids()
    with pytest.raises(Unavailable):
        await Permissions(FakeAccess(error=code)).require_company(uuid.uuid4())
