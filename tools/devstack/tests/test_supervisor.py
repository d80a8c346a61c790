"""The supervisor with tiny Python children."""

import asyncio
import io
import os
import signal
import sys

from rich.console import Console

from kontor.devstack.supervisor import ProcessSpec, Supervisor

# Prints a line, then another one per second until told to stop.
_CHILD = """
import sys, time
print(f"hello from {sys.argv[1]}", flush=True)
print("to stderr", file=sys.stderr, flush=True)
while True:
    time.sleep(1)
"""

_IGNORES_SIGTERM = """
import signal, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
print("stubborn", flush=True)
while True:
    time.sleep(1)
"""


def _child(name: str, code: str = _CHILD) -> ProcessSpec:
    return ProcessSpec(name=name, command=(sys.executable, "-c", code, name))


def _console() -> tuple[Console, io.StringIO]:
    output = io.StringIO()
    return Console(file=output, width=200, color_system=None), output


async def _until(condition, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def test_killed_child_is_reported_and_restarted_while_others_keep_running() -> None:
    console, output = _console()
    supervisor = Supervisor([_child("contacts"), _child("billing"), _child("portal")],
                            console=console, initial_backoff=0.2)
    await supervisor.start()
    try:
        await _until(lambda: output.getvalue().count("hello from") == 3)
        text = output.getvalue()
        assert "contacts | hello from contacts" in text
        assert "billing  | to stderr" in text  # names padded to one width

        before = {status.name: status.pid for status in supervisor.status()}
        os.kill(before["billing"], signal.SIGKILL)

        await _until(lambda: supervisor.pid("billing") not in (None, before["billing"]))
        await _until(lambda: output.getvalue().count("hello from billing") == 2)
        assert "billing exited with code -9 (SIGKILL); restarting in 0.2 s" in output.getvalue()
        statuses = {status.name: status for status in supervisor.status()}
        assert statuses["billing"].restarts == 1
        assert statuses["billing"].last_returncode == -9
        for name in ("contacts", "portal"):
            assert statuses[name].pid == before[name]
            assert statuses[name].restarts == 0
            assert _alive(before[name])
    finally:
        await supervisor.stop()

    assert all(not status.running for status in supervisor.status())
    for pid in before.values():
        assert not _alive(pid)


async def test_backoff_grows_and_is_capped() -> None:
    console, output = _console()
    crashing = ProcessSpec(name="crashy", command=(sys.executable, "-c", "raise SystemExit(3)"))
    async with Supervisor([crashing], console=console, initial_backoff=0.05, max_backoff=0.1):
        await _until(lambda: output.getvalue().count("crashy exited with code 3") >= 3)
    text = output.getvalue()
    assert "restarting in 0.05 s" in text
    assert "restarting in 0.1 s" in text
    assert "restarting in 0.2 s" not in text


async def test_stop_kills_a_child_that_ignores_sigterm() -> None:
    console, output = _console()
    supervisor = Supervisor([_child("stubborn", _IGNORES_SIGTERM), _child("polite")],
                            console=console, stop_timeout=0.5)
    await supervisor.start()
    await _until(lambda: "stubborn" in output.getvalue() and "hello from polite" in output.getvalue())
    pids = [status.pid for status in supervisor.status()]
    await supervisor.stop()
    assert "stubborn did not stop within 0.5 s; killing it" in output.getvalue()
    assert "polite did not stop" not in output.getvalue()
    assert all(pid is not None and not _alive(pid) for pid in pids)


async def test_missing_executable_is_reported_not_fatal() -> None:
    console, output = _console()
    missing = ProcessSpec(name="ghost", command=("/nonexistent/kontor-ghost", "serve"))
    async with Supervisor([missing, _child("real")], console=console, initial_backoff=0.05) as supervisor:
        await _until(lambda: "hello from real" in output.getvalue())
        assert "ghost could not be started" in output.getvalue()
        assert supervisor.status()[1].running
