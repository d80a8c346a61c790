"""Which accounts beat claims, and ImportService (health, log, quarantine, import now) through its servicer."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from kontor.platform.errors import InvalidArgument, NotFound, PermissionDenied
from kontor.protos.mail.v1 import imports_pb2 as pb

from kontor.mail_import.accounts.models import MailAccount, MailTenant
from kontor.mail_import.imports import due, health
from kontor.mail_import.imports.servicer import ImportServicer

from .real_world import contacts_database_url, contacts_service, world  # noqa: F401 - fixtures
from .test_round import message

INTERVAL = timedelta(minutes=5)


async def _claim(world, now, limit=50):
    async with world.db.unit_of_work(world.tenant_id) as session:
        return set(await due.claim_in_tenant(session, world.tenant_id, now=now, interval=INTERVAL, limit=limit))


async def test_beat_claims_due_accounts_once_and_leaves_the_rest(world):
    fresh, done, blocked, off = [await world.mailbox(n) for n in ("Fresh", "Done", "Blocked", "Off")]
    done.deliver(message(1))
    await done.run()
    async with world.db.unit_of_work(world.tenant_id) as session:
        (await session.get(MailAccount, off.account_id)).enabled = False
        row = await health.state_of(session, tenant_id=world.tenant_id, account_id=blocked.account_id)
        health.needs_auth(row)
        row = await health.state_of(session, tenant_id=world.tenant_id, account_id=off.account_id)
        health.disabled(row)
    now = health.now()

    assert await _claim(world, now) == {fresh.account_id}
    assert await _claim(world, now) == set()  # claimed: not queued again while its task waits
    later = now + INTERVAL + timedelta(seconds=1)
    assert await _claim(world, later) == {done.account_id}  # its poll slot came
    assert await _claim(world, now + due.CLAIM + timedelta(seconds=1)) == {fresh.account_id}  # a lost task


async def test_claim_due_visits_the_tenants_of_mail_tenants(world):
    box = await world.mailbox("Import")
    async with world.db.unit_of_work(None) as session:
        session.add(MailTenant(tenant_id=world.tenant_id))
    try:
        claimed = await due.claim_due(world.db, interval=INTERVAL)
        assert (world.tenant_id, box.account_id) in claimed
    finally:
        async with world.db.unit_of_work(None) as session:
            await session.execute(sa.delete(MailTenant).where(MailTenant.tenant_id == world.tenant_id))


class Context:
    def __init__(self, lang="de-DE,de;q=0.9"):
        self.metadata = [("accept-language", lang)]

    def invocation_metadata(self):
        return self.metadata


class Trigger:
    def __init__(self):
        self.queued = []

    async def request(self, tenant_id, account_id):
        self.queued.append((tenant_id, account_id))
        return True


async def test_health_log_and_quarantine_read_in_the_callers_language(world):
    box = await world.mailbox("Import")
    box.deliver(message(1), b"not a mail, no header at all\r\n")
    await box.run()
    world.act(await world.owner_of(box))
    servicer = ImportServicer(world.db, world.contacts, Trigger())
    account_id = str(box.account_id)

    health_pb = await servicer.GetImportHealth(pb.GetImportHealthRequest(account_id=account_id), Context())
    lines = await servicer.ListImportLog(pb.ListImportLogRequest(account_id=account_id), Context())
    english = await servicer.ListImportLog(pb.ListImportLogRequest(account_id=account_id), Context("en"))
    quarantine = await servicer.ListQuarantine(pb.ListQuarantineRequest(account_id=account_id), Context())

    assert (health_pb.state, health_pb.healthy, list(health_pb.reasons)) == ("healthy", True, [])
    assert (health_pb.folder_count, health_pb.imported_count, health_pb.quarantined_count) == (2, 1, 1)
    by_code = {line.code: line for line in lines.lines}
    assert "Quarantäne" in by_code["import.quarantined"].message
    assert "keine E-Mail-Nachricht" in by_code["import.quarantined"].message
    assert "quarantined" in {line.code: line for line in english.lines}["import.quarantined"].message
    assert by_code["import.finished"].counts["folder_count"] == 2
    [held] = quarantine.mails
    assert (held.reason, held.raw_kept) == ("no_headers", True)


async def test_a_gap_is_reported_as_a_reason_never_as_healthy(world):
    box = await world.mailbox("Import")
    async with world.db.unit_of_work(world.tenant_id) as session:
        row = await health.state_of(session, tenant_id=world.tenant_id, account_id=box.account_id)
        row.folder_count, row.imported_count, row.gap = 5, 3, 2
        health.finished(row, health.now(), gap=2)
    world.act(await world.owner_of(box))

    answer = await ImportServicer(world.db, world.contacts, None).GetImportHealth(
        pb.GetImportHealthRequest(account_id=str(box.account_id)), Context("en"))

    assert (answer.state, answer.healthy, answer.gap) == ("gap", False, 2)
    assert list(answer.reasons) == ["2 messages in the folder were neither imported nor quarantined; "
                                    "they will be retried."]


async def test_import_now_queues_a_round_and_needs_the_update_right(world):
    box = await world.mailbox("Import")
    world.act(await world.owner_of(box))
    trigger = Trigger()
    request = pb.RunImportNowRequest(account_id=str(box.account_id))
    servicer = ImportServicer(world.db, world.contacts, trigger)

    answer = await servicer.RunImportNow(request, Context())

    assert trigger.queued == [(world.tenant_id, box.account_id)] and answer.state == "never_synced"
    # the tenant takes "update" on mail accounts from sales reps (its rights in contacts)
    await world.contacts_tenant.set_rights("sales_rep", "mail_account", {"create", "read", "delete"})
    with pytest.raises(PermissionDenied):
        await servicer.RunImportNow(request, Context())
    assert len(trigger.queued) == 1


async def test_another_users_account_and_bad_ids_are_refused(world):
    box = await world.mailbox("Import")
    world.act(await world.contacts_tenant.user())  # a colleague without a share in this personal account
    servicer = ImportServicer(world.db, world.contacts, Trigger())

    with pytest.raises(NotFound):
        await servicer.GetImportHealth(pb.GetImportHealthRequest(account_id=str(box.account_id)), Context())
    with pytest.raises(NotFound):
        await servicer.ListQuarantine(pb.ListQuarantineRequest(account_id=str(box.account_id)), Context())
    with pytest.raises(InvalidArgument) as bad:
        await servicer.GetImportHealth(pb.GetImportHealthRequest(account_id="nope"), Context())
    assert bad.value.field == "account_id"
    with pytest.raises(InvalidArgument) as bad:
        await servicer.ListImportLog(pb.ListImportLogRequest(account_id=str(box.account_id), limit=-1), Context())
    assert bad.value.field == "limit"
