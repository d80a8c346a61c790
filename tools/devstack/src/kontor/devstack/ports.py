"""TCP port helpers for the local stack.

Every server of the dev stack binds to the loopback interface only, so a port
counts as free when it can be bound on 127.0.0.1.
"""

from __future__ import annotations

import errno
import socket
import sys

LOOPBACK = "127.0.0.1"


class PortBusyError(RuntimeError):
    """A port that the local stack needs is already taken by another process."""

    def __init__(self, port: int, what: str, override_env: str | None = None) -> None:
        self.port = port
        self.what = what
        self.override_env = override_env
        advice = f"Stop the process using it ({_who_listens_hint(port)})"
        if override_env:
            advice += f" or set {override_env}"
        super().__init__(f"Port {port} ({what}) is already in use. {advice}.")


def _who_listens_hint(port: int) -> str:
    if sys.platform == "darwin":
        return f"`lsof -nP -iTCP:{port} -sTCP:LISTEN`"
    return f"`ss -ltnp 'sport = :{port}'`"


def free_port(host: str = LOOPBACK) -> int:
    """Return a port that is free right now (the OS picks it).

    Another process may take it before the caller binds it; this is meant for
    tests and ad-hoc servers, not for reserving a port.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def is_port_free(port: int, host: str = LOOPBACK) -> bool:
    """True if nothing is bound to ``host:port`` (or a wildcard address on that port)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # SO_REUSEADDR so that sockets of a just-stopped server lingering in
        # TIME_WAIT do not count as busy: the servers themselves set it too.
        # A live listener still makes the bind fail.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
        return True


def ensure_port_free(port: int, what: str, override_env: str | None = None) -> None:
    """Raise :class:`PortBusyError` naming ``port`` and ``what`` if the port is taken.

    ``override_env`` names the environment variable that moves this port, so the
    error can tell the user how to avoid the clash.
    """
    if not is_port_free(port):
        raise PortBusyError(port, what, override_env)


def is_port_open(port: int, host: str = LOOPBACK, timeout: float = 0.5) -> bool:
    """True if something accepts TCP connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False
