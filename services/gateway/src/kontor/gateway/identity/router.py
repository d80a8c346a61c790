"""HTTP edge of login and sessions: /api/v1/auth."""

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from kontor.platform.auth import Principal
from kontor.platform.http import PROBLEM_RESPONSES, bearer_principal
from kontor.platform.runtime import Runtime

from kontor.gateway.edge.limits import TOO_MANY_REQUESTS_RESPONSE
from kontor.gateway.identity.schemas import LoginRequest, RefreshRequest, TokenPair
from kontor.gateway.identity.service import Auth

_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}  # tokens must not sit in caches


def _no_store(response: Response) -> None:
    response.headers.update(_NO_STORE)


def auth_router(rt: Runtime, auth: Callable[[], Auth]) -> APIRouter:
    Caller = Annotated[Principal, Depends(bearer_principal(lambda: rt.verifier))]
    router = APIRouter(prefix="/api/v1/auth", tags=["auth"],
                       responses={**PROBLEM_RESPONSES, 429: TOO_MANY_REQUESTS_RESPONSE})

    @router.post("/login", response_model=TokenPair, summary="Log in with tenant, email and password",
                 description="Answers an access token (EdDSA JWT) and a refresh token. Wrong tenant, email or "
                 "password all answer the same 401. After repeated failures for an account or from an address "
                 "the answer is 429 with Retry-After, whether the account exists or not.")
    async def login(body: LoginRequest, request: Request, response: Response) -> TokenPair:
        _no_store(response)
        address = request.client.host if request.client else "unknown"
        return await auth().login(body, address=address)

    @router.post("/refresh", response_model=TokenPair, summary="Exchange a refresh token for a new pair",
                 description="Every refresh token is valid once. Presenting one that was already exchanged "
                 "ends the whole session (all its refresh tokens), because someone else holds a copy.")
    async def refresh(body: RefreshRequest, response: Response) -> TokenPair:
        _no_store(response)
        return await auth().refresh(body.refresh_token)

    @router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, response_class=Response,
                 summary="End this session (revoke its refresh tokens)",
                 description="Access tokens already issued stay valid until they expire (minutes).")
    async def logout(body: RefreshRequest) -> Response:
        await auth().logout(body.refresh_token)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    @router.post("/logout-all", status_code=status.HTTP_204_NO_CONTENT, response_class=Response,
                 summary="Log out everywhere: revoke every refresh token of the caller")
    async def logout_all(caller: Caller) -> Response:
        await auth().logout_everywhere(tenant_id=caller.tenant_id, user_id=caller.subject)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return router
