"""Fixtures every mail-import test folder shares (pytest finds them from the sub-folders).

- One real PostgreSQL with mail-import's migrated database (``database_url``, ``db``), the service's settings
  (``settings``, ``settings_for``), a secret box and a blob store.
- Real mail servers that are not ours, one of each per test session: pymap for IMAP (``pymap``, ``account``,
  ``raw_client``, ``folders``), aiosmtpd for SMTP submission with the same login (``smtp_sink``, tests/smtp_sink.py)
  and the Graph emulator over HTTPS (``emulator``, ``graph_tenant``). Every test works in a tenant, folders and
  messages of its own (``suffix``), so tests never see each other's mail.

A folder's conftest may override one of these by name (tests/accounts/test_servicer.py starts its own pymap with
mail already in it).
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from imapclient import IMAPClient

from kontor.devstack.imap_server import ImapServer, imap_server
from kontor.devstack.testing import database_fixtures
from kontor.emulators.graph import GraphEmulator
from kontor.emulators.graph.mail_testing import MAIL_ROLES
from kontor.emulators.graph.testing import new_tenant
from kontor.platform.blobs import FilesystemBlobStore
from kontor.platform.secrets_box import SecretBox, generate_key, parse_keys

from kontor.mail_import.imap.config import ImapAccount
from kontor.mail_import.settings import MailImportSettings

from .smtp_sink import SmtpSink, smtp_server

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"

database_url, db = database_fixtures("mail-import", MIGRATIONS)


# ---- the service -------------------------------------------------------------------------------------------


@pytest.fixture
def settings_for(database_url):
    """``settings_for(**overrides)``: MailImportSettings on the test database; other services' addresses point
    nowhere."""

    def make(**overrides) -> MailImportSettings:
        values = {"database_url": database_url, "nats_url": "nats://127.0.0.1:1", "jwks_url": "http://x/jwks",
                  "contacts_addr": "127.0.0.1:1", "secret_keys": generate_key(), "message_id_key": "k" * 32,
                  "mail_server_timeout_s": 10}
        return MailImportSettings(**(values | overrides))

    return make


@pytest.fixture
def settings(settings_for) -> MailImportSettings:
    return settings_for()


@pytest.fixture
def box() -> SecretBox:
    return SecretBox(parse_keys(generate_key()))


@pytest.fixture
def blob_store(tmp_path) -> FilesystemBlobStore:
    return FilesystemBlobStore(tmp_path / "blobs", max_bytes=64 * 1024 * 1024)


@pytest.fixture
def suffix() -> str:
    """Makes this test's folder names, addresses and subjects its own."""
    return uuid.uuid4().hex[:8]


# ---- IMAP: pymap -------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pymap(tmp_path_factory) -> ImapServer:
    with imap_server(Path(tmp_path_factory.mktemp("pymap"))) as server:
        yield server


@pytest.fixture
def account(pymap) -> ImapAccount:
    """The pymap user's IMAP account as the IMAP client takes it (plain IMAP on loopback)."""
    return ImapAccount(host=pymap.host, port=pymap.port, username=pymap.user, password=pymap.password,
                       security="none", timeout_s=10)


@pytest.fixture
def folders(suffix):
    """Unique folder names for this test: ``folders("Import")`` → ``Import-<suffix>``."""
    return lambda name: f"{name}-{suffix}"


@pytest.fixture
def raw_client(pymap):
    """A plain imapclient session as the user, for arranging and checking server state around the code under test."""
    client = IMAPClient(pymap.host, port=pymap.port, ssl=False, timeout=10)
    client.login(pymap.user, pymap.password)
    yield client
    client.logout()


# ---- SMTP: aiosmtpd ----------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def smtp_sink(pymap) -> SmtpSink:
    """SMTP submission that takes the IMAP user's login, as a mail host with one login for both does."""
    with smtp_server(pymap.user, pymap.password) as sink:
        yield sink


# ---- Graph: the emulator -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def emulator():
    with GraphEmulator() as emu:
        yield emu


@pytest.fixture
def graph_tenant(emulator):
    """A fresh Entra tenant with an app holding the mail application permissions, and its mailbox (``.upn``)."""
    handle = new_tenant(emulator, roles=MAIL_ROLES)
    yield handle
    handle.control.close()
