"""The CRM mailbox over a Graph account (the Graph emulator over HTTPS, app-only sign-in with the account's
stored client secret): folders, pages, one message, moving, sending."""

from __future__ import annotations

import uuid

import pytest

from kontor.emulators.graph.mail_testing import deliver, make_mime
from kontor.protos.mail.v1 import mailbox_pb2, mails_pb2

from kontor.mail_import.mails.message_ids import record_from_message_id
from kontor.mail_import.mails.models import Mail
from kontor.mail_import.mails.schemas import RecordRef

from .conftest import MESSAGE_ID_KEY  # noqa: TID252 - this test package's settings
from .real_world import (  # noqa: F401 - fixtures
    contacts, contacts_calls, contacts_database_url, contacts_service, servicer, world,
)


@pytest.fixture
async def graph(world, emulator, graph_tenant):
    control, base = graph_tenant.control, f"/mailboxes/{graph_tenant.upn}/mail"
    response = control.post(f"{base}/folders", json={"displayName": "CRM"})
    assert response.status_code == 201, response.text
    crm_id = response.json()["id"]
    account = await world.add_account(
        provider="graph", address=graph_tenant.upn, kind="client_secret", secret=graph_tenant.secret,
        import_folder="CRM", owner=world.owner, display_name="Olga Owner",
        settings={"azure_tenant_id": graph_tenant.tenant_id, "client_id": graph_tenant.client_id,
                  "authority_url": emulator.base_url, "base_url": f"{emulator.base_url}/v1.0",
                  "ca_bundle_path": str(emulator.ca_path)})
    return account, crm_id


async def test_folders_pages_a_message_and_a_move(world, servicer, graph, graph_tenant):
    account, crm_id = graph
    for n in range(3):
        deliver(graph_tenant, make_mime(to=graph_tenant.upn, subject=f"Graph {n}", sender=f"k{n}@customer.example"))
    deliver(graph_tenant, make_mime(to=graph_tenant.upn, subject="Mit Anhang", attachment=("plan.pdf", b"%PDF-g")),
            folder=crm_id)
    with world.as_user(world.owner):
        folders = (await servicer.ListFolders(mailbox_pb2.ListFoldersRequest(account_id=str(account.id)), None)).folders
        seen, token = [], ""
        while True:
            page = await servicer.ListMessages(mailbox_pb2.ListMessagesRequest(
                account_id=str(account.id), folder_id="inbox", page_size=2, page_token=token), None)
            seen.append([m.subject for m in page.messages])
            token = page.next_page_token
            if not token:
                break
        (in_crm,) = (await servicer.ListMessages(mailbox_pb2.ListMessagesRequest(
            account_id=str(account.id), folder_id=crm_id), None)).messages
        message = await servicer.GetMessage(mailbox_pb2.GetMessageRequest(
            account_id=str(account.id), folder_id=crm_id, ref=in_crm.ref), None)
        inbox_refs = [m.ref for m in (await servicer.ListMessages(mailbox_pb2.ListMessagesRequest(
            account_id=str(account.id), folder_id="inbox"), None)).messages]
        moved = await servicer.MoveMessages(mailbox_pb2.MoveMessagesRequest(  # a well-known name works too
            account_id=str(account.id), folder_id="inbox", refs=inbox_refs[:1], target_folder_id=crm_id), None)
        after = (await servicer.ListMessages(mailbox_pb2.ListMessagesRequest(
            account_id=str(account.id), folder_id=crm_id), None)).messages

    by_id = {f.id: f for f in folders}
    assert by_id[crm_id].import_folder and by_id[crm_id].total == 1
    assert [f.id for f in folders if f.import_folder] == [crm_id]
    assert {f.role for f in folders} >= {"inbox", "sentitems"}
    assert [len(p) for p in seen] == [2, 1] and sorted(s for p in seen for s in p) == ["Graph 0", "Graph 1", "Graph 2"]
    assert [(a.filename, a.size) for a in message.attachments] == [("plan.pdf", 6)]
    assert message.summary.subject == "Mit Anhang" and message.mail_id == ""
    assert list(moved.moved) == inbox_refs[:1]
    assert sorted(m.subject for m in after) == sorted(["Mit Anhang", seen[0][0]])  # the inbox's newest moved


async def test_send_through_graph_keeps_the_crm_mail(world, servicer, graph, graph_tenant, blob_store):
    account, _ = graph
    company = await world.record(visible_to=(world.owner,))
    bob = graph_tenant.add_mailbox(f"bob@{graph_tenant.domain}")["userPrincipalName"]
    carol = graph_tenant.add_mailbox(f"carol@{graph_tenant.domain}")["userPrincipalName"]
    marker = uuid.uuid4().hex
    with world.as_user(world.owner):
        answer = await servicer.SendMail(mailbox_pb2.SendMailRequest(
            account_id=str(account.id), to=[mails_pb2.Address(email=bob)], bcc=[mails_pb2.Address(email=carol)],
            subject=f"Angebot {marker}", text="Hallo",
            records=[mails_pb2.RecordRef(type="company", id=str(company))]), None)
    [entry] = graph_tenant.control.get(f"/mailboxes/{graph_tenant.upn}/mail/sent").json()["value"]
    assert entry["internetMessageId"] == answer.mail.message_id
    assert sorted(entry["deliveredTo"]) == sorted([bob, carol])  # Bcc went out through the MIME's Bcc header
    async with world.db.unit_of_work(world.tenant_id) as session:
        stored = await session.get(Mail, uuid.UUID(answer.mail.id))
    assert carol.encode() not in await blob_store.read(str(world.tenant_id), stored.raw_address)
    assert answer.mail.direction == "sent" and carol not in str(answer.mail)
    assert record_from_message_id(answer.mail.message_id, key=MESSAGE_ID_KEY.encode()) == RecordRef("company",
                                                                                                   company)
    assert [(k.record.id, k.origin) for k in answer.mail.links] == [(str(company), "sent")]
