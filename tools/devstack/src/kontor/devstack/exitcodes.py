"""Human-readable descriptions of process exit statuses."""

from __future__ import annotations

import signal


def describe_returncode(returncode: int) -> str:
    """Describe a ``subprocess``/``asyncio`` return code.

    Negative codes mean "killed by signal N", which is the case people most
    need spelled out: ``-9`` becomes ``"code -9 (SIGKILL)"``.
    """
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"code {returncode} ({name})"
    return f"code {returncode}"
