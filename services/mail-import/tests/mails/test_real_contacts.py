"""Matching and visibility against the real contacts service: its AddressMatchService, AccessService and
UserService with its own PostgreSQL, behind the platform's gRPC edge (real token verification), called with
tokens the way the gateway issues them."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kontor.contacts.access import servicer as access_servicer
from kontor.contacts.companies import service as companies
from kontor.contacts.companies.schemas import CompanyCreate
from kontor.contacts.identity import servicer as identity_servicer
from kontor.contacts.matching import servicer as matching_servicer
from kontor.contacts.persons import service as persons
from kontor.contacts.persons.schemas import ContactPersonCreate
from kontor.devstack.testing import migrated_database
from kontor.platform.auth import (
    Principal, TokenIssuer, TokenVerifier, current_principal, reset_principal, set_principal,
)
from kontor.platform.db import Database
from kontor.platform.errors import NotFound
from kontor.platform.grpc_server import create_server

from kontor.mail_import.contacts_client import ContactsClient
from kontor.mail_import.mails import links, matching, service
from kontor.mail_import.mails.schemas import RecordRef
from kontor.mail_import.mails.visibility import MailViewer

from .helpers import KEY, in_force

CONTACTS_MIGRATIONS = Path(__file__).resolve().parents[4] / "services" / "contacts" / "migrations"


@pytest.fixture(scope="module")
def contacts_database_url(tmp_path_factory):
    with migrated_database(tmp_path_factory.mktemp("contacts-pg"), "contacts", CONTACTS_MIGRATIONS) as url:
        yield url


@pytest.fixture
async def real_contacts(contacts_database_url):
    db = Database(contacts_database_url, pool_size=2)
    issuer = TokenIssuer(Ed25519PrivateKey.generate(), issuer="kontor-gateway", audience="kontor")
    verifier = TokenVerifier("http://127.0.0.1:9/jwks.json", issuer="kontor-gateway", audience="kontor")
    verifier.add_keys(issuer.jwks())
    server, _health = create_server(service="contacts", verifier=verifier, default_deadline_s=10, register=lambda s: [
        *access_servicer.register(s, db), *matching_servicer.register(s, db), *identity_servicer.register(s, db)])
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    client = ContactsClient.connect(f"127.0.0.1:{port}", timeout_s=10)
    yield db, issuer, client
    await client.close()
    await server.stop(None)
    await db.dispose()


async def test_matching_and_visibility_with_the_real_contacts(world, real_contacts):
    contacts_db, issuer, client = real_contacts
    tenant = world.tenant_id
    manager = Principal(subject="manager", tenant_id=tenant, roles=("org_manager",))
    async with contacts_db.unit_of_work(tenant) as session:
        shown = (await companies.create_company(session, principal=manager, data=CompanyCreate(
            name="Kunde GmbH", website="https://kunde.example", confirm_duplicate=True))).id
        hidden = (await companies.create_company(session, principal=manager, data=CompanyCreate(
            name="Geheim AG", website="geheim.example", access_level="private", confirm_duplicate=True))).id
        anna = (await persons.create_person(session, principal=manager, company_id=shown, data=ContactPersonCreate(
            last_name="Muster", emails=[{"address": "anna@kunde.example"}], confirm_duplicate=True))).id

    def act_as(subject: str, roles: list[str]):
        token = issuer.issue(subject=subject, tenant_id=tenant, roles=roles)
        return set_principal(Principal(subject=subject, tenant_id=tenant, roles=tuple(roles), token=token))

    first, first_parsed = await world.store(sender="anna@kunde.example", to=("owner@kontor.example",))
    second, second_parsed = await world.store(sender="ceo@geheim.example", cc=("bob@kunde.example",))
    # The round's background identity: a manager here, so both companies may be matched.
    t = act_as(str(world.owner), ["org_manager"])
    try:
        async with world.db.unit_of_work(tenant) as session:
            proposals = await matching.match_batch(
                session, tenant_id=tenant, account=world.account, mails=[(first, first_parsed),
                                                                         (second, second_parsed)],
                contacts=client, message_id_key=KEY)
            await links.apply_automatic(session, tenant_id=tenant,
                                        proposals=[p for found in proposals.values() for p in found])
    finally:
        reset_principal(t)
    assert await in_force(world, first.id) == {RecordRef("contact_person", anna): "auto",
                                               RecordRef("company", shown): "auto"}
    assert await in_force(world, second.id) == {RecordRef("company", hidden): "auto",
                                                RecordRef("company", shown): "auto"}

    # A sales rep sees the mails through the public company; after its link to the second mail is removed,
    # only the private company (which the rep may not see) keeps it, so the second mail is hidden from them.
    rep = str(uuid.uuid4())
    t = act_as(rep, ["sales_rep"])
    try:
        async with world.db.unit_of_work(tenant) as session:
            viewer = MailViewer(session, principal=current_principal(), contacts=client)
            assert (await service.get_mail(session, viewer, second.id)).mail.id == second.id
            with pytest.raises(NotFound):
                await service.file_mails(session, viewer, mail_ids=[first.id], records=[RecordRef("company", hidden)])
    finally:
        reset_principal(t)
    t = act_as(str(world.owner), ["org_manager"])
    try:
        async with world.db.unit_of_work(tenant) as session:
            viewer = MailViewer(session, principal=current_principal(), contacts=client)
            await service.remove_link(session, viewer, mail_id=second.id, record=RecordRef("company", shown))
    finally:
        reset_principal(t)
    t = act_as(rep, ["sales_rep"])
    try:
        async with world.db.unit_of_work(tenant) as session:
            viewer = MailViewer(session, principal=current_principal(), contacts=client)
            with pytest.raises(NotFound):
                await service.get_mail(session, viewer, second.id)
            assert (await service.get_mail(session, viewer, first.id)).mail.id == first.id
    finally:
        reset_principal(t)
