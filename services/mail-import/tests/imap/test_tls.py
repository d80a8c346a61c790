"""STARTTLS against pymap with a certificate of our own; a certificate the client does not trust is refused."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kontor.devstack.imap_server import imap_server
from kontor.mail_import.imap.aio import AsyncImapFolder
from kontor.mail_import.imap.config import ImapAccount
from kontor.mail_import.imap.errors import ImapCertificateError, ImapConnectionError


def _self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "imap.crt", directory / "imap.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    directory = Path(tmp_path_factory.mktemp("pymap-tls"))
    cert, key = _self_signed(directory)
    with imap_server(directory, tls_cert=cert, tls_key=key) as server:
        yield server, cert


def _account(server, **overrides) -> ImapAccount:
    return ImapAccount(host=server.host, port=server.port, username=server.user, password=server.password,
                       timeout_s=10, **overrides)


async def test_starttls_with_a_trusted_certificate_reads_the_folder(tls_server, make_message):
    server, cert = tls_server
    server.deliver("INBOX", make_message(1))
    trusting = ssl.create_default_context(cafile=str(cert))
    async with AsyncImapFolder(_account(server, security="starttls", ssl_context=trusting), "INBOX") as folder:
        batch = await folder.next_batch(None)
        assert isinstance(folder.session.client._imap.sock, ssl.SSLSocket)  # the session really runs over TLS
    assert len(batch.messages) == 1


async def test_untrusted_certificate_is_refused_before_login(tls_server):
    server, _ = tls_server
    account = _account(server, security="starttls")  # system trust store: our self-signed cert is unknown
    with pytest.raises(ImapCertificateError) as raised:
        async with AsyncImapFolder(account, "INBOX"):
            pass
    assert raised.value.retryable is False  # a configuration problem: retrying cannot help
    assert "self-signed certificate" in str(raised.value)
    assert server.password not in str(raised.value)


async def test_implicit_tls_against_a_plain_port_fails_as_a_connection_error(tls_server):
    server, cert = tls_server
    account = _account(server, security="tls", ssl_context=ssl.create_default_context(cafile=str(cert)))
    with pytest.raises(ImapConnectionError):
        async with AsyncImapFolder(account, "INBOX"):
            pass
