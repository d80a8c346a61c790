"""Issue 5, "Done when": the whole malformed-and-unusual corpus (tests/mime/corpus.py) through the real importer,
from a real IMAP folder: every message the server holds is imported or quarantined, none is lost."""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

from kontor.mail_import.imports.models import QuarantinedMessage
from kontor.mail_import.mails.models import Mail, MailboxReference
from kontor.mail_import.mime import REASONS


def _corpus():
    path = Path(__file__).resolve().parents[1] / "mime" / "corpus.py"
    spec = importlib.util.spec_from_file_location("mail_import_mime_corpus", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


async def test_the_whole_corpus_is_imported_or_quarantined_and_nothing_is_lost(world):
    corpus = _corpus().corpus()
    box = await world.mailbox("Corpus")
    client = world.client()
    refused = []
    try:
        for item in corpus:
            try:
                client.append(box.folder, item.raw)
            except Exception as exc:  # noqa: BLE001 - a message the server refuses never reaches a folder
                refused.append((item.name, type(exc).__name__))
                try:  # a refused literal may cost the connection
                    client.logout()
                except Exception:  # noqa: BLE001, S110
                    pass
                client = world.client()
        client.select_folder(box.folder, readonly=True)
        in_folder = len(client.search(["ALL"]))
    finally:
        client.logout()
    # Only the empty message may be refused by an IMAP server. (An APPEND that timed out on a busy machine may
    # still have been stored, so the folder, not the list of refusals, says what the importer must account for.)
    assert in_folder >= len(corpus) - 2, refused

    report = await box.run(batch_size=25)

    assert report.outcome == "ok" and report.state == "healthy", report
    state = await box.state()
    assert state.folder_count == in_folder
    assert state.folder_count == state.imported_count + state.quarantined_count and state.gap == 0
    async with world.db.unit_of_work(world.tenant_id) as session:
        references = await session.scalar(select(func.count()).select_from(MailboxReference))
        distinct_refs = await session.scalar(select(func.count(func.distinct(MailboxReference.ref))))
        reasons = Counter(await session.scalars(select(QuarantinedMessage.reason)))
        mails = await session.scalar(select(func.count()).select_from(Mail))
    assert references == distinct_refs == state.imported_count
    assert sum(reasons.values()) == state.quarantined_count
    assert set(reasons) <= set(REASONS) | {"blob_too_large"}
    assert "unparseable" not in reasons  # the parser's safety net never catches anything in the corpus
    expected_quarantined = sum(1 for item in corpus if item.expect not in (None, "imported"))
    # The server may have refused (or normalised) a damaged message or two.
    assert sum(reasons.values()) >= expected_quarantined - 2
    assert 0 < mails <= references  # identical copies in the corpus are one mail with several references

    # A second round stores nothing new and still balances.
    again = await box.run(batch_size=25)
    assert (again.imported, again.referenced, again.quarantined, again.state) == (0, 0, 0, "healthy")
