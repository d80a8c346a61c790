"""Every gRPC servicer of the calendar-sync service. Each domain adds its register function here."""

import grpc

from kontor.platform import blobs
from kontor.platform.contacts_access import Contacts
from kontor.platform.runtime import Runtime
from kontor.platform.secrets_box import box_from_settings

from kontor.calendar_sync.appointments import servicer as appointments
from kontor.calendar_sync.attachments import servicer as attachments
from kontor.calendar_sync.connectors import servicer as connectors
from kontor.calendar_sync.connectors.directory import ProviderDirectory
from kontor.calendar_sync.notifications import servicer as notifications
from kontor.calendar_sync.resources import servicer as resources
from kontor.calendar_sync.sync import servicer as sync
from kontor.calendar_sync.sync.now import SyncTrigger

REGISTRATIONS = [appointments.register, resources.register]


def contacts_of(rt: Runtime) -> Contacts:
    """One channel to contacts per process, made on first use (the servicers register before serving)."""
    return rt.extra("contacts", lambda: Contacts.connect(rt.settings.contacts_addr,
                                                         timeout_s=rt.settings.upstream_timeout_s))


def blob_store_of(rt: Runtime) -> blobs.BlobStore | None:
    """None when KONTOR_CALENDAR_SYNC_BLOB_STORE_URL is empty: attachment content answers UNAVAILABLE."""
    return rt.extra("blobs", lambda: blobs.store_from_settings(rt.settings))


def register_all(server: grpc.aio.Server, rt: Runtime) -> list[str]:
    contacts = contacts_of(rt)
    names: list[str] = []
    for register in REGISTRATIONS:
        names.extend(register(server, rt.db, contacts))
    # "Sync now" queues a Celery task on the service's Redis broker.
    trigger = SyncTrigger(rt.settings.redis_url.get_secret_value())
    names.extend(sync.register(server, rt.db, contacts, trigger))
    # Graph change notifications from the gateway's webhook ask for the same runs.
    names.extend(notifications.register(server, rt.db, trigger))
    # Attachment content lives in the blob store (one per process, made on first use).
    names.extend(attachments.register(server, rt.db, contacts, blob_store_of(rt)))
    # Servers and connector settings also need the credential box and the providers' resource directories.
    names.extend(connectors.register(server, rt.db, contacts, box_from_settings(rt.settings), ProviderDirectory()))
    return names


async def close(rt: Runtime) -> None:
    await rt.close_extras("blobs", "contacts")
