"""Run by test_crash.py in a subprocess: one import round that stops dead in its second batch.

After the first batch committed it writes the marker file, then every blob put hangs, so the process sits
inside batch 2 (messages fetched and being stored, nothing of it committed) until the test SIGKILLs it.

    python crash_round.py <database url> <tenant id> <account id> <imap host> <port> <user> <password>
                          <folder is resolved from the account> <blob dir> <marker file>
"""

from __future__ import annotations

import asyncio
import sys
import uuid
from pathlib import Path

from kontor.platform.blobs import FilesystemBlobStore
from kontor.platform.db import Database

from kontor.mail_import.imap.config import ImapAccount
from kontor.mail_import.imports.round import run_round
from kontor.mail_import.providers.imap import ImapMailProvider


class HangsAfterFirstBatch(FilesystemBlobStore):
    first_batch_committed = False

    async def put(self, namespace, content, *, expected=None):
        if self.first_batch_committed:
            await asyncio.Event().wait()  # until SIGKILL
        return await super().put(namespace, content, expected=expected)


async def main(argv: list[str]) -> None:
    url, tenant, account, host, port, user, password, blob_dir, marker = argv
    db = Database(url, pool_size=2)
    blobs = HangsAfterFirstBatch(blob_dir, max_bytes=64 * 1024 * 1024)

    def on_progress(report) -> None:
        if report.batches == 1:
            blobs.first_batch_committed = True
            Path(marker).write_text(str(report.progress_done))

    provider = ImapMailProvider(ImapAccount(host=host, port=int(port), username=user, password=password,
                                            security="none", timeout_s=30), smtp=None)
    async with provider:
        await run_round(db, provider, tenant_id=uuid.UUID(tenant), account_id=uuid.UUID(account), blobs=blobs,
                        batch_size=5, on_progress=on_progress)
    Path(marker + ".finished").write_text("the round ended: the test expected it to be killed")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
