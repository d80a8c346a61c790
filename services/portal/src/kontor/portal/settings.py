from pydantic_settings import SettingsConfigDict

from kontor.platform.settings import ServiceSettings


class PortalSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="KONTOR_PORTAL_", extra="ignore", frozen=True)
