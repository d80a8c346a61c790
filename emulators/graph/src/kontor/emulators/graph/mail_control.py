"""Control API of the mail part: the emulator plays the mail server and the Outlook user.

=====================================================  ==========================================================
``POST /_control/mailboxes/{mb}/mail/deliver``         ``{mime | mimeBase64, folder?, applyRules?, isRead?,
                                                       receivedDateTime?}``: the mail server delivers raw MIME
                                                       (default: the inbox, whose rules run); answers the ids
``GET /_control/mailboxes/{mb}/mail/folders``          every folder ``{id, displayName, parentFolderId,
                                                       wellKnownName}``
``POST /_control/mailboxes/{mb}/mail/folders``         ``{displayName, parent?}``: the user makes a folder
``GET /_control/mailboxes/{mb}/mail/messages``         ``?folder=``: every message ``{id, immutableId, folderId,
                                                       subject, internetMessageId, isRead}``
``POST …/mail/messages/{id}/move``                     ``{destination}``: the user moves a message in Outlook
``PATCH …/mail/messages/{id}``                         ``{isRead?, categories?}``
``DELETE …/mail/messages/{id}``                        ``?hard=true`` removes it, else to Deleted Items
``POST /_control/mailboxes/{mb}/mail/delta/expire``    ``{token?, code?}``: next use of the token(s) answers 410
``GET /_control/mailboxes/{mb}/mail/sent``             what sendMail sent, with the MIME
=====================================================  ==========================================================

Messages are named by either id (REST or immutable); mailboxes by id or userPrincipalName.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from kontor.emulators.graph.errors import GraphError
from kontor.emulators.graph.mail_store import MailStore, StoredMessage


def _problem(status: int, message: str) -> Response:
    return JSONResponse({"error": message}, status_code=status)


def _summary(m: StoredMessage) -> dict:
    return {"id": m.rest_id, "immutableId": m.immutable_id, "folderId": m.folder_id, "subject": m.parsed.subject,
            "internetMessageId": m.parsed.internet_message_id, "isRead": m.is_read}


class MailControl:
    def __init__(self, mail: MailStore) -> None:
        self.mail = mail

    def routes(self) -> list[Route]:
        base = "/_control/mailboxes/{mb}/mail"
        return [
            Route(f"{base}/deliver", self.deliver, methods=["POST"]),
            Route(f"{base}/folders", self.folders, methods=["GET", "POST"]),
            Route(f"{base}/messages", self.messages, methods=["GET"]),
            Route(f"{base}/messages/{{id}}", self.message, methods=["PATCH", "DELETE"]),
            Route(f"{base}/messages/{{id}}/move", self.move, methods=["POST"]),
            Route(f"{base}/delta/expire", self.expire, methods=["POST"]),
            Route(f"{base}/sent", self.sent, methods=["GET"]),
        ]

    async def _run(self, request: Request, fn, *, body: bool = False) -> Response:
        try:
            data = {}
            if body:
                raw = await request.body()
                data = json.loads(raw) if raw else {}
                if not isinstance(data, dict):
                    return _problem(400, "body: expected a JSON object")
            mb = self.mail.store.mailbox(request.path_params["mb"])
            return fn(mb, data)
        except json.JSONDecodeError:
            return _problem(400, "body: not JSON")
        except GraphError as exc:
            return JSONResponse({"error": {"code": exc.code, "message": exc.message}}, status_code=exc.status)

    async def deliver(self, request: Request) -> Response:
        def go(mb, b):
            if isinstance(b.get("mime"), str):
                raw = b["mime"].encode("utf-8")
            elif isinstance(b.get("mimeBase64"), str):
                try:
                    raw = base64.b64decode(b["mimeBase64"], validate=True)
                except (binascii.Error, ValueError):
                    return _problem(400, "mimeBase64: invalid base64")
            else:
                return _problem(400, "mime: give the message as mime (text) or mimeBase64")
            received = None
            if b.get("receivedDateTime") is not None:
                try:
                    received = datetime.fromisoformat(str(b["receivedDateTime"]).replace("Z", "+00:00"))
                except ValueError:
                    return _problem(400, "receivedDateTime: expected ISO 8601")
                if received.tzinfo is None:
                    return _problem(400, "receivedDateTime: needs a UTC offset")
            apply_rules = b.get("applyRules")
            if apply_rules is not None and not isinstance(apply_rules, bool):
                return _problem(400, "applyRules: expected true or false")
            m = self.mail.deliver(mb, raw, folder=str(b.get("folder") or "inbox"), apply_rules=apply_rules,
                                  is_read=bool(b.get("isRead", False)), received=received)
            return JSONResponse(_summary(m), status_code=201)
        return await self._run(request, go, body=True)

    async def folders(self, request: Request) -> Response:
        def go(mb, b):
            if request.method == "POST":
                parent = self.mail.folder(mb, str(b.get("parent") or "msgfolderroot"))
                f = self.mail.create_folder(mb, parent, b.get("displayName"))
                return JSONResponse({"id": f.id, "displayName": f.display_name, "parentFolderId": f.parent_id},
                                    status_code=201)
            with self.mail.lock:
                return JSONResponse({"value": [
                    {"id": f.id, "displayName": f.display_name, "parentFolderId": f.parent_id,
                     "wellKnownName": f.well_known} for f in self.mail.box(mb).folders.values()]})
        return await self._run(request, go, body=request.method == "POST")

    async def messages(self, request: Request) -> Response:
        def go(mb, _b):
            folder = request.query_params.get("folder")
            f = self.mail.folder(mb, folder) if folder else None
            return JSONResponse({"value": [_summary(m) for m in self.mail.messages(mb, f)]})
        return await self._run(request, go)

    async def message(self, request: Request) -> Response:
        def go(mb, b):
            if request.method == "DELETE":
                self.mail.delete(mb, request.path_params["id"], hard=request.query_params.get("hard") == "true")
                return Response(status_code=204)
            return JSONResponse(_summary(self.mail.update(mb, request.path_params["id"], b)))
        return await self._run(request, go, body=request.method == "PATCH")

    async def move(self, request: Request) -> Response:
        def go(mb, b):
            return JSONResponse(_summary(self.mail.move(mb, request.path_params["id"], b.get("destination"))))
        return await self._run(request, go, body=True)

    async def expire(self, request: Request) -> Response:
        def go(mb, b):
            n = self.mail.expire_delta_tokens(mb, b.get("token"), str(b.get("code") or "SyncStateNotFound"))
            return JSONResponse({"expired": n})
        return await self._run(request, go, body=True)

    async def sent(self, request: Request) -> Response:
        def go(mb, _b):
            with self.mail.lock:
                return JSONResponse({"value": list(self.mail.box(mb).sent)})
        return await self._run(request, go)
