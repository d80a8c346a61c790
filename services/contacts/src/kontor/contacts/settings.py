from pydantic_settings import SettingsConfigDict

from kontor.platform.settings import ServiceSettings


class ContactsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="KONTOR_CONTACTS_", extra="ignore", frozen=True)
