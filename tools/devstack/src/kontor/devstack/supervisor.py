"""An asyncio supervisor for the named child processes of the local stack.

It streams every child's output line by line behind a coloured name prefix,
reports each unexpected exit in plain words and restarts that child with
exponential backoff while the others keep running, and stops all of them
gracefully (SIGTERM, then SIGKILL after a timeout).

Each child leads its own process group (session), so a Ctrl-C in the terminal
reaches only us: the stack decides in which order things stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from rich.console import Console
from rich.text import Text

from kontor.devstack.exitcodes import describe_returncode

PALETTE = (
    "cyan", "magenta", "green", "yellow", "blue",
    "bright_cyan", "bright_magenta", "bright_green", "bright_yellow", "bright_blue",
)

# Lines longer than this are cut: asyncio's default (64 KiB) is too small for
# the odd JSON log line with a stack trace in it.
_LINE_LIMIT = 1024 * 1024
# How long to keep reading a dead child's pipes: a grandchild that inherited
# them could otherwise keep them open forever.
_DRAIN_TIMEOUT_S = 2.0


@dataclass(frozen=True)
class ProcessSpec:
    """What to run: ``env`` is the complete environment (None inherits ours)."""

    name: str
    command: Sequence[str]
    env: Mapping[str, str] | None = None
    cwd: Path | None = None
    color: str | None = None  # rich style of the name prefix; default: from PALETTE


@dataclass(frozen=True)
class ProcessStatus:
    """A snapshot of one supervised child."""

    name: str
    pid: int | None
    running: bool
    restarts: int
    last_returncode: int | None


@dataclass
class _Child:
    spec: ProcessSpec
    color: str
    process: asyncio.subprocess.Process | None = None
    restarts: int = 0
    last_returncode: int | None = None
    first_attempt_done: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None


class Supervisor:
    """Runs named child processes, restarting each one that exits unexpectedly.

    ``initial_backoff`` is the delay before the first restart; it doubles on
    every further crash up to ``max_backoff``, and is reset once the child
    stayed up for ``stable_after`` seconds.
    """

    def __init__(
        self,
        specs: Iterable[ProcessSpec],
        *,
        console: Console | None = None,
        initial_backoff: float = 2.0,
        max_backoff: float = 30.0,
        stable_after: float = 30.0,
        stop_timeout: float = 10.0,
    ) -> None:
        specs = list(specs)
        names = [spec.name for spec in specs]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"duplicate process names: {', '.join(duplicates)}")
        self.console = console or Console()
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self.stable_after = stable_after
        self.stop_timeout = stop_timeout
        self._children = [
            _Child(spec, spec.color or PALETTE[index % len(PALETTE)])
            for index, spec in enumerate(specs)
        ]
        self._prefix_width = max((len(name) for name in names), default=0)
        self._stopping = asyncio.Event()
        self._started = False

    # ------------------------------------------------------------ public API

    async def start(self) -> None:
        """Spawn every child; returns once each has been started (or failed to)."""
        if self._started:
            return
        self._started = True
        self._stopping = asyncio.Event()
        for child in self._children:
            child.first_attempt_done = asyncio.Event()
            child.task = asyncio.create_task(self._keep_running(child), name=f"supervise-{child.spec.name}")
        await asyncio.gather(*(child.first_attempt_done.wait() for child in self._children))

    async def stop(self) -> None:
        """SIGTERM every child, wait up to ``stop_timeout``, then SIGKILL the rest."""
        if not self._started:
            return
        self._stopping.set()
        running = [child for child in self._children if child.running]
        for child in running:
            assert child.process is not None
            _signal(child.process.pid, signal.SIGTERM)
        if running:
            waits = {asyncio.ensure_future(child.process.wait()): child  # type: ignore[union-attr]
                     for child in running}
            _, pending = await asyncio.wait(waits, timeout=self.stop_timeout)
            for future in pending:
                child = waits[future]
                self._report(
                    f"{child.spec.name} did not stop within {self.stop_timeout:g} s; killing it",
                    style="bold yellow",
                )
                _kill_group(child.process.pid)  # type: ignore[union-attr]
            if pending:
                await asyncio.wait(pending)
        for child in self._children:
            if child.process is not None:
                # Whatever the child left behind in its group (worker pools...)
                # would otherwise outlive the stack and hold its ports.
                _kill_group(child.process.pid)
        await asyncio.gather(*(child.task for child in self._children if child.task),
                             return_exceptions=True)
        self._started = False

    def status(self) -> list[ProcessStatus]:
        return [
            ProcessStatus(
                name=child.spec.name,
                pid=child.process.pid if child.running and child.process else None,
                running=child.running,
                restarts=child.restarts,
                last_returncode=child.last_returncode,
            )
            for child in self._children
        ]

    def pid(self, name: str) -> int | None:
        for status in self.status():
            if status.name == name:
                return status.pid
        raise KeyError(name)

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # --------------------------------------------------------------- running

    async def _keep_running(self, child: _Child) -> None:
        loop = asyncio.get_running_loop()
        backoff = self.initial_backoff
        name = child.spec.name
        while not self._stopping.is_set():
            started_at = loop.time()
            try:
                process = await self._spawn(child.spec)
            except OSError as exc:
                child.first_attempt_done.set()
                self._report(f"{name} could not be started: {exc}; retrying in {backoff:g} s")
            else:
                child.process = process
                child.first_attempt_done.set()
                if child.restarts:
                    self._report(f"{name} restarted (pid {process.pid})", style="yellow")
                pumps = [
                    asyncio.create_task(self._pump(child, process.stdout)),
                    asyncio.create_task(self._pump(child, process.stderr)),
                ]
                returncode = await process.wait()
                child.last_returncode = returncode
                if not self._stopping.is_set():
                    _kill_group(process.pid)  # leftovers would block the restart
                await _drain(pumps)
                if self._stopping.is_set():
                    return
                if loop.time() - started_at >= self.stable_after:
                    backoff = self.initial_backoff
                self._report(
                    f"{name} exited with {describe_returncode(returncode)}; restarting in {backoff:g} s"
                )
            if await self._stop_requested_within(backoff):
                return
            child.restarts += 1
            backoff = min(backoff * 2, self.max_backoff)

    async def _spawn(self, spec: ProcessSpec) -> asyncio.subprocess.Process:
        kwargs: dict[str, Any] = {}
        if sys.platform.startswith("linux"):
            kwargs["preexec_fn"] = _die_with_parent(os.getpid())
        return await asyncio.create_subprocess_exec(
            *spec.command,
            env=dict(spec.env) if spec.env is not None else None,
            cwd=spec.cwd,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
            limit=_LINE_LIMIT,
            **kwargs,
        )

    async def _stop_requested_within(self, seconds: float) -> bool:
        try:
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)
        except TimeoutError:
            return False
        return True

    # ---------------------------------------------------------------- output

    async def _pump(self, child: _Child, stream: asyncio.StreamReader | None) -> None:
        if stream is None:
            return
        while True:
            try:
                line = await stream.readline()
            except ValueError:  # longer than _LINE_LIMIT; asyncio dropped it
                self._print_line(child, "<line too long, dropped>")
                continue
            if not line:
                return
            self._print_line(child, line.decode("utf-8", errors="replace").rstrip("\r\n"))

    def _print_line(self, child: _Child, line: str) -> None:
        prefix = Text(f"{child.spec.name:<{self._prefix_width}} | ", style=child.color)
        # from_ansi keeps the child's own colours; soft_wrap keeps long lines
        # whole so they can be copied.
        self.console.print(prefix + Text.from_ansi(line), soft_wrap=True, highlight=False)

    def _report(self, message: str, style: str = "bold red") -> None:
        self.console.print(Text(f"supervisor: {message}", style=style), soft_wrap=True, highlight=False)


# ------------------------------------------------------------------- helpers


def _signal(pid: int, sig: signal.Signals) -> None:
    # Only the leader: it shuts down its own children (Celery pools, uvicorn
    # workers); signalling them directly would cut their work short.
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


async def _drain(pumps: list[asyncio.Task[None]]) -> None:
    _, pending = await asyncio.wait(pumps, timeout=_DRAIN_TIMEOUT_S)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)


_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent_pid: int) -> Any:
    """A preexec hook making the child get SIGTERM when its parent dies (Linux).

    Without it, a supervisor killed with SIGKILL would leave its children
    running and holding their ports.
    """

    # Resolved here, in the parent: dlopen in a freshly forked child of a
    # threaded process can deadlock on a lock another thread held.
    prctl = ctypes.CDLL(None, use_errno=True).prctl

    def hook() -> None:
        prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        if os.getppid() != parent_pid:  # the parent died before prctl
            os._exit(1)

    return hook
