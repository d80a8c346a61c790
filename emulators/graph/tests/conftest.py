"""Fixtures: one emulator per test session, a fresh tenant / app / mailbox per test, over real HTTPS."""

from __future__ import annotations

import pytest

from kontor.emulators.graph import GraphEmulator
from kontor.emulators.graph.testing import new_tenant


@pytest.fixture(scope="session")
def emulator():
    with GraphEmulator() as emu:
        yield emu


@pytest.fixture
def tenant(emulator):
    handle = new_tenant(emulator)
    yield handle
    handle.control.close()


@pytest.fixture
def graph(tenant):
    with tenant.graph() as client:
        yield client
