from pydantic_settings import SettingsConfigDict

from kontor.platform.settings import ServiceSettings


class CalendarSyncSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="KONTOR_CALENDAR_SYNC_", extra="ignore", frozen=True)
