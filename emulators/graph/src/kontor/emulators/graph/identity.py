"""The Microsoft identity platform endpoints msal needs for client credentials.

* OpenID discovery ``GET /{tenant}/v2.0/.well-known/openid-configuration``
  (https://learn.microsoft.com/entra/identity-platform/v2-protocols-oidc) —
  msal's tenant discovery reads ``token_endpoint``, ``authorization_endpoint``
  and ``issuer`` from it; an unknown tenant answers 400 ``invalid_tenant``
  (AADSTS90002), which msal turns into a ValueError.
* ``GET /{tenant}/discovery/v2.0/keys``: the JWKS the access tokens are signed with.
* ``POST /{tenant}/oauth2/v2.0/token`` with ``grant_type=client_credentials``,
  ``client_id``, ``client_secret`` and ``scope=https://graph.microsoft.com/.default``
  (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow);
  answers ``{"token_type": "Bearer", "expires_in", "ext_expires_in",
  "access_token"}``. Errors carry AADSTS codes
  (https://learn.microsoft.com/entra/identity-platform/reference-error-codes,
  https://learn.microsoft.com/azure/developer/java/sdk/troubleshooting-authentication-service-principal):
  7000215 invalid secret (401 invalid_client), 700016 unknown app
  (400 unauthorized_client), 90002 unknown tenant, 1002012 a scope without
  ``/.default``, 7000112 a disabled app.
* The same endpoint with ``client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer``
  and ``client_assertion`` instead of a secret: a JWT signed with the private key of a certificate
  registered on the app (certificate credentials; checks and AADSTS codes in certificates.py).
  Tokens got that way carry ``appidacr`` 2 instead of 1.
* ``GET /common/discovery/instance``: instance discovery. msal asks
  login.microsoftonline.com for any authority host it does not know, so a
  client of this emulator passes ``instance_discovery=False`` (documented on
  ``ClientApplication``: https://learn.microsoft.com/python/api/msal/msal.application.clientapplication),
  or, for the authority check only, the URL of this endpoint.

Access tokens are RS256 JWTs shaped like Graph's app-only tokens
(``aud`` https://graph.microsoft.com, ``iss`` https://sts.windows.net/{tid}/,
``tid``, ``appid``, ``roles``, ``idtyp`` app); Graph calls verify them.
"""

from __future__ import annotations

import base64
import hashlib
import time
import uuid

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from kontor.emulators.graph.certificates import ASSERTION_TYPE, AssertionRejected, verify_client_assertion
from kontor.emulators.graph.errors import GraphError, aad_error_response
from kontor.emulators.graph.store import App, Store

GRAPH_AUDIENCES = ("https://graph.microsoft.com", "00000003-0000-0000-c000-000000000000")
TOKEN_LIFETIME = 3599


