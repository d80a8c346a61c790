"""Matching and visibility end to end against the real contacts service (tests/real_services.py: every servicer,
its own PostgreSQL, the platform's gRPC edge with real token verification), called with tokens the way the
gateway issues them: a public and a private company, a person found by address, a rep who sees only the public."""

from __future__ import annotations

import pytest

from kontor.platform.auth import current_principal
from kontor.platform.errors import NotFound

from kontor.mail_import.mails import links, matching, service
from kontor.mail_import.mails.schemas import RecordRef
from kontor.mail_import.mails.visibility import MailViewer

from .helpers import KEY, in_force
from .real_world import contacts_database_url, contacts_service, world  # noqa: F401 - fixtures


async def test_matching_and_visibility_with_the_real_contacts(world):
    client, tenant = world.contacts, world.tenant_id
    shown = await world.tenant.company(name="Kunde GmbH", website="https://kunde.example", access_level="company")
    hidden = await world.tenant.company(name="Geheim AG", website="geheim.example", access_level="private")
    anna = await world.tenant.person(shown, "anna@kunde.example")
    await world.tenant.set_role(world.owner, "org_manager")
    rep = await world.user()  # a sales rep, assigned to nothing

    first, first_parsed = await world.store(sender="anna@kunde.example", to=("owner@kontor.example",))
    second, second_parsed = await world.store(sender="ceo@geheim.example", cc=("bob@kunde.example",))
    # The round's background identity: a manager here, so both companies may be matched.
    with world.as_user(world.owner):
        async with world.db.unit_of_work(tenant) as session:
            proposals = await matching.match_batch(
                session, tenant_id=tenant, account=world.account, mails=[(first, first_parsed),
                                                                         (second, second_parsed)],
                contacts=client, message_id_key=KEY)
            await links.apply_automatic(session, tenant_id=tenant,
                                        proposals=[p for found in proposals.values() for p in found])
    assert await in_force(world, first.id) == {RecordRef("contact_person", anna): "auto",
                                               RecordRef("company", shown): "auto"}
    assert await in_force(world, second.id) == {RecordRef("company", hidden): "auto",
                                                RecordRef("company", shown): "auto"}

    # A sales rep sees the mails through the public company; after its link to the second mail is removed,
    # only the private company (which the rep may not see) keeps it, so the second mail is hidden from them.
    with world.as_user(rep):
        async with world.db.unit_of_work(tenant) as session:
            viewer = MailViewer(session, principal=current_principal(), contacts=client)
            assert (await service.get_mail(session, viewer, second.id)).mail.id == second.id
            with pytest.raises(NotFound):
                await service.file_mails(session, viewer, mail_ids=[first.id], records=[RecordRef("company", hidden)])
    with world.as_user(world.owner):
        async with world.db.unit_of_work(tenant) as session:
            viewer = MailViewer(session, principal=current_principal(), contacts=client)
            await service.remove_link(session, viewer, mail_id=second.id, record=RecordRef("company", shown))
    with world.as_user(rep):
        async with world.db.unit_of_work(tenant) as session:
            viewer = MailViewer(session, principal=current_principal(), contacts=client)
            with pytest.raises(NotFound):
                await service.get_mail(session, viewer, second.id)
            assert (await service.get_mail(session, viewer, first.id)).mail.id == first.id
