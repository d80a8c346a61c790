from pydantic_settings import SettingsConfigDict

from kontor.platform.settings import ServiceSettings


class BillingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="KONTOR_BILLING_", extra="ignore", frozen=True)
