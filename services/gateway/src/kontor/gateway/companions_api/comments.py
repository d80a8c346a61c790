"""/api/v1/companies/{id}/comments, /api/v1/persons/{id}/comments and /api/v1/comments/{id}: internal comments."""

from datetime import UTC
from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from kontor.platform.grpc_client import call
from kontor.protos.contacts.v1 import companions_pb2

from kontor.gateway.contacts_api.companies import PageSize, PageToken
from kontor.gateway.contacts_api.http_edge import IfMatch, expected_version, path_id, problems, set_etag
from kontor.gateway.companions_api.schemas import CommentPage, CommentRead, CommentWrite

COLLECTION = "/api/v1/comments"
CommentId = Annotated[str, Path(description="UUID of the comment; anything else answers 422 naming comment_id")]
_ON_RECORD = {"company": ("/api/v1/companies/{record_id}/comments", "company_id"),
              "contact_person": ("/api/v1/persons/{record_id}/comments", "person_id")}


def comment_read(c: companions_pb2.Comment) -> CommentRead:
    return CommentRead(id=c.id, record_type=c.record_type, record_id=c.record_id, author=c.author, body=c.body,
                       version=c.version, created_at=c.created_at.ToDatetime(UTC),
                       edited_at=c.edited_at.ToDatetime(UTC) if c.HasField("edited_at") else None)


def _record_routes(comments, record_type: str) -> APIRouter:
    prefix, parameter = _ON_RECORD[record_type]
    api = APIRouter(prefix=prefix.replace("record_id", parameter), tags=["comments"])
    what = record_type.replace("_", " ")
    RecordId = Annotated[str, Path(alias=parameter, description=f"UUID of the {what}")]  # noqa: N806

    @api.post("", status_code=status.HTTP_201_CREATED, response_model=CommentRead, responses=problems(403),
              summary=f"Comment on a {what} (internal, never shown in the portal)",
              operation_id=f"create_{record_type}_comment")
    async def create(record_id: RecordId, body: CommentWrite, response: Response) -> CommentRead:
        created = await call(comments().CreateComment, companions_pb2.CreateCommentRequest(
            record_type=record_type, record_id=path_id(record_id, parameter), body=body.body))
        response.headers["Location"] = f"{COLLECTION}/{created.id}"
        set_etag(response, created.version)
        return comment_read(created)

    @api.get("", response_model=CommentPage, responses=problems(403), summary=f"Comments on a {what}, newest first",
             operation_id=f"list_{record_type}_comments")
    async def list_(record_id: RecordId, page_size: PageSize = 50, page_token: PageToken = "") -> CommentPage:
        page = await call(comments().ListComments, companions_pb2.ListCommentsRequest(
            record_type=record_type, record_id=path_id(record_id, parameter), page_size=page_size,
            page_token=page_token))
        return CommentPage(items=[comment_read(c) for c in page.comments], next_page_token=page.next_page_token)

    return api


def routers(comments) -> list[APIRouter]:
    """``comments`` returns the CommentService stub."""
    api = APIRouter(prefix=COLLECTION, tags=["comments"])

    @api.get("/{comment_id}", response_model=CommentRead, responses=problems(403), summary="Read a comment")
    async def get_comment(comment_id: CommentId, response: Response) -> CommentRead:
        comment = await call(comments().GetComment,
                             companions_pb2.GetCommentRequest(id=path_id(comment_id, "comment_id")))
        set_etag(response, comment.version)
        return comment_read(comment)

    @api.patch("/{comment_id}", response_model=CommentRead, responses=problems(403, 412, 428),
               summary="Edit a comment (its author or an org manager; If-Match required)")
    async def update_comment(comment_id: CommentId, body: CommentWrite, response: Response,
                             if_match: IfMatch = None) -> CommentRead:
        comment = await call(comments().UpdateComment, companions_pb2.UpdateCommentRequest(
            id=path_id(comment_id, "comment_id"), expected_version=expected_version(if_match), body=body.body))
        set_etag(response, comment.version)
        return comment_read(comment)

    @api.delete("/{comment_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problems(403, 412, 428),
                summary="Delete a comment (its author or an org manager; If-Match required)")
    async def delete_comment(comment_id: CommentId, if_match: IfMatch = None) -> Response:
        await call(comments().DeleteComment, companions_pb2.DeleteCommentRequest(
            id=path_id(comment_id, "comment_id"), expected_version=expected_version(if_match)))
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return [_record_routes(comments, "company"), _record_routes(comments, "contact_person"), api]
