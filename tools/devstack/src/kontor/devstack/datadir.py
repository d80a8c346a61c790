"""Where the local stack keeps its data, and the lock that gives it one owner."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

LOCK_FILE_NAME = "kontor-dev.lock"


def find_repo_root(start: Path) -> Path | None:
    """The nearest directory at or above ``start`` that holds ``uv.lock``."""
    start = start.absolute()
    for directory in (start, *start.parents):
        if (directory / "uv.lock").is_file():
            return directory
    return None


class DataDirInUseError(RuntimeError):
    """Another kontor-dev process owns the data dir."""


class DataDirLock:
    """An exclusive lock on a data dir, held for the lifetime of one kontor-dev.

    Two stacks on one data dir would run two PostgreSQL servers on one
    cluster; the lock turns that into a clear error. The OS drops it when the
    process dies, however it dies.
    """

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / LOCK_FILE_NAME
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise DataDirInUseError(
                f"Another kontor-dev (pid {holder}) is already running with data dir "
                f"{self.path.parent}. Stop it first (Ctrl-C in its terminal)."
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the flock
            self._fd = None

    def __enter__(self) -> DataDirLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
