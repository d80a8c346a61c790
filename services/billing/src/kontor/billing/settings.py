from pydantic import Field
from pydantic_settings import SettingsConfigDict

from kontor.platform.settings import ServiceSettings


class BillingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="KONTOR_BILLING_", extra="ignore", frozen=True)

    contacts_addr: str = Field(description="host:port of the contacts gRPC server, whose Permission API decides "
                               "which clients a caller may see")
    upstream_timeout_s: float = Field(default=5.0, gt=0, description="Deadline of each call to contacts; "
                                      "shorter than the gateway's, so a slow contacts answers 503, not a timeout")
