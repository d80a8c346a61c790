"""``kontor-mail-import import``: a stored account imported in the foreground, with its reconciliation printed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from kontor.platform.secrets_box import SecretBox, generate_key, parse_keys

from kontor.mail_import.accounts.connect import seal_credential
from kontor.mail_import.accounts.models import AccountCredential, MailAccount, MailTenant

from .test_round import message


def _command() -> list[str]:
    script = shutil.which("kontor-mail-import") or str(Path(sys.executable).with_name("kontor-mail-import"))
    return [script, "import"]


async def test_the_import_command_runs_a_round_and_prints_the_reconciliation(world, database_url, tmp_path):
    key = generate_key()
    box = await world.mailbox("Cli")
    async with world.db.unit_of_work(world.tenant_id) as session:
        account = await session.get(MailAccount, box.account_id)
        account.settings = {"host": world.pymap.host, "port": world.pymap.port, "security": "none",
                            "username": world.pymap.user}
        session.add(AccountCredential(tenant_id=world.tenant_id, account_id=account.id, kind="password",
                                      sealed=seal_credential(SecretBox(parse_keys(key)), account, "password",
                                                             world.pymap.password.encode())))
    async with world.db.unit_of_work(None) as session:
        session.add(MailTenant(tenant_id=world.tenant_id))
    box.deliver(*(message(n) for n in range(7)), b"just text, no header\r\n")
    env = {**os.environ, "KONTOR_MAIL_IMPORT_DATABASE_URL": database_url,
           "KONTOR_MAIL_IMPORT_NATS_URL": "nats://127.0.0.1:1", "KONTOR_MAIL_IMPORT_REDIS_URL": "redis://127.0.0.1:1",
           "KONTOR_MAIL_IMPORT_JWKS_URL": "http://127.0.0.1:1/jwks", "KONTOR_MAIL_IMPORT_CONTACTS_ADDR": "127.0.0.1:1",
           "KONTOR_MAIL_IMPORT_SECRET_KEYS": key, "KONTOR_MAIL_IMPORT_MESSAGE_ID_KEY": "k" * 32,
           "KONTOR_MAIL_IMPORT_BLOB_STORE_URL": (tmp_path / "cli-blobs").as_uri(),
           "KONTOR_MAIL_IMPORT_IMPORT_BATCH_SIZE": "3"}
    try:
        # Without --tenant: the command finds the account's tenant itself.
        done = subprocess.run([*_command(), "--account", str(box.account_id)], env=env, capture_output=True,
                              text=True, timeout=240)
    finally:
        async with world.db.unit_of_work(None) as session:
            await session.execute(sa.delete(MailTenant).where(MailTenant.tenant_id == world.tenant_id))

    assert done.returncode == 0, done.stdout + done.stderr
    assert "reconciliation: folder 8 = imported 7 + quarantined 1 + gap 0" in done.stdout
    assert "state: healthy" in done.stdout
    assert await world.mails() == 7

    unknown = subprocess.run([*_command(), "--account", "00000000-0000-0000-0000-000000000001", "--tenant",
                              str(world.tenant_id)], env=env, capture_output=True, text=True, timeout=120)
    assert unknown.returncode == 2 and "not found" in unknown.stdout
