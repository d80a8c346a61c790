"""The Microsoft Graph mail provider (Exchange Online / Microsoft 365): one mailbox, app-only tokens.

Every request asks for immutable ids (``Prefer: IdType="ImmutableId"``,
https://learn.microsoft.com/graph/outlook-immutable-id), so a message keeps its ref when it is moved and the
importer's stored refs stay valid; Graph therefore never answers a ``Remap``.

Importing (https://learn.microsoft.com/graph/delta-query-messages, .../api/message-delta): a round is
``GET mailFolders/{folder}/messages/delta?$select=id,receivedDateTime`` followed through its
``@odata.nextLink`` pages to an ``@odata.deltaLink``, the cursor of the next round. One page is one batch
(``Prefer: odata.maxpagesize``); for each new or changed id of the page the MIME is fetched with
``GET messages/{id}/$value`` (https://learn.microsoft.com/graph/outlook-get-mime-message), a few at a time.
A changed message comes again under the same id; it is returned anyway and the importer dedups by ref.
Entries with ``@removed`` left the folder (moved or deleted). An expired token answers 410 →
``CursorExpired``, and the importer starts over with ``cursor=None``.

Sending: ``POST sendMail`` with the whole MIME, base64, as ``text/plain``
(https://learn.microsoft.com/graph/api/user-sendmail). The MIME form has no ``saveToSentItems``: Exchange
always keeps a copy in Sent Items, whatever ``save_copy`` says.

Rules: the inbox's ``messageRules`` (https://learn.microsoft.com/graph/api/mailfolder-post-messagerules),
run by Exchange on delivery, so ``server_rules`` is True.

Retries, throttling (429/503 with ``Retry-After``), the per-mailbox limits and the mapping of failures to
the groupware errors are ``kontor.platform.groupware.graph.http.GraphHttp``'s; nothing here catches them
except ``NotFound`` where a message vanished between two requests.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import TypeVar
from urllib.parse import quote

from kontor.mail_import.providers.base import (
    FolderCount,
    ImportBatch,
    MailFolder,
    MessagePage,
    RawMessage,
    RuleConditions,
)
from kontor.mail_import.providers.graph import mapping
from kontor.platform.groupware.errors import CursorExpired, InvalidRequest, NotFound
from kontor.platform.groupware.graph.auth import GraphCredentials, TokenSource
from kontor.platform.groupware.graph.http import GRAPH_BASE, GraphHttp, user_path
from kontor.platform.groupware.graph.limits import LimitPolicy
from kontor.platform.groupware.graph.shared_limits import RedisLimits

log = logging.getLogger("kontor.mail_import.providers.graph")

SERVICE = "mail_import"  # metric names: kontor_mail_import_provider_*
IMMUTABLE_IDS = 'IdType="ImmutableId"'
LIST_PAGE = 1000  # Outlook serves at most 1000 items a page
FOLDER_PAGE = 100
T = TypeVar("T")


def _segment(ref: str) -> str:
    """An id or well-known name as one URL path segment."""
    return quote(ref, safe="")


def _oldest_first(message: RawMessage) -> tuple[bool, float]:
    return message.received_at is None, message.received_at.timestamp() if message.received_at else 0.0


class GraphMailProvider:
    """One mailbox (``mailbox``: user id or userPrincipalName) over a shared ``GraphHttp``.

    ``GraphHttp`` belongs to one app registration and keeps the per-mailbox limiters, so a long-lived one
    should be shared by every provider of that registration; the provider closes it only when it made it
    (``connect``) or is told so (``owns_http``).
    """

    name = "graph"
    server_rules = True

    def __init__(self, http: GraphHttp, mailbox: str, *, fetch_concurrency: int = 4, owns_http: bool = False) -> None:
        if not mailbox:
            raise ValueError("mailbox: required")
        self.http = http
        self.mailbox = mailbox
        self.fetch_concurrency = max(1, fetch_concurrency)
        self._owns_http = owns_http
        self._base = user_path(mailbox)
        self._roles: dict[str, str] | None = None  # folder id -> well-known name, once asked
        self._root: str | None = None  # id of the hidden root (msgfolderroot), parent of the top-level folders

    @classmethod
    def connect(cls, credentials: GraphCredentials, mailbox: str, *, base_url: str = GRAPH_BASE,
                authority: str | None = None, ca_path: str | None = None, policy: LimitPolicy | None = None,
                limits: RedisLimits | None = None, transport=None, token_source: TokenSource | None = None,
                fetch_concurrency: int = 4) -> GraphMailProvider:
        """A provider with its own ``GraphHttp`` (closed on ``__aexit__``): for a CLI, a test, one call."""
        tokens = token_source or TokenSource(credentials, authority=authority, ca_path=ca_path)
        http = GraphHttp(tokens, service=SERVICE, base_url=base_url, ca_path=ca_path, policy=policy,
                         transport=transport, limits=limits, app=f"{credentials.tenant_id}/{credentials.client_id}")
        return cls(http, mailbox, fetch_concurrency=fetch_concurrency, owns_http=True)

    async def __aenter__(self) -> GraphMailProvider:
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._owns_http:
            await self.http.aclose()

    # ---- requests -----------------------------------------------------------------------------------------

    def _headers(self, *, page_size: int | None = None, **extra: str) -> dict[str, str]:
        prefer = [IMMUTABLE_IDS] + ([f"odata.maxpagesize={page_size}"] if page_size else [])
        return {"Prefer": ", ".join(prefer), **extra}

    async def _get(self, path_or_url: str, *, params: dict | None = None, page_size: int | None = None) -> dict:
        response = await self.http.request(self.mailbox, "GET", path_or_url, params=params,
                                           headers=self._headers(page_size=page_size))
        return response.json()

    def _own_link(self, link: object) -> str:
        """A nextLink/deltaLink we are about to follow must point at the Graph we talk to: it carries the token."""
        if isinstance(link, str) and link.startswith(self.http.base_url + "/"):
            return link
        raise CursorExpired("cursor link does not point at this Graph endpoint", code="foreign_link")

    async def _pages(self, path: str, params: dict, *, page_size: int) -> AsyncIterator[list[dict]]:
        url: str | None = path
        while url:
            body = await self._get(url, params=params, page_size=page_size)
            yield body.get("value") or []
            link = body.get("@odata.nextLink")
            url, params = (self._own_link(link) if link else None), None

    async def _bounded(self, items: Iterable[T], fn: Callable[[T], Awaitable]) -> list:
        """``fn`` over ``items``, ``fetch_concurrency`` at a time, results in the items' order."""
        gate = asyncio.Semaphore(self.fetch_concurrency)

        async def one(item: T):
            async with gate:
                return await fn(item)

        tasks = [asyncio.ensure_future(one(i)) for i in items]
        try:
            return list(await asyncio.gather(*tasks))
        except BaseException:
            # the first failure (e.g. Throttled) goes up as it is; the rest of the work is not left running
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise

    # ---- folders ------------------------------------------------------------------------------------------

    async def _role_ids(self) -> dict[str, str]:
        """Folder id → well-known name. v1.0 mailFolders carry no ``wellKnownName``, so each name is asked for."""
        if self._roles is None:
            async def lookup(role: str) -> tuple[str, str] | None:
                try:
                    data = await self._get(f"{self._base}/mailFolders/{role}", params={"$select": "id"})
                except NotFound:  # e.g. no archive folder in this mailbox
                    return None
                return str(data["id"]), role

            found = await self._bounded(mapping.ROLES, lookup)
            self._roles = dict(f for f in found if f is not None)
        return self._roles

    async def _root_id(self) -> str:
        if self._root is None:
            root = await self._get(f"{self._base}/mailFolders/msgfolderroot", params={"$select": "id"})
            self._root = str(root["id"])
        return self._root

    async def _children(self, folder_id: str | None) -> list[dict]:
        path = (f"{self._base}/mailFolders/{_segment(folder_id)}/childFolders" if folder_id
                else f"{self._base}/mailFolders")
        found: list[dict] = []
        async for page in self._pages(path, {"$top": str(FOLDER_PAGE)}, page_size=FOLDER_PAGE):
            found += page
        return found

    async def folders(self) -> tuple[MailFolder, ...]:
        """Every folder of the mailbox, parents before children; top-level folders have ``parent_id`` None."""
        roles = await self._role_ids()
        out: list[MailFolder] = []
        level = [(f, False) for f in await self._children(None)]
        while level:
            out += [mapping.folder(f, parent_known=known, role=roles.get(str(f["id"]))) for f, known in level]
            parents = [str(f["id"]) for f, _ in level if f.get("childFolderCount")]
            level = [(c, True) for children in await self._bounded(parents, self._children) for c in children]
        return tuple(out)

    async def resolve_folder(self, name_or_id: str) -> MailFolder:
        if not name_or_id or not name_or_id.strip("/"):
            raise InvalidRequest("folder: a folder id, well-known name or path is required", code="folder")
        if "/" not in name_or_id:
            try:
                data = await self._get(f"{self._base}/mailFolders/{_segment(name_or_id)}")
            except (NotFound, InvalidRequest):
                pass  # not an id or well-known name (Graph: 404, or 400 for a malformed id): maybe a display name
            else:
                # the role only when asked by it: finding the roles of other folders costs a request per role
                role = name_or_id.lower() if name_or_id.lower() in mapping.ROLES else None
                top_level = data.get("parentFolderId") == await self._root_id()
                return mapping.folder(data, parent_known=not top_level, role=role)
        return await self._walk(name_or_id)

    async def _walk(self, path: str) -> MailFolder:
        """``A/B``: display names compared case-insensitively (Outlook refuses siblings differing in case only)."""
        parent: str | None = None
        found: dict | None = None
        for part in (p for p in path.split("/") if p):
            found = next((f for f in await self._children(parent)
                          if str(f.get("displayName") or "").lower() == part.lower()), None)
            if found is None:
                raise NotFound(f"folder path segment {len(part)} characters long not found", code="folder")
            parent = str(found["id"])
        if found is None:
            raise InvalidRequest("folder: a folder id, well-known name or path is required", code="folder")
        return mapping.folder(found, parent_known="/" in path.strip("/"))

    async def count(self, folder_id: str, *, with_refs: bool = False) -> FolderCount:
        data = await self._get(f"{self._base}/mailFolders/{_segment(folder_id)}",
                               params={"$select": "id,totalItemCount"})
        if not with_refs:
            return FolderCount(total=int(data.get("totalItemCount") or 0))
        refs: set[str] = set()
        path = f"{self._base}/mailFolders/{_segment(folder_id)}/messages"
        async for page in self._pages(path, {"$select": "id", "$top": str(LIST_PAGE)}, page_size=LIST_PAGE):
            refs.update(str(m["id"]) for m in page)
        return FolderCount(total=int(data.get("totalItemCount") or 0), refs=frozenset(refs))

    # ---- import -------------------------------------------------------------------------------------------

    def _round_url(self, folder_id: str, cursor: dict | None) -> tuple[str, dict | None]:
        if cursor is None:
            return (f"{self._base}/mailFolders/{_segment(folder_id)}/messages/delta",
                    {"$select": "id,receivedDateTime"})
        if not isinstance(cursor, dict):
            raise CursorExpired("cursor is not a Graph delta cursor", code="bad_cursor")
        return self._own_link(cursor.get("next_link") or cursor.get("delta_link")), None

    async def next_batch(self, folder_id: str, cursor: dict | None, batch_size: int) -> ImportBatch:
        if batch_size < 1:
            raise InvalidRequest("batch_size: must be at least 1", code="batch_size")
        url, params = self._round_url(folder_id, cursor)
        body = await self._get(url, params=params, page_size=batch_size)
        removed = frozenset(str(e["id"]) for e in body.get("value") or [] if "@removed" in e)
        present = [e for e in body.get("value") or [] if "@removed" not in e]
        fetched = await self._bounded(present, self._raw_or_none)
        # oldest first, as the interface promises; Graph does not promise an order within a delta page
        messages = tuple(sorted((m for m in fetched if m is not None), key=_oldest_first))
        if body.get("@odata.deltaLink"):
            next_cursor, done = {"delta_link": self._own_link(body["@odata.deltaLink"])}, True
        else:
            next_cursor, done = {"next_link": self._own_link(body.get("@odata.nextLink"))}, False
        log.debug("graph delta page", extra={"messages": len(messages), "removed": len(removed), "done": done})
        return ImportBatch(messages=messages, removed=removed - {m.ref for m in messages}, cursor=next_cursor,
                           done=done)

    async def _raw_or_none(self, entry: dict) -> RawMessage | None:
        ref = str(entry["id"])
        try:
            raw = await self._mime(ref)
        except NotFound:  # gone since the delta page was made; the next round reports it @removed
            return None
        return RawMessage(ref=ref, raw=raw, received_at=mapping.parse_datetime(entry.get("receivedDateTime")))

    async def _mime(self, ref: str) -> bytes:
        response = await self.http.request(self.mailbox, "GET", f"{self._base}/messages/{_segment(ref)}/$value",
                                           headers=self._headers())
        return response.content

    async def fetch(self, folder_id: str, cursor: dict, refs: list[str]) -> tuple[RawMessage, ...]:
        """The MIME of ``refs`` (those that still exist); Graph needs no cursor for that."""
        fetched = await self._bounded(refs, lambda ref: self._raw_or_none({"id": ref}))
        return tuple(m for m in fetched if m is not None)

    # ---- mailbox ------------------------------------------------------------------------------------------

    async def messages(self, folder_id: str, *, page_size: int, page_token: str | None = None) -> MessagePage:
        """Newest first; the token is the ``$skip`` of the next page (Graph's own nextLinks use ``$skip`` too)."""
        if not 1 <= page_size <= LIST_PAGE:
            raise InvalidRequest(f"page_size: between 1 and {LIST_PAGE}", code="page_size")
        skip = mapping.decode_page_token(page_token) if page_token else 0
        params = {"$select": mapping.SUMMARY_FIELDS, "$orderby": "receivedDateTime desc", "$top": str(page_size)}
        if skip:
            params["$skip"] = str(skip)
        body = await self._get(f"{self._base}/mailFolders/{_segment(folder_id)}/messages", params=params)
        items = tuple(mapping.summary(m, folder_id) for m in body.get("value") or [])
        more = bool(body.get("@odata.nextLink")) and bool(items)
        return MessagePage(items=items, next_page_token=mapping.encode_page_token(skip + len(items)) if more else None)

    async def raw_message(self, folder_id: str, ref: str) -> bytes:
        return await self._mime(ref)

    async def move(self, source_folder_id: str, refs: list[str], target_folder_id: str) -> dict[str, str]:
        """Old ref → ref after the move (the same: immutable ids). Refs that no longer exist are left out."""
        async def one(ref: str) -> tuple[str, str] | None:
            try:
                response = await self.http.request(
                    self.mailbox, "POST", f"{self._base}/messages/{_segment(ref)}/move",
                    json={"destinationId": target_folder_id}, headers=self._headers())
            except NotFound:
                return None
            return ref, str(response.json()["id"])

        return dict(m for m in await self._bounded(refs, one) if m is not None)

    async def send(self, raw: bytes, *, save_copy: bool = True) -> None:
        """Exchange keeps a copy in Sent Items for every MIME send; ``save_copy=False`` cannot prevent that."""
        if not save_copy:
            log.info("graph MIME send keeps a Sent Items copy regardless", extra={"save_copy": False})
        # Not retried on 5xx or network errors: sendMail is not idempotent and a retry could send twice.
        await self.http.request(self.mailbox, "POST", f"{self._base}/sendMail", content=base64.b64encode(raw),
                                headers=self._headers(**{"Content-Type": "text/plain"}), retry_server_errors=False)

    # ---- rules --------------------------------------------------------------------------------------------

    def _rules_path(self) -> str:
        return f"{self._base}/mailFolders/inbox/messageRules"

    async def create_rule(self, name: str, conditions: RuleConditions, target_folder_id: str) -> str:
        """Appended after the mailbox's existing rules (``sequence`` = highest + 1)."""
        existing = [r async for page in self._pages(self._rules_path(), {}, page_size=FOLDER_PAGE) for r in page]
        sequence = max((int(r.get("sequence") or 0) for r in existing), default=0) + 1
        body = {**mapping.rule_body(name, conditions, target_folder_id), "sequence": sequence}
        response = await self.http.request(self.mailbox, "POST", self._rules_path(), json=body,
                                           headers=self._headers())
        return str(response.json()["id"])

    async def update_rule(self, rule_id: str, name: str, conditions: RuleConditions, target_folder_id: str) -> None:
        await self.http.request(self.mailbox, "PATCH", f"{self._rules_path()}/{_segment(rule_id)}",
                                json=mapping.rule_body(name, conditions, target_folder_id), headers=self._headers())

    async def delete_rule(self, rule_id: str) -> None:
        """Deleting a rule that is already gone counts as done."""
        try:
            await self.http.request(self.mailbox, "DELETE", f"{self._rules_path()}/{_segment(rule_id)}",
                                    headers=self._headers())
        except NotFound:
            pass
