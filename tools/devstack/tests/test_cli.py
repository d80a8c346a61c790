"""`kontor-dev` end to end: real infrastructure, fake service executables."""

import io
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kontor.devstack.cli import main
from kontor.devstack.datadir import DataDirLock
from kontor.devstack.ports import free_port
from kontor.devstack.topology import load_topology

HERE = Path(__file__).parent


@pytest.fixture
def fake_bin(tmp_path: Path) -> Path:
    directory = tmp_path / "bin"
    directory.mkdir()
    for name in load_topology({}).service_names:
        script = directory / f"kontor-{name}"
        script.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{HERE / "fake_service.py"}" {name} "$@"\n')
        script.chmod(0o755)
    return directory


@pytest.fixture
def dev_env(tmp_path: Path) -> dict[str, str]:
    """Our environment with a tmp data dir and every port moved to a free one."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("KONTOR_DEV_")}
    env["KONTOR_DEV_HOME"] = str(tmp_path / "home")
    ports: set[int] = set()
    for claim in load_topology({}).port_claims():
        port = free_port()
        while port in ports:
            port = free_port()
        ports.add(port)
        env[claim.env_var] = str(port)
    return env


class CliRun:
    """A running `kontor-dev` whose output is collected in the background."""

    def __init__(self, fake_bin: Path, env: dict[str, str], *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(HERE / "run_cli_with_fakes.py"), str(fake_bin), *args],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_for(self, text: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self._reader.join(2)
                raise AssertionError(f"{text!r} did not appear; output:\n{self.output}")
            time.sleep(0.05)

    def stop(self, sig: signal.Signals, timeout: float = 60.0) -> int:
        self.process.send_signal(sig)
        returncode = self.process.wait(timeout)
        self._reader.join(5)
        return returncode


@pytest.fixture
def runs() -> Iterator[list[CliRun]]:
    started: list[CliRun] = []
    yield started
    for run in started:  # never leave a stack behind, even when a test fails
        if run.process.poll() is None:
            run.stop(signal.SIGTERM)


@pytest.mark.parametrize(("env_var", "what"), [("KONTOR_DEV_GATEWAY_HTTP_PORT", "gateway HTTP"),
                                             ("KONTOR_DEV_GRAPH_EMULATOR_PORT", "Microsoft Graph emulator")])
def test_busy_port_stops_up_before_anything_starts(fake_bin: Path, dev_env: dict[str, str],
                                                   runs: list[CliRun], env_var: str, what: str) -> None:
    port = int(dev_env[env_var])
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        run = CliRun(fake_bin, dev_env, "up")
        runs.append(run)
        returncode = run.process.wait(30)
    run._reader.join(5)
    assert returncode == 2, run.output
    flat = " ".join(run.output.split())
    assert f"Port {port} ({what}) is already in use" in flat
    assert env_var in flat
    assert not (Path(dev_env["KONTOR_DEV_HOME"]) / "postgres").exists()


def test_up_runs_the_stack_seeds_once_and_stops_cleanly(fake_bin: Path, dev_env: dict[str, str],
                                                        runs: list[CliRun]) -> None:
    home = Path(dev_env["KONTOR_DEV_HOME"])
    first = CliRun(fake_bin, dev_env, "up")
    runs.append(first)
    first.wait_for("Kontor is running")
    output = first.output
    for name in load_topology({}).service_names:
        assert f"Migrated kontor_{name.replace('-', '_')}" in output
    # graph-emulator, serve x 6, worker + beat x 5 (contacts, billing, calendar-sync, mail-import, gateway)
    assert "Started 17 processes: graph-emulator, contacts" in output
    assert output.count("│ ready") == 7, output  # the services and the emulator
    assert "created with its org manager; created 2 companies" in output
    emulator_url = f"https://127.0.0.1:{dev_env['KONTOR_DEV_GRAPH_EMULATOR_PORT']}"
    flat = " ".join(output.split())
    assert f"Microsoft Graph emulator {emulator_url}" in flat
    assert "its CA (trust it)" in flat and (home / "graph-emulator" / "ca.pem").is_file()
    assert (home / "graph-emulator" / "seed.json").is_file()
    # The fake gateway's room import signed in at the registered authority with the CA: the record is right.
    assert "Branch server registered" in flat
    assert "rooms imported (2 new, 0 updated, 0 unchanged)" in flat
    assert "demo mailbox anna.admin@demo.example connected" in flat
    assert "Full sync of the demo mailbox requested" in flat
    assert "Demo mailbox anna.admin@demo.example (on the Graph emulator" in flat
    first.wait_for("Demo mailbox sync: state idle; healthy")
    assert "anna.admin@demo.example" in output and "kontor-dev-only-password" in output
    assert "dev only" in output
    assert f"http://127.0.0.1:{dev_env['KONTOR_DEV_GATEWAY_HTTP_PORT']}/docs" in output
    assert f"curl -s -X POST http://127.0.0.1:{dev_env['KONTOR_DEV_GATEWAY_HTTP_PORT']}/api/v1/auth/login" in output
    # Workers and beats may print after the banner (14 processes on a busy machine); the name column is padded
    # to the longest process name (calendar-sync-worker).
    first.wait_for("| contacts worker running")
    first.wait_for("| gateway beat running")
    first.wait_for("| calendar-sync beat running")
    key = home / "secrets" / "gateway-signing-key.pem"
    key_bytes = key.read_bytes()

    assert first.stop(signal.SIGINT) == 0, first.output
    for what in ("Services stopped", "Redis stopped", "NATS stopped", "PostgreSQL stopped"):
        assert what in first.output

    # The emulator moves: the seed brings the server record along (the fake's room import reads the record).
    dev_env = {**dev_env, "KONTOR_DEV_GRAPH_EMULATOR_PORT": str(free_port())}
    second = CliRun(fake_bin, dev_env, "up")
    runs.append(second)
    second.wait_for("Kontor is running")
    assert "'demo' (5f0c6a3e-0000-4000-8000-000000000001) exists; already has data" in second.output
    flat = " ".join(second.output.split())
    # The emulator forgot everything and was seeded again; the CRM side finds what it made last time.
    assert "Branch server updated" in flat
    assert "rooms imported (0 new, 0 updated, 2 unchanged)" in flat
    assert "demo mailbox anna.admin@demo.example already connected" in flat
    assert "Generated the gateway signing key" not in second.output
    assert key.read_bytes() == key_bytes
    assert second.stop(signal.SIGTERM) == 0, second.output
    # The cluster was initialised once and started twice.
    assert (home / "postgres" / "postgres.log").read_text().count("kontor-devstack: starting PostgreSQL") == 2


def test_failed_migration_shows_its_output_and_stops_everything(
        fake_bin: Path, dev_env: dict[str, str], runs: list[CliRun]) -> None:
    (fake_bin / "kontor-billing").write_text("#!/bin/sh\necho 'alembic: relation exists' >&2\nexit 3\n")
    run = CliRun(fake_bin, dev_env, "up")
    runs.append(run)
    assert run.process.wait(60) == 1
    run._reader.join(5)
    assert "alembic: relation exists" in run.output
    assert "`kontor-billing migrate` exited with code 3" in run.output
    assert "PostgreSQL stopped" in run.output


def test_env_prints_export_lines(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                 tmp_path: Path) -> None:
    monkeypatch.setenv("KONTOR_DEV_HOME", str(tmp_path / "my home"))
    monkeypatch.setenv("KONTOR_DEV_CONTACTS_GRPC_PORT", "61051")
    assert main(["env", "gateway"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "export KONTOR_GATEWAY_CONTACTS_ADDR=127.0.0.1:61051" in lines
    key_file = tmp_path / "my home" / "secrets" / "gateway-signing-key.pem"
    assert f"export KONTOR_GATEWAY_SIGNING_KEY_FILE='{key_file}'" in lines

    assert main(["env", "nonexistent"]) == 2
    assert "unknown service 'nonexistent'" in capsys.readouterr().err


def test_reset_deletes_only_a_data_dir_and_only_when_confirmed(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("KONTOR_DEV_HOME", str(home))
    assert main(["reset", "--yes"]) == 0  # nothing there yet

    home.mkdir()
    (home / "precious.txt").write_text("not ours")
    assert main(["reset", "--yes"]) == 2
    assert home.exists()

    (home / "postgres").mkdir()
    monkeypatch.setattr("sys.stdin", io.StringIO())  # not a terminal: needs --yes
    assert main(["reset"]) == 2
    with DataDirLock(home):  # a running stack owns it
        assert main(["reset", "--yes"]) == 2
    assert home.exists()
    assert main(["reset", "--yes"]) == 0
    assert not home.exists()
