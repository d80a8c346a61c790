"""Fixtures: one emulator per test session, a fresh tenant / app / mailbox per test, over real HTTPS
(``tenant``/``graph`` with calendar rights, ``mt``/``mail`` with mail rights)."""

from __future__ import annotations

import pytest

from kontor.emulators.graph import GraphEmulator
from kontor.emulators.graph.mail_testing import MAIL_ROLES
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


@pytest.fixture
def mt(emulator):
    handle = new_tenant(emulator, roles=MAIL_ROLES)
    yield handle
    handle.control.close()


@pytest.fixture
def mail(mt):
    with mt.graph() as client:
        yield client
