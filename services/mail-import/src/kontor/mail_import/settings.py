from pydantic_settings import SettingsConfigDict

from kontor.platform.settings import ServiceSettings


class MailImportSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="KONTOR_MAIL_IMPORT_", extra="ignore", frozen=True)
