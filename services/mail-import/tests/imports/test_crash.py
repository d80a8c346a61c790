"""Reconciliation after a crash: the importer is SIGKILLed inside a batch, then runs again. Nothing is lost,
nothing is stored twice, and the folder count equals imported + quarantined."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from kontor.mail_import.imports.models import QuarantinedMessage
from kontor.mail_import.mails.models import Mail, MailboxReference

from .test_round import message

SCRIPT = Path(__file__).with_name("crash_round.py")


def _wait_for(path: Path, process: subprocess.Popen) -> None:
    """Until the subprocess wrote ``path`` (or died); the pytest timeout bounds it, nothing here is timed."""
    while not path.exists():
        if process.poll() is not None:
            raise AssertionError(f"the round ended before its first batch committed (exit {process.returncode})")
        time.sleep(0.05)


async def test_an_importer_killed_mid_batch_resumes_without_losing_or_doubling_mail(world, database_url, tmp_path):
    box = await world.mailbox("Crash")
    broken = b"no header here, only text that is not a mail\r\n"
    messages = [message(n) for n in range(17)]
    box.deliver(*messages[:8], broken, *messages[8:])
    marker = tmp_path / "first-batch-committed"
    process = subprocess.Popen(
        [sys.executable, str(SCRIPT), database_url, str(world.tenant_id), str(box.account_id), world.pymap.host,
         str(world.pymap.port), world.pymap.user, world.pymap.password, str(world.blobs.root), str(marker)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        _wait_for(marker, process)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert not Path(str(marker) + ".finished").exists()
    assert int(marker.read_text()) == 5  # the first batch of five committed, no more
    state = await box.state()
    assert state.state == "importing" and state.cursor is not None
    assert len(await box.refs()) == 5

    report = await box.run(batch_size=5)
    while report.outcome == "busy":  # the dead process's connection (and lock) not yet dropped by PostgreSQL
        time.sleep(0.1)
        report = await box.run(batch_size=5)

    assert report.outcome == "ok" and report.state == "healthy", report
    state = await box.state()
    assert (state.folder_count, state.imported_count, state.quarantined_count, state.gap) == (18, 17, 1, 0)
    async with world.db.unit_of_work(world.tenant_id) as session:
        references = await session.scalar(select(func.count()).select_from(MailboxReference))
        distinct_refs = await session.scalar(select(func.count(func.distinct(MailboxReference.ref))))
        mails = await session.scalar(select(func.count()).select_from(Mail))
        distinct_ids = await session.scalar(select(func.count(func.distinct(Mail.message_id))))
        quarantined = await session.scalar(select(func.count()).select_from(QuarantinedMessage))
    assert references == distinct_refs == 17
    assert mails == distinct_ids == 17
    assert quarantined == 1
