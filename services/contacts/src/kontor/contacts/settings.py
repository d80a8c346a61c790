from pydantic import Field
from pydantic_settings import SettingsConfigDict

from kontor.platform.settings import ServiceSettings


class ContactsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="KONTOR_CONTACTS_", extra="ignore", frozen=True)
    # CheckAccess is asked for every record other services show; a ping per call would be a fifth of its
    # round trips. A connection in steady use is not pinged (docs/access.md, "Performance").
    db_pre_ping_after_idle_s: float = Field(
        default=5.0, ge=0, description="Ping pooled connections idle longer than this before use; 0 pings at "
        "every checkout")
