"""Validated inputs of mail accounts (built by the gRPC edge from accounts.proto messages).

Errors name the field (the platform maps a ValidationError to INVALID_ARGUMENT with its path) and never repeat
the value, so a mistyped password does not end up in an error message or a log.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pydantic import AfterValidator, Field, SecretStr, field_validator, model_validator

from kontor.platform.errors import InvalidArgument
from kontor.platform.inputs import HttpsUrl, MailboxAddress, guid, host_name, is_loopback
from kontor.platform.inputs import SecretInput as Input

Kind = Literal["personal", "shared"]
Provider = Literal["graph", "imap"]
Security = Literal["tls", "starttls", "none"]
CredentialKind = Literal["password", "client_secret", "certificate"]

# Which secrets sign in to which provider.
CREDENTIAL_KINDS: dict[str, frozenset[str]] = {
    "graph": frozenset({"client_secret", "certificate"}),
    "imap": frozenset({"password"}),
}

Name = Annotated[str, Field(max_length=200)]
Folder = Annotated[str, Field(min_length=1, max_length=500)]
Guid = Annotated[str, AfterValidator(guid)]


def address_key(address: str) -> str:
    """What makes two spellings of one address the same account (unique per tenant and provider)."""
    return address.strip().lower()


class GraphSettings(Input):
    azure_tenant_id: Guid
    client_id: Guid
    authority_url: HttpsUrl = ""
    base_url: HttpsUrl = ""
    ca_bundle_path: Annotated[str, Field(max_length=500)] = ""


class ImapSettings(Input):
    host: Annotated[str, Field(min_length=1), AfterValidator(host_name)]
    port: int = Field(default=0, ge=0, le=65535)  # 0: 993 for "tls", 143 otherwise
    security: Security = "tls"
    username: Annotated[str, Field(max_length=320)] = ""  # empty: the account's address
    auth: Literal["auto", "plain", "login"] = "auto"
    smtp_host: Annotated[str, AfterValidator(host_name)] = ""  # empty: the IMAP host
    smtp_port: int = Field(default=0, ge=0, le=65535)  # 0: 465 for "tls", 587 for "starttls", 25 for "none"
    smtp_security: Security = "starttls"
    smtp_username: Annotated[str, Field(max_length=320)] = ""  # empty: the IMAP username
    sent_folder: Annotated[str, Field(max_length=500)] = ""

    @model_validator(mode="after")
    def _plain_text_on_loopback_only(self) -> ImapSettings:
        # Without TLS the password crosses the network readable: only for local test servers.
        if self.security == "none" and not is_loopback(self.host):
            raise InvalidArgument("imap.security", "\"none\" (no TLS) is only allowed for a server on this "
                                                   "machine; use \"tls\" or \"starttls\"")
        if self.smtp_security == "none" and not is_loopback(self.smtp_host or self.host):
            raise InvalidArgument("imap.smtp_security", "\"none\" (no TLS) is only allowed for a server on this "
                                                        "machine; use \"tls\" or \"starttls\"")
        return self


def _check_certificate_pair(certificate_pem: str, private_key_pem: str) -> None:
    try:
        x509.load_pem_x509_certificate(certificate_pem.encode())
    except ValueError:
        raise InvalidArgument("credentials.certificate.certificate_pem", "contains no PEM certificate") from None
    try:
        serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    except (ValueError, TypeError):
        raise InvalidArgument("credentials.certificate.private_key_pem",
                              "must be an unencrypted PEM private key") from None


class Credentials(Input):
    """Exactly one secret: an IMAP password, a Graph client secret, or a Graph certificate with its key."""

    password: SecretStr | None = None
    client_secret: SecretStr | None = None
    certificate_pem: SecretStr | None = None
    private_key_pem: SecretStr | None = None

    @field_validator("password", "client_secret")
    @classmethod
    def _length(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not 1 <= len(value.get_secret_value()) <= 1024:
            raise ValueError("must be 1 to 1024 characters")
        return value

    @model_validator(mode="after")
    def _exactly_one(self) -> Credentials:
        given = [self.password is not None, self.client_secret is not None,
                 self.certificate_pem is not None or self.private_key_pem is not None]
        if sum(given) != 1:
            raise InvalidArgument("credentials", "send exactly one of password, client_secret and certificate")
        if given[2]:
            if self.certificate_pem is None or self.private_key_pem is None:
                raise InvalidArgument("credentials.certificate", "send certificate_pem and private_key_pem")
            _check_certificate_pair(self.certificate_pem.get_secret_value(), self.private_key_pem.get_secret_value())
        return self

    @property
    def kind(self) -> CredentialKind:
        if self.password is not None:
            return "password"
        return "client_secret" if self.client_secret is not None else "certificate"

    def material(self) -> bytes:
        """What gets sealed: the secret itself, or for a certificate the JSON of both PEMs."""
        if self.password is not None:
            return self.password.get_secret_value().encode()
        if self.client_secret is not None:
            return self.client_secret.get_secret_value().encode()
        import json  # noqa: PLC0415 - only certificates need it

        return json.dumps({"certificate_pem": self.certificate_pem.get_secret_value(),
                           "private_key_pem": self.private_key_pem.get_secret_value()}).encode()


def check_credentials_fit(provider: str, credentials: Credentials | None, field: str = "credentials") -> None:
    if credentials is not None and credentials.kind not in CREDENTIAL_KINDS[provider]:
        raise InvalidArgument(field, f"a {provider} account signs in with "
                                     f"{' or '.join(sorted(CREDENTIAL_KINDS[provider]))}, not {credentials.kind}")


class AccountCreate(Input):
    kind: Kind
    owner_user_id: uuid.UUID | None = None  # personal; None: the caller
    team_id: uuid.UUID | None = None  # shared
    address: MailboxAddress
    display_name: Name = ""
    graph: GraphSettings | None = None
    imap: ImapSettings | None = None
    import_folder: Folder
    credentials: Credentials | None = None
    enabled: bool = True

    @model_validator(mode="after")
    def _consistent(self) -> AccountCreate:
        if (self.graph is None) == (self.imap is None):
            raise InvalidArgument("settings", "send exactly one of graph and imap")
        if self.kind == "shared":
            if self.team_id is None:
                raise InvalidArgument("team_id", "a shared account belongs to a team; name it")
            if self.owner_user_id is not None:
                raise InvalidArgument("owner_user_id", "a shared account has no owner, only a team")
        elif self.team_id is not None:
            raise InvalidArgument("team_id", "a personal account belongs to a user, not a team")
        return self

    @property
    def provider(self) -> Provider:
        return "graph" if self.graph is not None else "imap"

    def settings_json(self) -> dict:
        return (self.graph or self.imap).model_dump()


class AccountUpdate(Input):
    """Fields left None stay as they are; provider settings are replaced whole when sent."""

    display_name: Name | None = None
    import_folder: Folder | None = None
    enabled: bool | None = None
    graph: GraphSettings | None = None
    imap: ImapSettings | None = None
