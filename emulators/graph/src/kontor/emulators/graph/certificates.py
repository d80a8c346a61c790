"""Certificate credentials of an app registration, and the client assertions signed with them.

An app may sign in with a JWT assertion signed by the private key of a
certificate registered on it instead of a secret
(https://learn.microsoft.com/entra/identity-platform/certificate-credentials):
the token request carries ``client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer``
and ``client_assertion``. The assertion's header names the certificate by
``x5t`` (base64url SHA-1 thumbprint of the DER certificate; signed RS256) or
``x5t#S256`` (base64url SHA-256 thumbprint; signed PS256 — msal ≥ 1.35 does this
when given the public certificate); its claims are ``aud`` = the tenant's token
endpoint, ``iss`` = ``sub`` = the client id, ``exp`` (``nbf``, ``iat``) and ``jti``.

Refusals carry the AADSTS codes and texts Entra answers with (messages as
recorded in MSAL.NET's test fixtures and in msal's documentation of
AADSTS700027; the Azure SDK troubleshooting guide lists 700021/700023/700024/700027
for certificate and assertion credentials):

* 400 ``invalid_request`` 50027 "JWT token is invalid or malformed." (not a JWT)
* 400 ``invalid_request`` 90014 "The required field '…' is missing from the credential." (iss, sub, aud, exp, jti)
* 401 ``invalid_client`` 5002738 an algorithm other than RS256/RS384/RS512/PS256
* 401 ``invalid_client`` 5002723 neither ``x5t``, ``x5t#S256`` nor ``kid`` in the header
* 401 ``invalid_client`` 700027 "Client assertion contains an invalid signature." with Reason
  "The key was not found." (no registered certificate has that thumbprint — e.g. it was removed),
  "The key used is expired." (the certificate's notAfter has passed) or
  "The provided signature value did not match the expected signature value." (signed with another key)
* 401 ``invalid_client`` 700021 ``iss``/``sub`` differ from ``client_id``
* 401 ``invalid_client`` 700023 ``aud`` is not this tenant's token endpoint
* 401 ``invalid_client`` 700024 "Client assertion is not within its valid time range." (exp/nbf)

Emulator choices where Entra documents nothing: a 5-minute clock skew on
``exp``/``nbf``; ``jti`` is required but not checked for replay; a key is also
found by ``kid`` = the registration's ``keyId``; a missing or other ``client_assertion_type`` (or an
empty ``client_assertion``) is 400 ``invalid_request`` 900144 naming the parameter (identity.py).
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256")
REQUIRED_CLAIMS = ("aud", "iss", "sub", "exp", "jti")
CLOCK_SKEW_SECONDS = 300
_DOCS = "Review the documentation at https://docs.microsoft.com/azure/active-directory/develop/active-directory-certificate-credentials ."


@dataclass(frozen=True)
class AppCertificate:
    """One ``keyCredential`` of an app registration (only the public certificate is registered)."""

    key_id: str
    pem: str
    sha1: bytes
    sha256: bytes
    public_key: rsa.RSAPublicKey
    not_before: datetime
    not_after: datetime

    @property
    def thumbprint(self) -> str:
        """Hex SHA-1 thumbprint, as the portal shows it (``customKeyIdentifier``)."""
        return self.sha1.hex().upper()

    def render(self) -> dict:
        return {"keyId": self.key_id, "customKeyIdentifier": self.thumbprint, "type": "AsymmetricX509Cert",
                "usage": "Verify", "startDateTime": _iso(self.not_before), "endDateTime": _iso(self.not_after)}

    def found(self) -> str:
        fmt = "%m/%d/%Y %H:%M:%S"
        return f"Found key 'Start={self.not_before.strftime(fmt)}, End={self.not_after.strftime(fmt)}'"


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def load_certificate(pem: str, key_id: str | None = None) -> AppCertificate:
    """Parse a PEM X.509 certificate with an RSA key; ValueError names what is wrong."""
    if not isinstance(pem, str) or "BEGIN CERTIFICATE" not in pem:
        raise ValueError("certificate: expected a PEM X.509 certificate")
    try:
        cert = x509.load_pem_x509_certificate(pem.encode())
    except ValueError:
        raise ValueError("certificate: not a readable PEM X.509 certificate") from None
    public_key = cert.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise ValueError("certificate: only RSA certificates can sign client assertions")
    return AppCertificate(
        key_id=key_id or str(uuid.uuid4()), pem=pem,
        sha1=cert.fingerprint(hashes.SHA1()), sha256=cert.fingerprint(hashes.SHA256()),  # noqa: S303 - x5t is SHA-1
        public_key=public_key,
        not_before=cert.not_valid_before_utc, not_after=cert.not_valid_after_utc,
    )


class AssertionRejected(Exception):
    """A refused client assertion: the token endpoint answers ``aad_error_response(*exc.args)``."""

    def __init__(self, status: int, error: str, aadsts: int, description: str) -> None:
        super().__init__(status, error, aadsts, description)


def _b64url_decode(value: object) -> bytes | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (ValueError, TypeError):
        return None


def _find_key(header: dict, certificates: list[AppCertificate]) -> tuple[AppCertificate | None, str]:
    """The registered certificate the header names, and the thumbprint to report (hex)."""
    sha256 = _b64url_decode(header.get("x5t#S256"))
    sha1 = _b64url_decode(header.get("x5t"))
    kid = header.get("kid")
    for cert in certificates:
        if (sha256 and cert.sha256 == sha256) or (sha1 and cert.sha1 == sha1) or (kid and cert.key_id == kid):
            return cert, (sha256 or sha1 or b"").hex().upper() or str(kid)
    return None, (sha256 or sha1 or b"").hex().upper() or str(kid or "")


def _utc(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f0Z")


def verify_client_assertion(assertion: str, *, client_id: str, certificates: list[AppCertificate],
                            audiences: set[str], now: float) -> AppCertificate:
    """Check ``assertion`` as Entra does; returns the certificate that signed it or raises AssertionRejected."""
    try:
        header = jwt.get_unverified_header(assertion)
        claims = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise AssertionRejected(400, "invalid_request", 50027, "JWT token is invalid or malformed.") from None
    alg = header.get("alg")
    if alg not in ALGORITHMS:
        raise AssertionRejected(401, "invalid_client", 5002738, f"Invalid JWT token. '{alg}' is not a supported "
                                f"signature algorithm. Supported signing algorithms are: '{','.join(ALGORITHMS)}'")
    if not any(header.get(name) for name in ("x5t", "x5t#S256", "kid")):
        raise AssertionRejected(401, "invalid_client", 5002723, "Invalid JWT token. No certificate SHA-1 thumbprint, "
                                "certificate SHA-256 thumbprint, nor keyId specified in token header.")
    cert, thumbprint = _find_key(header, certificates)
    used = f"Thumbprint of key used by client: '{thumbprint}'"
    if cert is None:
        raise AssertionRejected(401, "invalid_client", 700027, "Client assertion contains an invalid signature. "
                                f"[Reason - The key was not found., {used}, Please visit the Azure Portal, Graph "
                                f"Explorer or directly use MS Graph to see configured keys for app Id '{client_id}'.]")
    if cert.not_after.timestamp() < now:
        raise AssertionRejected(401, "invalid_client", 700027, "Client assertion contains an invalid signature. "
                                f"[Reason - The key used is expired., {used}, {cert.found()}]")
    try:
        jwt.decode(assertion, cert.public_key, algorithms=[alg],
                   options={"verify_exp": False, "verify_nbf": False, "verify_iat": False, "verify_aud": False})
    except jwt.PyJWTError:
        raise AssertionRejected(401, "invalid_client", 700027, "Client assertion contains an invalid signature. "
                                "[Reason - The provided signature value did not match the expected signature "
                                f"value., {used}, {cert.found()}]") from None
    for name in REQUIRED_CLAIMS:
        if claims.get(name) in (None, ""):
            raise AssertionRejected(400, "invalid_request", 90014, f"The required field '{name}' is missing from the "
                                    "credential. Ensure that you have all the necessary parameters for the login request.")
    if claims["iss"] != client_id or claims["sub"] != client_id:
        raise AssertionRejected(401, "invalid_client", 700021,
                                f"Client assertion application identifier doesn't match 'client_id' parameter. {_DOCS}")
    aud = claims["aud"]
    if not any(a in audiences for a in (aud if isinstance(aud, list) else [aud])):
        raise AssertionRejected(401, "invalid_client", 700023,
                                f"Client assertion audience claim does not match Realm issuer. {_DOCS}")
    try:
        exp = float(claims["exp"])
        nbf = float(claims.get("nbf") or claims.get("iat") or exp - 600)
    except (TypeError, ValueError):
        raise AssertionRejected(400, "invalid_request", 50027, "JWT token is invalid or malformed.") from None
    if exp < now - CLOCK_SKEW_SECONDS or nbf > now + CLOCK_SKEW_SECONDS:
        raise AssertionRejected(401, "invalid_client", 700024, "Client assertion is not within its valid time range. "
                                f"Current time: {_utc(now)}, assertion valid from {_utc(nbf)}, expiry time of "
                                f"assertion {_utc(exp)}. {_DOCS}")
    return cert
