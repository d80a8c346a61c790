"""REST resources of mail-import: /api/v1/mail/accounts (accounts, credentials, connection test, import health,
rules, the mailbox and sending), /api/v1/mail/rules, /api/v1/mail/mails, /api/v1/mail/filings,
/api/v1/mail/records/{type}/{id}/mails and /api/v1/mail/overview. See docs/mail-api.md.

Every route needs a bearer token (forwarded to mail-import, which decides rights and visibility); these routes
only translate. The request's Accept-Language goes along as gRPC metadata ``accept-language``: mail-import
writes health reasons, log lines and connection-test messages in German or English by it. Accounts and rules
carry their version as ETag; changes require If-Match (428 without, 412 stale). Folder ids and message refs
are base64url keys (keys.py).
"""

from fastapi import APIRouter, Depends

from kontor.platform.http import PROBLEM_RESPONSES, bearer_principal
from kontor.platform.runtime import Runtime

from kontor.gateway.edge import languages
from kontor.gateway.mail_api import accounts, imports, mailbox, mails, rules


def routers(rt: Runtime) -> list[APIRouter]:
    api = APIRouter(dependencies=[Depends(bearer_principal(lambda: rt.verifier)), Depends(languages.remember)],
                    responses=PROBLEM_RESPONSES)
    stubs = lambda: rt.extras["upstreams"]  # noqa: E731 - resolved per request: upstreams connect at start-up
    timeout_s = rt.settings.attachment_transfer_timeout_s
    api.include_router(accounts.router(stubs))
    api.include_router(imports.router(stubs))
    api.include_router(rules.router(stubs))
    api.include_router(mailbox.router(stubs, timeout_s=timeout_s))
    api.include_router(mailbox.send_router(stubs, max_bytes=rt.settings.mail_send_max_bytes))
    api.include_router(mails.router(stubs, timeout_s=timeout_s))
    return [api]
