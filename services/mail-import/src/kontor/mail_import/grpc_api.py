"""Every gRPC servicer of the mail-import service.

Each domain adds one entry to ``REGISTRATIONS``: a function ``(server, wiring) -> [full service names]`` that
calls its own ``register`` with what it needs from ``Wiring`` (made once per process, before serving).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import grpc

from kontor.platform import blobs
from kontor.platform.db import Database
from kontor.platform.runtime import Runtime
from kontor.platform.secrets_box import SecretBox, box_from_settings

from kontor.mail_import.accounts import servicer as accounts
from kontor.mail_import.accounts.connect import OpenProvider, provider_opener
from kontor.mail_import.contacts_client import ContactsClient
from kontor.mail_import.imports import servicer as imports
from kontor.mail_import.imports.due import ImportTrigger
from kontor.mail_import.mailbox import servicer as mailbox
from kontor.mail_import.mails import servicer as mails
from kontor.mail_import.rules import servicer as rules
from kontor.mail_import.settings import MailImportSettings


@dataclass(frozen=True)
class Wiring:
    """What servicers share in one process."""

    rt: Runtime
    db: Database
    settings: MailImportSettings
    contacts: ContactsClient  # one channel to contacts (rights, visibility, teams, address matching)
    box: SecretBox  # seals and opens the accounts' credentials
    blob_store: blobs.BlobStore | None  # raw MIME and attachments; None when BLOB_STORE_URL is empty
    open_provider: OpenProvider  # ``async with wiring.open_provider(account) as provider``


Registration = Callable[[grpc.aio.Server, Wiring], list[str]]

REGISTRATIONS: list[Registration] = [
    lambda server, w: accounts.register(server, w.db, w.contacts, w.box, w.settings),
    lambda server, w: imports.register(server, w.db, w.contacts,
                                       ImportTrigger(w.settings.redis_url.get_secret_value())),
    lambda server, w: mails.register(server, w.db, w.contacts, w.blob_store, w.open_provider),
    lambda server, w: rules.register(server, w.db, w.contacts, w.open_provider),
    lambda server, w: mailbox.register(server, w.db, w.contacts, w.blob_store, w.open_provider, w.settings),
    # imports (helper "importer"), mails (helper "filing"), rules, mailbox: append here, e.g.
    # lambda server, w: mails.register(server, w.db, w.contacts, w.blob_store, w.open_provider),
]


def contacts_of(rt: Runtime) -> ContactsClient:
    """One channel to contacts per process, made on first use (the servicers register before serving)."""
    return rt.extra("contacts", lambda: ContactsClient.connect(rt.settings.contacts_addr,
                                                               timeout_s=rt.settings.upstream_timeout_s))


def blob_store_of(rt: Runtime) -> blobs.BlobStore | None:
    """None when KONTOR_MAIL_IMPORT_BLOB_STORE_URL is empty: what needs stored mail answers UNAVAILABLE."""
    return rt.extra("blobs", lambda: blobs.store_from_settings(rt.settings))


def wiring_of(rt: Runtime) -> Wiring:
    box = box_from_settings(rt.settings)
    return Wiring(rt=rt, db=rt.db, settings=rt.settings, contacts=contacts_of(rt), box=box,
                  blob_store=blob_store_of(rt), open_provider=provider_opener(rt.db, box, rt.settings))


def register_all(server: grpc.aio.Server, rt: Runtime) -> list[str]:
    wiring = wiring_of(rt)
    names: list[str] = []
    for register in REGISTRATIONS:
        names.extend(register(server, wiring))
    return names


async def close(rt: Runtime) -> None:
    await rt.close_extras("blobs", "contacts")
