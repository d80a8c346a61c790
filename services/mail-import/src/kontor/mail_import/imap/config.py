"""How to reach one IMAP account. The password is never part of ``repr`` (so never of a log line)."""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from typing import Literal

Security = Literal["tls", "starttls", "none"]
AuthMechanism = Literal["auto", "plain", "login"]


@dataclass(frozen=True)
class ImapAccount:
    host: str
    username: str
    password: str = field(repr=False)
    port: int | None = None  # None: 993 for implicit TLS, 143 otherwise
    # "tls": implicit TLS (IMAPS); "starttls": plain connect then STARTTLS before login; "none": plain text,
    # for loopback tests and dev only.
    security: Security = "tls"
    # "auto": AUTHENTICATE PLAIN when the server advertises AUTH=PLAIN, else LOGIN.
    auth: AuthMechanism = "auto"
    timeout_s: float = 60.0
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False, compare=False)
    # Capabilities the client acts as if the server lacked (upper case, e.g. "MOVE"): works around servers
    # that advertise an extension they implement badly, and lets tests exercise the fallbacks.
    disabled_capabilities: frozenset[str] = frozenset()

    @property
    def effective_port(self) -> int:
        if self.port is not None:
            return self.port
        return 993 if self.security == "tls" else 143
