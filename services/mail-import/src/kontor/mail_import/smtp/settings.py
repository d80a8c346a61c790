"""How to reach an account's SMTP submission server. The password is never part of ``repr``."""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from typing import Literal

SmtpSecurity = Literal["tls", "starttls", "none"]


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int | None = None  # None: 465 for implicit TLS, 587 (submission) otherwise
    # "tls": implicit TLS (SMTPS, RFC 8314); "starttls": plain connect then STARTTLS, refused if the server
    # does not offer it (never a silent fall back to plain text); "none": loopback tests and dev only.
    security: SmtpSecurity = "starttls"
    username: str = ""  # empty: no AUTH
    password: str = field(default="", repr=False)
    timeout: float = 60.0
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False, compare=False)

    @property
    def effective_port(self) -> int:
        if self.port is not None:
            return self.port
        return 465 if self.security == "tls" else 587
