"""Helpers of the rule tests: account requests for pymap and the Graph emulator, MIME, folder contents."""

from __future__ import annotations

import uuid

from imapclient import IMAPClient

from kontor.devstack.imap_server import ImapServer
from kontor.protos.mail.v1 import accounts_pb2


def imap_account_request(pymap: ImapServer, *, address: str, import_folder: str, kind: str = "personal",
                         team_id: str = "", password: str | None = None,
                         port: int | None = None) -> accounts_pb2.CreateAccountRequest:
    return accounts_pb2.CreateAccountRequest(
        kind=kind, address=address, import_folder=import_folder, team_id=team_id,
        imap=accounts_pb2.ImapSettings(host=pymap.host, port=port or pymap.port, security="none",
                                       username=pymap.user, smtp_security="none"),
        credentials=accounts_pb2.Credentials(password=password or pymap.password))


def subjects_in(client: IMAPClient, folder: str) -> list[str]:
    client.select_folder(folder, readonly=True)
    uids = client.search(["ALL"])
    envelopes = client.fetch(uids, ["ENVELOPE"]) if uids else {}
    return sorted((e[b"ENVELOPE"].subject or b"").decode() for e in envelopes.values())


def mime(subject: str, *, sender: str, to: str = "user@example.com", cc: str | None = None,
         attachment: bool = False) -> bytes:
    headers = [f"From: {sender}", f"To: {to}", *([f"Cc: {cc}"] if cc else []), f"Subject: {subject}",
               f"Message-ID: <{uuid.uuid4().hex}@test.example>", "Date: Sun, 29 Nov 2026 10:00:00 +0100",
               "MIME-Version: 1.0"]
    if not attachment:
        return ("\r\n".join([*headers, "Content-Type: text/plain", ""]) + "\r\nbody\r\n").encode()
    return ("\r\n".join([*headers, 'Content-Type: multipart/mixed; boundary="b"', "", "--b",
                         "Content-Type: text/plain", "", "body", "--b",
                         'Content-Type: application/pdf; name="a.pdf"',
                         'Content-Disposition: attachment; filename="a.pdf"', "Content-Transfer-Encoding: base64",
                         "", "JVBERg==", "--b--", ""])).encode()


def graph_account_request(emulator, handle, *, import_folder: str,
                          secret: str | None = None) -> accounts_pb2.CreateAccountRequest:
    return accounts_pb2.CreateAccountRequest(
        kind="personal", address=handle.upn, import_folder=import_folder,
        graph=accounts_pb2.GraphSettings(azure_tenant_id=handle.tenant_id, client_id=handle.client_id,
                                         authority_url=emulator.base_url, base_url=f"{emulator.base_url}/v1.0",
                                         ca_bundle_path=str(emulator.ca_path)),
        credentials=accounts_pb2.Credentials(client_secret=secret or handle.secret))
