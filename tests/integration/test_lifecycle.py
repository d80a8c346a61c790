"""Services stop cleanly on SIGTERM (as Kubernetes and the dev supervisor send it) and come back."""

from __future__ import annotations

import signal
import subprocess

import pytest


@pytest.mark.parametrize("service", ["billing", "contacts"])
def test_sigterm_stops_the_service_cleanly_and_it_restarts(stack, service):
    process = stack.processes.pop(service)
    process.send_signal(signal.SIGTERM)
    try:
        # Kubernetes' default grace period is 30 s; a service must be gone well before.
        assert process.wait(timeout=20) == 0
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail(f"{service} ignored SIGTERM:\n{stack.log(service)[-3000:]}")
    finally:
        stack.start(service)
    stack.wait_ready([service])
