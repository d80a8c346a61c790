"""How the local stack runs the services' own commands (migrate, serve, worker, beat)."""

from __future__ import annotations

import asyncio
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from kontor.devstack.supervisor import PALETTE, ProcessSpec
from kontor.devstack.topology import EmulatorSpec, InfraPorts, ServiceSpec, Topology, service_env

_MIGRATION_TIMEOUT_S = 300.0


class ServiceCommandError(RuntimeError):
    """A service command failed; ``output`` holds what it printed."""

    def __init__(self, message: str, output: str = "") -> None:
        super().__init__(message)
        self.output = output


@dataclass(frozen=True)
class ServiceLauncher:
    """Builds the commands and environments of the service processes.

    ``base_env`` is the environment the processes inherit (normally ours);
    the service settings from :func:`service_env` are laid over it.
    """

    topology: Topology
    infra: InfraPorts
    data_dir: Path
    base_env: Mapping[str, str]
    cwd: Path | None = None

    def env(self, service: ServiceSpec) -> dict[str, str]:
        env = dict(self.base_env)
        env.update(service_env(service, self.infra, self.data_dir, topology=self.topology))
        # Output goes to a pipe; unbuffered so lines show up when they happen.
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def executable(self, service: ServiceSpec) -> str:
        """Path of ``kontor-<name>``: this environment's script, else from PATH."""
        return self._script(service.executable)

    def emulator_executable(self, emulator: EmulatorSpec) -> str:
        """Path of the emulator's console script (``kontor-emulator-graph``)."""
        return self._script(emulator.executable)

    def _script(self, name: str) -> str:
        beside_python = Path(sys.executable).parent / name
        if beside_python.exists():
            return str(beside_python)
        found = shutil.which(name, path=self.base_env.get("PATH"))
        if found is None:
            raise ServiceCommandError(f"{name} is not installed in this environment; run `uv sync`.")
        return found

    def supervised_processes(self) -> list[ProcessSpec]:
        """The emulators first, then ``serve`` for every service, plus ``worker`` and ``beat`` where it has
        Celery tasks.

        An emulator loads its seed file at every start, so one the supervisor restarts comes back seeded.
        """
        processes: list[ProcessSpec] = []
        for emulator in self.topology.emulators:
            env = dict(self.base_env)
            env["PYTHONUNBUFFERED"] = "1"
            processes.append(ProcessSpec(
                name=emulator.name,
                command=emulator.command(self.emulator_executable(emulator), self.data_dir),
                env=env,
                cwd=self.cwd,
                color="bright_white",
            ))
        for index, service in enumerate(self.topology.services):
            color = PALETTE[index % len(PALETTE)]  # a service's processes share a colour
            roles = ["serve", "worker", "beat"] if service.has_celery else ["serve"]
            for role in roles:
                processes.append(ProcessSpec(
                    name=service.name if role == "serve" else f"{service.name}-{role}",
                    command=(self.executable(service), role),
                    env=self.env(service),
                    cwd=self.cwd,
                    color=color,
                ))
        return processes

    async def migrate(self, service: ServiceSpec) -> str:
        """Run ``kontor-<name> migrate``; return its output, raise ServiceCommandError on failure."""
        command = (self.executable(service), "migrate")
        process = await asyncio.create_subprocess_exec(
            *command,
            env=self.env(service),
            cwd=self.cwd,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C is ours to handle
        )
        try:
            stdout, _ = await asyncio.wait_for(process.communicate(), _MIGRATION_TIMEOUT_S)
        except TimeoutError:
            process.kill()
            stdout, _ = await process.communicate()
            raise ServiceCommandError(
                f"`{service.executable} migrate` did not finish within {_MIGRATION_TIMEOUT_S:.0f} s",
                stdout.decode(errors="replace"),
            ) from None
        except BaseException:
            if process.returncode is None:
                process.kill()
                await process.wait()
            raise
        output = stdout.decode(errors="replace")
        if process.returncode != 0:
            raise ServiceCommandError(
                f"`{service.executable} migrate` exited with code {process.returncode}", output
            )
        return output
