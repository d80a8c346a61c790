"""The control API under ``/_control``: not part of Graph, no auth.

Tests and ``make dev`` use it to set up tenants and to act as the Outlook
user (changes made here look to a Graph client exactly like changes made in
Outlook: new change keys, delta entries, no throttling).

=================================================  =====================================================
``POST /_control/reset``                           forget everything
``POST /_control/tenants``                         ``{domain, id?, displayName?}``
``POST /_control/tenants/{tid}/apps``              ``{displayName, clientId?, secret?, roles?, certificates?: [PEM]}``
``PATCH /_control/apps/{clientId}``                ``{secret?, disabled?, roles?, revokeTokens?}``
``GET/POST /_control/apps/{clientId}/certificates`` the app's certificate credentials / ``{certificate: PEM,
                                                   keyId?}`` registers one (answers its keyCredential)
``DELETE …/certificates/{keyId or thumbprint}``    remove one (a rotated or revoked certificate)
``POST /_control/tenants/{tid}/mailboxes``         ``{userPrincipalName, displayName?, id?, kind?, place?}``
``POST /_control/mailboxes/{mb}/events``           Graph event JSON (+ ``iCalUId``, ``organizer``)
``PATCH /_control/mailboxes/{mb}/events/{id}``     Graph event JSON: move, make private, change an occurrence
``DELETE /_control/mailboxes/{mb}/events/{id}``    delete (an occurrence id cancels that occurrence)
``POST …/events/{id}/cancel``                      Outlook "cancel meeting"
``PUT …/events/{id}/attendees/{address}``          ``{response}``: an attendee answered (on the organizer's
                                                   item; the attendee's hosted copy follows)
``POST …/events/{id}/respond``                     ``{response: accepted|declined|tentativelyAccepted,
                                                   sendResponse?}``: the mailbox's user answers their copy in
                                                   Outlook (as Graph's accept/decline/tentativelyAccept)
``GET /_control/mailboxes/{mb}/events``            every stored event, as Graph renders it
``POST /_control/mailboxes/{mb}/delta/expire``     ``{token?, code?}``: next use answers 410
``PUT /_control/mailboxes/{mb}/throttle``          ``{maxConcurrent?, budget?, windowSeconds?, retryAfter?,
                                                   delayMs?, inject: {status, count?, seconds?, retryAfter}}``
``PATCH /_control/mailboxes/{mb}``                 ``{outsideWindowRemovals?}``
``GET /_control/mailboxes/{mb}/stats``             requests served / throttled for the mailbox
``GET /_control/mailboxes/{mb}/sent``              meeting requests / updates / cancellations "sent"
``GET /_control/subscriptions``                    every change-notification subscription (subscriptions.py)
``POST /_control/subscriptions/{id}/expire``       the subscription runs out now
``POST /_control/subscriptions/{id}/lifecycle``    ``{event}``: send a lifecycle notification
``GET/PUT /_control/notifications``                delivery attempts / ``{retryDelaysSeconds?, maxAgeSeconds?,
                                                   validationTimeoutSeconds?}``
``/_control/mailboxes/{mb}/mail/…``                the mail part: deliver MIME, folders, moves, delta expiry,
                                                   sent mail (mail_control.py)
=================================================  =====================================================
"""

from __future__ import annotations

import json
import time

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from kontor.emulators.graph.certificates import load_certificate
from kontor.emulators.graph.errors import GraphError
from kontor.emulators.graph.store import Instance, Store, render_event
from kontor.emulators.graph.throttle import Throttle


_ACTION_OF_RESPONSE = {"accepted": "accept", "declined": "decline", "tentativelyAccepted": "tentativelyAccept"}


def _err(status: int, message: str) -> Response:
    return JSONResponse({"error": message}, status_code=status)


