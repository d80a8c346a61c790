from pydantic import Field
from pydantic_settings import SettingsConfigDict

from kontor.platform.settings import ServiceSettings


class GatewaySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="KONTOR_GATEWAY_", extra="ignore", frozen=True)

    # The gateway signs tokens itself, so it needs no JWKS URL to trust them.
    jwks_url: str = Field(default="", description="Unused by the gateway (it owns the signing key)")
    signing_key_file: str = Field(description="Path of the Ed25519 private key (PEM) that signs access tokens")
    access_token_ttl_s: int = Field(default=900, ge=60, le=86400)
    contacts_addr: str = Field(description="host:port of the contacts gRPC server")
    billing_addr: str = Field(description="host:port of the billing gRPC server")
    upstream_timeout_s: float = Field(default=10.0, gt=0)