def _b64(n: int) -> str:
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class Identity:
    def __init__(self, store: Store, base_url_fn) -> None:
        self.store = store
        self._base = base_url_fn
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pub = self._key.public_key().public_numbers()
        self.kid = base64.urlsafe_b64encode(hashlib.sha256(_b64(pub.n).encode()).digest()[:15]).decode()
        self._jwk = {"kty": "RSA", "use": "sig", "kid": self.kid, "x5t": self.kid, "n": _b64(pub.n), "e": _b64(pub.e)}

    # ---- endpoints -------------------------------------------------------------------------

    async def openid_configuration(self, request: Request) -> Response:
        ref = request.path_params["tenant"]
        tenant = self.store.tenant(ref)
        if tenant is None:
            return aad_error_response(400, "invalid_tenant", 90002, f"Tenant '{ref}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.")
        base = self._base()
        prefix = f"{base}/{ref}"
        return JSONResponse({
            "token_endpoint": f"{prefix}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": f"{prefix}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": f"{base}/{tenant.id}/v2.0",
            "request_uri_parameter_supported": False,
            "userinfo_endpoint": f"{base}/oidc/userinfo",
            "authorization_endpoint": f"{prefix}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{prefix}/oauth2/v2.0/devicecode",
            "http_logout_supported": True,
            "frontchannel_logout_supported": True,
            "end_session_endpoint": f"{prefix}/oauth2/v2.0/logout",
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "tid", "oid", "roles"],
            "tenant_region_scope": "EU",
            "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": "graph.microsoft.com",
        })

    async def keys(self, request: Request) -> Response:
        return JSONResponse({"keys": [self._jwk]})

    async def instance_discovery(self, request: Request) -> Response:
        endpoint = request.query_params.get("authorization_endpoint", "")
        base = self._base()
        host = base.split("://", 1)[1]
        if not endpoint.startswith(base):
            return JSONResponse({"error": "invalid_instance", "error_description": "AADSTS50049: Unknown or invalid instance."}, status_code=400)
        tenant = endpoint[len(base):].strip("/").split("/")[0] or "common"
        return JSONResponse({
            "tenant_discovery_endpoint": f"{base}/{tenant}/v2.0/.well-known/openid-configuration",
            "api-version": "1.1",
            "metadata": [{"preferred_network": host, "preferred_cache": host, "aliases": [host]}],
        })

    async def token(self, request: Request) -> Response:
        ref = request.path_params["tenant"]
        form = await request.form()
        tenant = self.store.tenant(ref)
        if tenant is None:
            return aad_error_response(400, "invalid_request", 90002, f"Tenant '{ref}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.")
        client_id, secret = form.get("client_id"), form.get("client_secret")
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("basic "):
            client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
        if form.get("grant_type") != "client_credentials":
            return aad_error_response(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type.")
        if not client_id:
            return aad_error_response(400, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'.")
        app = self.store.apps.get(str(client_id))
        if app is None or app.tenant_id != tenant.id:
            return aad_error_response(400, "unauthorized_client", 700016, f"Application with identifier '{client_id}' was not found in the directory '{tenant.display_name}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.")
        assertion, assertion_type = form.get("client_assertion"), form.get("client_assertion_type")
        if assertion or assertion_type:  # certificate credential (certificates.py)
            if assertion_type != ASSERTION_TYPE:
                return aad_error_response(400, "invalid_request", 900144, "The request body must contain the following parameter: 'client_assertion_type'.")
            if not assertion:
                return aad_error_response(400, "invalid_request", 900144, "The request body must contain the following parameter: 'client_assertion'.")
            try:
                verify_client_assertion(str(assertion), client_id=app.client_id, certificates=list(app.certificates),
                                        audiences=self._token_endpoints(tenant), now=time.time())
            except AssertionRejected as exc:
                return aad_error_response(*exc.args)
            authenticated_by = "2"  # appidacr: 2 = certificate, 1 = secret
        elif not secret:
            return aad_error_response(401, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
        elif secret != app.secret:
            return aad_error_response(401, "invalid_client", 7000215, f"Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{app.client_id}'.")
        else:
            authenticated_by = "1"
        if app.disabled:
            return aad_error_response(400, "unauthorized_client", 7000112, f"Application '{app.client_id}'({app.display_name}) is disabled.")
        scopes = str(form.get("scope") or "").split()
        resource = [s for s in scopes if s.endswith("/.default")]
        if not resource:
            return aad_error_response(400, "invalid_scope", 1002012, f"The provided value for scope {' '.join(scopes)} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).")
        return JSONResponse({"token_type": "Bearer", "expires_in": TOKEN_LIFETIME, "ext_expires_in": TOKEN_LIFETIME,
                             "access_token": self.issue(app, appidacr=authenticated_by)})

    def _token_endpoints(self, tenant) -> set[str]:
        """The ``aud`` values a client assertion may carry: this tenant's token endpoint, by id or domain."""
        base = self._base()
        return {f"{base}/{ref}/oauth2/v2.0/token" for ref in (tenant.id, tenant.domain)}

    # ---- tokens ----------------------------------------------------------------------------

    def issue(self, app: App, *, lifetime: int = TOKEN_LIFETIME, appidacr: str = "1") -> str:
        now = int(time.time())
        claims = {
            "aud": GRAPH_AUDIENCES[0],
            "iss": f"https://sts.windows.net/{app.tenant_id}/",
            "iat": now, "nbf": now, "exp": now + lifetime,
            "app_displayname": app.display_name,
            "appid": app.client_id, "appidacr": appidacr, "idp": f"https://sts.windows.net/{app.tenant_id}/",
            "idtyp": "app", "oid": str(uuid.uuid5(uuid.NAMESPACE_URL, app.client_id)),
            "roles": list(app.roles), "sub": str(uuid.uuid5(uuid.NAMESPACE_URL, app.client_id)),
            "tid": app.tenant_id, "ver": "1.0", "uti": uuid.uuid4().hex[:22],
            "xms_emu_gen": app.token_generation,
        }
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self.kid, "x5t": self.kid})

    def verify(self, authorization: str | None) -> tuple[App, dict]:
        """Graph's bearer check: 401 InvalidAuthenticationToken with Graph's messages."""
        if not authorization or not authorization.lower().startswith("bearer ") or not authorization[7:].strip():
            raise GraphError(401, "InvalidAuthenticationToken", "Access token is empty.")
        token = authorization[7:].strip()
        try:
            claims = jwt.decode(token, self._key.public_key(), algorithms=["RS256"], audience=list(GRAPH_AUDIENCES))
        except jwt.ExpiredSignatureError:
            raise GraphError(401, "InvalidAuthenticationToken", "Lifetime validation failed, the token is expired.") from None
        except jwt.InvalidAudienceError:
            raise GraphError(401, "InvalidAuthenticationToken", "Invalid audience.") from None
        except jwt.InvalidSignatureError:
            raise GraphError(401, "InvalidAuthenticationToken", "Access token validation failure.") from None
        except jwt.PyJWTError:
            raise GraphError(401, "InvalidAuthenticationToken", "IDX14100: JWT is not well formed, there are no dots (.).") from None
        app = self.store.apps.get(claims.get("appid", ""))
        if app is None or app.tenant_id != claims.get("tid"):
            raise GraphError(401, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience.")
        if app.disabled or claims.get("xms_emu_gen") != app.token_generation:
            raise GraphError(401, "InvalidAuthenticationToken", "Lifetime validation failed, the token is expired.")
        return app, claims
