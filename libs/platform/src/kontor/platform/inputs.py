"""Base class of validated inputs (pydantic models the edges build before calling a service function),
and the field validators several services share (URLs, GUIDs, mailbox addresses, host names)."""

import ipaddress
import re
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator


class Input(BaseModel):
    """Trimmed strings, no unknown fields, and no NUL characters.

    PostgreSQL cannot store NUL in text or JSONB; refusing it here turns what
    would be a database error into a 422 that names the field.
    """

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value):
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("must not contain NUL characters")
        return value


class SecretInput(Input):
    """Input whose ValidationError text never carries what was sent: for models that hold a secret."""

    model_config = ConfigDict(hide_input_in_errors=True)


# Field validators shared by the services' inputs (use with pydantic's AfterValidator, or the types below).
# The messages give an example and never repeat the value.

_MAILBOX_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_HOST = re.compile(r"^[A-Za-z0-9_.:\[\]-]{1,253}$")
_LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}


def https_url(value: str) -> str:
    """An https:// URL without its trailing slash; empty stays empty (not set)."""
    if not value:
        return value
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname:
        raise ValueError("must be an https:// URL")
    return value.rstrip("/")


def guid(value: str) -> str:
    """A GUID (as Azure names tenants and apps), lower case."""
    if not _GUID.match(value):
        raise ValueError("must be a GUID such as 3f2b8c1e-0000-4000-8000-000000000000")
    return value.lower()


def mailbox_address(value: str) -> str:
    """A plausible mailbox address (one @, a dot in the domain, at most 320 characters), as written."""
    value = value.strip()
    if not _MAILBOX_ADDRESS.match(value) or len(value) > 320:
        raise ValueError("must be a mailbox address such as anna.berger@example.com")
    return value


def host_name(value: str) -> str:
    """A host name or IP address (v6 in brackets or not), lower case; empty stays empty (not set)."""
    value = value.strip()
    if value and not _HOST.match(value):
        raise ValueError("must be a host name or IP address such as imap.example.com")
    return value.lower()


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine (localhost or a loopback address)."""
    host = host.strip("[]").lower()
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


HttpsUrl = Annotated[str, Field(max_length=500), AfterValidator(https_url)]
MailboxAddress = Annotated[str, AfterValidator(mailbox_address)]
