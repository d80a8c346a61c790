"""Graph v1.0 mail routes under ``/v1.0/users/{id | userPrincipalName}/`` (the store: mail_store.py).

They sit behind the calendar part's guard (graph.py): the same token check, tenant scoping, per-mailbox
throttling (429 + ``Retry-After``) and error bodies.

* ``GET mailFolders``, ``mailFolders/{id}``, ``mailFolders/{id}/childFolders``; ``POST`` on the last two
  creates a folder (https://learn.microsoft.com/graph/api/user-list-mailfolders,
  https://learn.microsoft.com/graph/api/mailfolder-post-childfolders). Well-known names (``inbox``,
  ``sentitems``, ``deleteditems``, ``drafts``) stand for their folders.
* ``GET messages``, ``mailFolders/{id}/messages``: newest first, ``$top`` / ``Prefer: odata.maxpagesize``,
  ``@odata.nextLink`` with ``$skip``, ``$select`` (https://learn.microsoft.com/graph/api/user-list-messages).
* ``GET/PATCH/DELETE messages/{id}`` (https://learn.microsoft.com/graph/api/message-get); ``Prefer:
  outlook.body-content-type="text"`` for a text body; PATCH takes ``isRead`` and ``categories``; DELETE moves
  to Deleted Items (https://learn.microsoft.com/graph/api/message-delete).
* ``GET messages/{id}/$value``: the MIME as delivered (https://learn.microsoft.com/graph/outlook-get-mime-message).
* ``GET messages/{id}/attachments``, ``…/attachments/{id}``, ``…/attachments/{id}/$value``
  (https://learn.microsoft.com/graph/api/message-list-attachments).
* ``POST messages/{id}/move`` and ``copy`` ``{destinationId}`` → 201 with the message in its new folder
  (https://learn.microsoft.com/graph/api/message-move); without ``Prefer: IdType="ImmutableId"`` the id changes.
* ``GET mailFolders/{id}/messages/delta`` (https://learn.microsoft.com/graph/api/message-delta): rounds of
  ``$skiptoken`` nextLinks ending in a ``$deltatoken`` deltaLink; ``$select``; the custom option
  ``changeType=created|updated|deleted`` (https://learn.microsoft.com/graph/delta-query-messages); 410 on an
  expired token. Not emulated: ``$filter=receivedDateTime ge …`` and ``$orderby`` on delta (ignored).
* ``GET/POST mailFolders/inbox/messageRules``, ``GET/PATCH/DELETE …/messageRules/{id}``
  (https://learn.microsoft.com/graph/api/mailfolder-post-messagerules); rules exist on the inbox only.
* ``POST sendMail`` (https://learn.microsoft.com/graph/api/user-sendmail): JSON ``{message, saveToSentItems}``
  or ``Content-Type: text/plain`` with base64 MIME; 202 without a body. Recipients hosted by the emulator get
  the mail in their inbox (their rules run); a copy goes to Sent Items unless ``saveToSentItems`` is false.
* Permissions (application): reads ``Mail.Read`` / ``Mail.ReadBasic`` / ``Mail.ReadWrite``, writes
  ``Mail.ReadWrite``, sendMail ``Mail.Send``, rules ``MailboxSettings.Read`` / ``MailboxSettings.ReadWrite``;
  otherwise 403 ``ErrorAccessDenied``.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from kontor.emulators.graph.errors import GraphError
from kontor.emulators.graph.mail_mime import body_as, compose_json, compose_mime, conversation_id, parse_mail
from kontor.emulators.graph.mail_store import MailFolder, MailStore, StoredMessage
from kontor.emulators.graph.paging import page_size
from kontor.emulators.graph.store import Mailbox
from kontor.emulators.graph.timezones import format_utc, parse_prefer

READ = {"Mail.Read", "Mail.ReadBasic", "Mail.ReadWrite"}
WRITE = {"Mail.ReadWrite"}
SEND = {"Mail.Send"}
RULES_READ = {"MailboxSettings.Read", "MailboxSettings.ReadWrite"}
RULES_WRITE = {"MailboxSettings.ReadWrite"}
MAX_ROUNDS = 256

_F = r"mailfolders/(?P<folder>[^/]+)"
_M = r"(?:mailfolders/[^/]+/)?messages/(?P<id>[^/]+)"
ROUTES = [
    ("folders", re.compile(r"^mailfolders$", re.I)),
    ("delta", re.compile(rf"^{_F}/messages/(?:delta|microsoft\.graph\.delta(?:\(\))?)$", re.I)),
    ("rules", re.compile(rf"^{_F}/messagerules$", re.I)),
    ("rule", re.compile(rf"^{_F}/messagerules/(?P<rule>[^/]+)$", re.I)),
    ("children", re.compile(rf"^{_F}/childfolders$", re.I)),
    ("folder_messages", re.compile(rf"^{_F}/messages$", re.I)),
    ("folder", re.compile(rf"^{_F}$", re.I)),
    ("messages", re.compile(r"^messages$", re.I)),
    ("mime", re.compile(rf"^{_M}/\$value$", re.I)),
    ("attachment_value", re.compile(rf"^{_M}/attachments/(?P<att>[^/]+)/\$value$", re.I)),
    ("attachment", re.compile(rf"^{_M}/attachments/(?P<att>[^/]+)$", re.I)),
    ("attachments", re.compile(rf"^{_M}/attachments$", re.I)),
    ("move", re.compile(rf"^{_M}/(?P<action>move|copy)$", re.I)),
    ("message", re.compile(rf"^{_M}$", re.I)),
    ("sendmail", re.compile(r"^sendmail$", re.I)),
]


def _needed(name: str, method: str) -> set[str]:
    if name == "sendmail":
        return SEND
    if name in ("rules", "rule"):
        return RULES_READ if method == "GET" else RULES_WRITE
    return READ if method == "GET" else WRITE


class MailApi:
    def __init__(self, mail: MailStore, base_url_fn) -> None:
        self.mail = mail
        self._base = base_url_fn

    def handles(self, rest: str) -> bool:
        return any(p.match(rest) for _, p in ROUTES)

    async def dispatch(self, request: Request, app, mb: Mailbox, rest: str) -> Response:
        for name, pattern in ROUTES:
            m = pattern.match(rest)
            if m:
                if not _needed(name, request.method) & set(app.roles):
                    raise GraphError(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
                handler = getattr(self, f"_{name}_{request.method.lower()}", None)
                if handler is None:
                    raise GraphError(405, "BadRequest", f"The HTTP method '{request.method}' is not supported for this resource.")
                return await handler(request, mb, **m.groupdict())
        raise GraphError(400, "BadRequest", f"Resource not found for the segment '{rest.split('/')[-1]}'.")

    # ---- helpers -------------------------------------------------------------------------------

    def _prefs(self, request: Request) -> dict[str, str]:
        return parse_prefer(request.headers.getlist("prefer"))

    def _immutable(self, request: Request) -> bool:
        return self._prefs(request).get("idtype", "").lower() == "immutableid"

    def _shown_id(self, request: Request):
        immutable = self._immutable(request)
        return lambda m: m.immutable_id if immutable else m.rest_id

    def _page_size(self, request: Request) -> int:
        return page_size(request)

    def _applied(self, request: Request, response: Response, *, delta: bool = False) -> Response:
        prefs = self._prefs(request)
        applied = ["odata.track-changes"] if delta else []
        if "odata.maxpagesize" in prefs and "$top" not in request.query_params:
            applied.append(f"odata.maxpagesize={prefs['odata.maxpagesize']}")
        if "idtype" in prefs:
            applied.append(f'IdType="{prefs["idtype"]}"')
        if "outlook.body-content-type" in prefs:
            applied.append(f'outlook.body-content-type="{prefs["outlook.body-content-type"]}"')
        if applied:
            response.headers["Preference-Applied"] = ", ".join(applied)
        return response

    def _context(self, mb: Mailbox, what: str) -> str:
        return f"{self._base()}/v1.0/$metadata#users('{mb.id}')/{what}"

    def _page(self, request: Request, items: list, context: str, render) -> Response:
        size = self._page_size(request)
        skip_raw = request.query_params.get("$skip", "0")
        skip = int(skip_raw) if skip_raw.isdigit() else 0
        body: dict = {"@odata.context": context}
        if skip + size < len(items):
            params = dict(request.query_params)
            params["$skip"] = str(skip + size)
            body["@odata.nextLink"] = f"{self._base()}{request.url.path}?{urlencode(params, safe='$(),:/', quote_via=quote)}"
        body["value"] = [render(i) for i in items[skip:skip + size]]
        return self._applied(request, JSONResponse(body))

    async def _json(self, request: Request) -> dict:
        try:
            body = json.loads(await request.body() or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise GraphError(400, "BadRequest", "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.") from None
        if not isinstance(body, dict):
            raise GraphError(400, "BadRequest", "Unable to read JSON request payload.")
        return body

    def _select(self, request: Request, data: dict) -> dict:
        select = request.query_params.get("$select")
        if not select:
            return data
        keep = {s.strip() for s in select.split(",")} | {"id", "@odata.etag", "@odata.type", "@removed"}
        return {k: v for k, v in data.items() if k in keep}

    # ---- rendering ------------------------------------------------------------------------------

    def render_folder(self, mb: Mailbox, f: MailFolder) -> dict:
        total, unread = self.mail.folder_counts(mb, f)
        return {"id": f.id, "displayName": f.display_name, "parentFolderId": f.parent_id,
                "childFolderCount": len(self.mail.children(mb, f)), "unreadItemCount": unread,
                "totalItemCount": total, "sizeInBytes": 0, "isHidden": False}

    def render_message(self, mb: Mailbox, m: StoredMessage, request: Request, *, delta: bool = False) -> dict:
        p = m.parsed
        shown = self._shown_id(request)(m)
        body_type = self._prefs(request).get("outlook.body-content-type", "html").lower()
        data = {
            "@odata.etag": f'W/"{m.change_key}"',
            "id": shown,
            "createdDateTime": format_utc(m.received), "lastModifiedDateTime": format_utc(m.received),
            "changeKey": m.change_key, "categories": list(m.categories),
            "receivedDateTime": format_utc(m.received), "sentDateTime": format_utc(m.received),
            "hasAttachments": any(not a.is_inline for a in p.attachments),
            "internetMessageId": p.internet_message_id, "subject": p.subject,
            "bodyPreview": p.text[:255], "importance": "normal",
            "parentFolderId": m.folder_id, "conversationId": conversation_id(p.conversation_seed),
            "isDeliveryReceiptRequested": False, "isReadReceiptRequested": False,
            "isRead": m.is_read, "isDraft": False, "webLink": f"https://outlook.office365.com/owa/?ItemID={quote(shown)}",
            "inferenceClassification": "focused",
            "body": body_as(p, "text" if body_type == "text" else "html"),
            "sender": p.sender, "from": p.sender,
            "toRecipients": p.to, "ccRecipients": p.cc, "bccRecipients": m.bcc or p.bcc, "replyTo": p.reply_to,
            "flag": {"flagStatus": "notFlagged"},
        }
        if delta:
            data = {"@odata.type": "#microsoft.graph.message", **data}
        return self._select(request, data)

    def _one(self, request: Request, context: str, data: dict, status: int = 200) -> Response:
        response = JSONResponse({"@odata.context": context, **data}, status_code=status)
        if "@odata.etag" in data:
            response.headers["ETag"] = data["@odata.etag"]
        return self._applied(request, response)

    # ---- folders --------------------------------------------------------------------------------

    async def _folders_get(self, request: Request, mb: Mailbox) -> Response:
        folders = self.mail.children(mb, self.mail.root(mb))
        return self._page(request, folders, self._context(mb, "mailFolders"), lambda f: self.render_folder(mb, f))

    async def _folders_post(self, request: Request, mb: Mailbox) -> Response:
        body = await self._json(request)
        f = self.mail.create_folder(mb, self.mail.root(mb), body.get("displayName"))
        return self._one(request, self._context(mb, "mailFolders/$entity"), self.render_folder(mb, f), 201)

    async def _folder_get(self, request: Request, mb: Mailbox, folder: str) -> Response:
        f = self.mail.folder(mb, folder)
        return self._one(request, self._context(mb, "mailFolders/$entity"), self.render_folder(mb, f))

    async def _children_get(self, request: Request, mb: Mailbox, folder: str) -> Response:
        f = self.mail.folder(mb, folder)
        return self._page(request, self.mail.children(mb, f), self._context(mb, f"mailFolders('{f.id}')/childFolders"),
                          lambda c: self.render_folder(mb, c))

    async def _children_post(self, request: Request, mb: Mailbox, folder: str) -> Response:
        body = await self._json(request)
        f = self.mail.create_folder(mb, self.mail.folder(mb, folder), body.get("displayName"))
        return self._one(request, self._context(mb, "mailFolders/$entity"), self.render_folder(mb, f), 201)

    # ---- messages -------------------------------------------------------------------------------

    async def _messages_get(self, request: Request, mb: Mailbox) -> Response:
        return self._page(request, self.mail.messages(mb), self._context(mb, "messages"),
                          lambda m: self.render_message(mb, m, request))

    async def _folder_messages_get(self, request: Request, mb: Mailbox, folder: str) -> Response:
        f = self.mail.folder(mb, folder)
        return self._page(request, self.mail.messages(mb, f), self._context(mb, f"mailFolders('{f.id}')/messages"),
                          lambda m: self.render_message(mb, m, request))

    async def _message_get(self, request: Request, mb: Mailbox, id: str) -> Response:
        m = self.mail.message(mb, id)
        return self._one(request, self._context(mb, "messages/$entity"), self.render_message(mb, m, request))

    async def _message_patch(self, request: Request, mb: Mailbox, id: str) -> Response:
        m = self.mail.update(mb, id, await self._json(request))
        return self._one(request, self._context(mb, "messages/$entity"), self.render_message(mb, m, request))

    async def _message_delete(self, request: Request, mb: Mailbox, id: str) -> Response:
        self.mail.delete(mb, id)
        return Response(status_code=204)

    async def _mime_get(self, request: Request, mb: Mailbox, id: str) -> Response:
        m = self.mail.message(mb, id)
        return Response(m.raw, media_type="text/plain")

    async def _move_post(self, request: Request, mb: Mailbox, id: str, action: str) -> Response:
        body = await self._json(request)
        if action.lower() == "move":
            m = self.mail.move(mb, id, body.get("destinationId"))
        else:
            m = self.mail.copy(mb, id, body.get("destinationId"))
        return self._one(request, self._context(mb, "messages/$entity"), self.render_message(mb, m, request), 201)

    # ---- attachments ----------------------------------------------------------------------------

    def _render_attachment(self, m: StoredMessage, index: int, *, content: bool) -> dict:
        a = m.parsed.attachments[index]
        data = {"@odata.type": "#microsoft.graph.itemAttachment" if a.item else "#microsoft.graph.fileAttachment",
                "id": m.attachment_ids[index], "lastModifiedDateTime": format_utc(m.received), "name": a.name,
                "contentType": a.content_type, "size": len(a.content), "isInline": a.is_inline}
        if not a.item:
            data["contentId"] = a.content_id
            if content:
                data["contentBytes"] = base64.b64encode(a.content).decode()
        return data

    def _attachment_index(self, m: StoredMessage, att: str) -> int:
        if att not in m.attachment_ids:
            raise GraphError(404, "ErrorItemNotFound", "The specified object was not found in the store.")
        return m.attachment_ids.index(att)

    async def _attachments_get(self, request: Request, mb: Mailbox, id: str) -> Response:
        m = self.mail.message(mb, id)
        return self._page(request, list(range(len(m.attachment_ids))), self._context(mb, f"messages('{id}')/attachments"),
                          lambda i: self._render_attachment(m, i, content=True))

    async def _attachment_get(self, request: Request, mb: Mailbox, id: str, att: str) -> Response:
        m = self.mail.message(mb, id)
        data = self._render_attachment(m, self._attachment_index(m, att), content=True)
        return self._one(request, self._context(mb, f"messages('{id}')/attachments/$entity"), data)

    async def _attachment_value_get(self, request: Request, mb: Mailbox, id: str, att: str) -> Response:
        m = self.mail.message(mb, id)
        a = m.parsed.attachments[self._attachment_index(m, att)]
        return Response(a.content, media_type=a.content_type)

    # ---- delta ----------------------------------------------------------------------------------

    async def _delta_get(self, request: Request, mb: Mailbox, folder: str) -> Response:
        q = request.query_params
        for unsupported in ("$expand", "$search", "$skip"):
            if unsupported in q:
                raise GraphError(400, "ErrorInvalidUrlQuery",
                                 f"The following parameters are not supported with change tracking over the 'Messages' resource: '{unsupported}'.")
        f = self.mail.folder(mb, folder)
        size = self._page_size(request)
        render = lambda m: self.render_message(mb, m, request, delta=True)  # noqa: E731
        shown = self._shown_id(request)
        skiptoken, deltatoken = q.get("$skiptoken"), q.get("$deltatoken")
        box = self.mail.box(mb)
        with self.mail.lock:
            if skiptoken:
                round_id, _, index = skiptoken.rpartition(".")
                rnd = box.delta_rounds.get(round_id)
                state = box.delta_states.get(rnd.delta_token) if rnd else None
                if rnd is None or not index.isdigit() or int(index) >= len(rnd.pages) or state is None or state.expired:
                    raise GraphError(410, state.expired if state and state.expired else "SyncStateNotFound",
                                     f"The sync state generation is not found; generation={box.seq};[highest={box.seq}].")
                page_index = int(index)
            else:
                if deltatoken:
                    rnd = self.mail.delta_continue(mb, f, deltatoken, size, render, shown)
                else:
                    change_type = q.get("changeType")
                    if change_type not in (None, "created", "updated", "deleted"):
                        raise GraphError(400, "ErrorInvalidUrlQuery", "changeType: use created, updated or deleted.")
                    rnd = self.mail.delta_start(mb, f, size, render, shown, change_type)
                round_id = secrets.token_urlsafe(18)
                box.delta_rounds[round_id] = rnd
                while len(box.delta_rounds) > MAX_ROUNDS:
                    box.delta_rounds.pop(next(iter(box.delta_rounds)))
                page_index = 0
        path = request.url.path
        body: dict = {"@odata.context": f"{self._base()}/v1.0/$metadata#Collection(message)"}
        # $select rides along in the links, as Graph encodes it into the tokens
        extra = f"&$select={quote(q['$select'], safe=',')}" if "$select" in q else ""
        if page_index + 1 < len(rnd.pages):
            body["@odata.nextLink"] = f"{self._base()}{path}?$skiptoken={round_id}.{page_index + 1}{extra}"
        else:
            body["@odata.deltaLink"] = f"{self._base()}{path}?$deltatoken={rnd.delta_token}{extra}"
        body["value"] = rnd.pages[page_index]
        return self._applied(request, JSONResponse(body), delta=True)

    # ---- rules ----------------------------------------------------------------------------------

    def _inbox_only(self, mb: Mailbox, folder: str) -> None:
        if self.mail.folder(mb, folder).well_known != "inbox":
            raise GraphError(400, "ErrorInvalidRequest", "messageRules exist on the Inbox folder only.")

    async def _rules_get(self, request: Request, mb: Mailbox, folder: str) -> Response:
        self._inbox_only(mb, folder)
        return self._page(request, self.mail.rules(mb), self._context(mb, "mailFolders('inbox')/messageRules"),
                          lambda r: r.render())

    async def _rules_post(self, request: Request, mb: Mailbox, folder: str) -> Response:
        self._inbox_only(mb, folder)
        r = self.mail.create_rule(mb, await self._json(request))
        return self._one(request, self._context(mb, "mailFolders('inbox')/messageRules/$entity"), r.render(), 201)

    async def _rule_get(self, request: Request, mb: Mailbox, folder: str, rule: str) -> Response:
        self._inbox_only(mb, folder)
        return self._one(request, self._context(mb, "mailFolders('inbox')/messageRules/$entity"), self.mail.rule(mb, rule).render())

    async def _rule_patch(self, request: Request, mb: Mailbox, folder: str, rule: str) -> Response:
        self._inbox_only(mb, folder)
        r = self.mail.update_rule(mb, rule, await self._json(request))
        return self._one(request, self._context(mb, "mailFolders('inbox')/messageRules/$entity"), r.render())

    async def _rule_delete(self, request: Request, mb: Mailbox, folder: str, rule: str) -> Response:
        self._inbox_only(mb, folder)
        self.mail.delete_rule(mb, rule)
        return Response(status_code=204)

    # ---- sendMail -------------------------------------------------------------------------------

    async def _sendmail_post(self, request: Request, mb: Mailbox) -> Response:
        content_type = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
        sender = mb.email()
        if content_type == "text/plain":
            outgoing, save = compose_mime(await request.body(), sender), True
        else:
            body = await self._json(request)
            if "message" not in body:
                raise GraphError(400, "ErrorInvalidRequest", "message: required.")
            save = body.get("saveToSentItems", True)
            if not isinstance(save, bool):
                raise GraphError(400, "RequestBodyRead", "saveToSentItems: cannot convert the literal to 'Edm.Boolean'.")
            outgoing = compose_json(body["message"], sender)
        self.send(mb, outgoing, save)
        return Response(status_code=202)

    def send(self, mb: Mailbox, outgoing, save_to_sent: bool) -> dict:
        """Deliver to every hosted recipient, keep the sender's copy; log it for the control API."""
        parsed = parse_mail(outgoing.raw)
        addresses = [(r.get("emailAddress") or {}).get("address", "").lower() for r in parsed.to + parsed.cc]
        addresses += [a.lower() for a in outgoing.bcc]
        delivered = []
        store = self.mail.store
        with self.mail.lock:
            for address in dict.fromkeys(addresses):
                target = next((x for x in store.mailboxes.values() if x.upn == address), None)
                if target is not None:
                    self.mail.deliver(target, outgoing.raw)
                    delivered.append(address)
            bcc = [{"emailAddress": {"name": a, "address": a}} for a in outgoing.bcc]
            copy = self.mail.deliver(mb, outgoing.raw, folder="sentitems", apply_rules=False, is_read=True,
                                     bcc=bcc) if save_to_sent else None
            entry = {"internetMessageId": parsed.internet_message_id, "subject": parsed.subject,
                     "from": parsed.sender, "toRecipients": parsed.to, "ccRecipients": parsed.cc,
                     "bccRecipients": bcc, "deliveredTo": delivered, "savedToSentItems": save_to_sent,
                     "sentItemsId": copy.immutable_id if copy else None,
                     "mime": outgoing.raw.decode("utf-8", "replace")}
            self.mail.box(mb).sent.append(entry)
            return entry