class Control:
    def __init__(self, store: Store, throttle: Throttle) -> None:
        self.store = store
        self.throttle = throttle

    def routes(self) -> list[Route]:
        r = Route
        return [
            r("/_control/reset", self.reset, methods=["POST"]),
            r("/_control/tenants", self.add_tenant, methods=["POST"]),
            r("/_control/tenants/{tid}/apps", self.add_app, methods=["POST"]),
            r("/_control/apps/{client_id}", self.patch_app, methods=["PATCH"]),
            r("/_control/apps/{client_id}/certificates", self.app_certificates, methods=["GET", "POST"]),
            r("/_control/apps/{client_id}/certificates/{ref}", self.remove_certificate, methods=["DELETE"]),
            r("/_control/tenants/{tid}/mailboxes", self.add_mailbox, methods=["POST"]),
            r("/_control/mailboxes/{mb}", self.patch_mailbox, methods=["PATCH"]),
            r("/_control/mailboxes/{mb}/events", self.events, methods=["GET", "POST"]),
            r("/_control/mailboxes/{mb}/events/{id}", self.event, methods=["GET", "PATCH", "DELETE"]),
            r("/_control/mailboxes/{mb}/events/{id}/cancel", self.cancel, methods=["POST"]),
            r("/_control/mailboxes/{mb}/events/{id}/attendees/{address}", self.attendee, methods=["PUT"]),
            r("/_control/mailboxes/{mb}/events/{id}/respond", self.respond, methods=["POST"]),
            r("/_control/mailboxes/{mb}/delta/expire", self.expire, methods=["POST"]),
            r("/_control/mailboxes/{mb}/throttle", self.set_throttle, methods=["PUT"]),
            r("/_control/mailboxes/{mb}/stats", self.stats, methods=["GET"]),
            r("/_control/mailboxes/{mb}/sent", self.sent, methods=["GET"]),
        ]

    async def _body(self, request: Request) -> dict:
        raw = await request.body()
        return json.loads(raw) if raw else {}

    async def _run(self, fn):
        try:
            return fn()
        except GraphError as exc:
            return JSONResponse({"error": {"code": exc.code, "message": exc.message}}, status_code=exc.status)
        except KeyError as exc:
            return _err(404, f"unknown {exc}")

    def _render(self, mb, inst: Instance) -> dict:
        return render_event(mb, inst, tz_name=None, expand_ext=[])

    async def reset(self, request: Request) -> Response:
        self.store.reset()
        self.throttle.reset()
        return Response(status_code=204)

    async def add_tenant(self, request: Request) -> Response:
        b = await self._body(request)
        t = self.store.add_tenant(domain=b["domain"], tenant_id=b.get("id"), display_name=b.get("displayName"))
        return JSONResponse({"id": t.id, "domain": t.domain, "displayName": t.display_name}, status_code=201)

    async def add_app(self, request: Request) -> Response:
        b = await self._body(request)

        def go():
            try:
                certificates = [load_certificate(pem) for pem in b.get("certificates") or []]
            except ValueError as exc:
                return _err(400, f"certificates: {exc}")
            a = self.store.add_app(request.path_params["tid"], display_name=b.get("displayName", "Kontor"),
                                   client_id=b.get("clientId"), secret=b.get("secret"), roles=b.get("roles"))
            a.certificates.extend(certificates)
            return JSONResponse({"tenantId": a.tenant_id, "clientId": a.client_id, "secret": a.secret,
                                 "displayName": a.display_name, "roles": a.roles,
                                 "keyCredentials": [c.render() for c in certificates]}, status_code=201)
        return await self._run(go)

    async def app_certificates(self, request: Request) -> Response:
        b = await self._body(request) if request.method == "POST" else {}
        with self.store.lock:
            app = self.store.apps.get(request.path_params["client_id"])
            if app is None:
                return _err(404, "unknown app")
            if request.method == "GET":
                return JSONResponse({"value": [c.render() for c in app.certificates]})
            try:
                cert = load_certificate(b.get("certificate"), key_id=b.get("keyId"))
            except ValueError as exc:
                return _err(400, str(exc))
            app.certificates.append(cert)
            return JSONResponse(cert.render(), status_code=201)

    async def remove_certificate(self, request: Request) -> Response:
        ref = request.path_params["ref"]
        with self.store.lock:
            app = self.store.apps.get(request.path_params["client_id"])
            if app is None:
                return _err(404, "unknown app")
            kept = [c for c in app.certificates if ref != c.key_id and ref.upper() != c.thumbprint]
            if len(kept) == len(app.certificates):
                return _err(404, "unknown certificate")
            app.certificates[:] = kept
        return Response(status_code=204)

    async def patch_app(self, request: Request) -> Response:
        b = await self._body(request)
        with self.store.lock:
            app = self.store.apps.get(request.path_params["client_id"])
            if app is None:
                return _err(404, "unknown app")
            if "secret" in b:
                app.secret = b["secret"]
            if "disabled" in b:
                app.disabled = bool(b["disabled"])
            if "roles" in b:
                app.roles = list(b["roles"])
            if b.get("revokeTokens"):
                app.token_generation += 1
        return Response(status_code=204)

    async def add_mailbox(self, request: Request) -> Response:
        b = await self._body(request)

        def go():
            mb = self.store.add_mailbox(request.path_params["tid"], upn=b["userPrincipalName"], display_name=b.get("displayName"),
                                        mailbox_id=b.get("id"), kind=b.get("kind", "user"), place=b.get("place"))
            return JSONResponse({"id": mb.id, "userPrincipalName": mb.upn, "displayName": mb.display_name, "kind": mb.kind},
                                status_code=201)
        return await self._run(go)

    async def patch_mailbox(self, request: Request) -> Response:
        b = await self._body(request)

        def go():
            mb = self.store.mailbox(request.path_params["mb"])
            if "outsideWindowRemovals" in b:
                mb.outside_window_removals = bool(b["outsideWindowRemovals"])
            return Response(status_code=204)
        return await self._run(go)

    async def events(self, request: Request) -> Response:
        b = await self._body(request) if request.method == "POST" else {}

        def go():
            mb = self.store.mailbox(request.path_params["mb"])
            if request.method == "GET":
                with self.store.lock:
                    evs = sorted(mb.events.values(), key=lambda e: (e.start, e.id))
                    return JSONResponse({"value": [self._render(mb, Instance(e.id, e.change_key, e.start, e.end, e, e.original_start)) for e in evs]})
            body = {k: v for k, v in b.items() if k not in ("iCalUId", "organizer")}
            ev, _ = self.store.create_event(mb, body, organizer=b.get("organizer"), ical_uid=b.get("iCalUId"))
            return JSONResponse(self._render(mb, Instance(ev.id, ev.change_key, ev.start, ev.end, ev)), status_code=201)
        return await self._run(go)

    async def event(self, request: Request) -> Response:
        b = await self._body(request) if request.method == "PATCH" else {}

        def go():
            mb = self.store.mailbox(request.path_params["mb"])
            event_id = request.path_params["id"]
            if request.method == "DELETE":
                self.store.delete_event(mb, event_id)
                return Response(status_code=204)
            if request.method == "PATCH":
                ev = self.store.update_event(mb, event_id, b)
                event_id = ev.id
            return JSONResponse(self._render(mb, self.store.get_instance(mb, event_id)))
        return await self._run(go)

    async def cancel(self, request: Request) -> Response:
        def go():
            self.store.cancel_event(self.store.mailbox(request.path_params["mb"]), request.path_params["id"])
            return Response(status_code=204)
        return await self._run(go)

    async def attendee(self, request: Request) -> Response:
        b = await self._body(request)

        def go():
            mb = self.store.mailbox(request.path_params["mb"])
            self.store.set_attendee_response(mb, request.path_params["id"], request.path_params["address"], b.get("response", "accepted"))
            return Response(status_code=204)
        return await self._run(go)

    async def respond(self, request: Request) -> Response:
        b = await self._body(request)
        action = _ACTION_OF_RESPONSE.get(str(b.get("response", "")))

        def go():
            if action is None:
                return _err(400, "response: use accepted, declined or tentativelyAccepted")
            mb = self.store.mailbox(request.path_params["mb"])
            self.store.respond(mb, request.path_params["id"], action, send_response=bool(b.get("sendResponse", True)))
            return Response(status_code=204)
        return await self._run(go)

    async def expire(self, request: Request) -> Response:
        b = await self._body(request)

        def go():
            mb = self.store.mailbox(request.path_params["mb"])
            n = self.store.expire_delta_tokens(mb, b.get("token"), b.get("code", "SyncStateNotFound"))
            return JSONResponse({"expired": n})
        return await self._run(go)

    async def set_throttle(self, request: Request) -> Response:
        b = await self._body(request)

        def go():
            mb = self.store.mailbox(request.path_params["mb"])
            p = mb.throttle
            with self.store.lock:
                p.max_concurrent = int(b.get("maxConcurrent", p.max_concurrent))
                p.budget = int(b.get("budget", p.budget))
                p.window_seconds = float(b.get("windowSeconds", p.window_seconds))
                p.retry_after_seconds = int(b.get("retryAfter", p.retry_after_seconds))
                p.delay_ms = int(b.get("delayMs", p.delay_ms))
                inject = b.get("inject")
                if inject is not None:
                    p.inject_status = int(inject.get("status", 429))
                    p.inject_count = int(inject.get("count", 0))
                    p.inject_until = time.time() + float(inject["seconds"]) if inject.get("seconds") else 0.0
                    p.inject_retry_after = int(inject.get("retryAfter", 1))
            return Response(status_code=204)
        return await self._run(go)

    async def stats(self, request: Request) -> Response:
        def go():
            mb = self.store.mailbox(request.path_params["mb"])
            return JSONResponse(self.throttle.stats(mb.id))
        return await self._run(go)

    async def sent(self, request: Request) -> Response:
        def go():
            mb = self.store.mailbox(request.path_params["mb"])
            with self.store.lock:
                return JSONResponse({"value": list(mb.sent)})
        return await self._run(go)
