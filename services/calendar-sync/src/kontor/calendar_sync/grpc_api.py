"""Every gRPC servicer of the calendar-sync service. Each domain adds its register function here."""

import grpc

from kontor.platform.runtime import Runtime
from kontor.platform.secrets_box import box_from_settings

from kontor.calendar_sync.appointments import servicer as appointments
from kontor.calendar_sync.connectors import servicer as connectors
from kontor.calendar_sync.connectors.directory import ProviderDirectory
from kontor.calendar_sync.contacts import Contacts
from kontor.calendar_sync.resources import servicer as resources
from kontor.calendar_sync.sync import servicer as sync

REGISTRATIONS = [appointments.register, resources.register, sync.register]


def contacts_of(rt: Runtime) -> Contacts:
    """One channel to contacts per process, made on first use (the servicers register before serving)."""
    if "contacts" not in rt.extras:
        rt.extras["contacts"] = Contacts.connect(rt.settings.contacts_addr, timeout_s=rt.settings.upstream_timeout_s)
    return rt.extras["contacts"]


def register_all(server: grpc.aio.Server, rt: Runtime) -> list[str]:
    contacts = contacts_of(rt)
    names: list[str] = []
    for register in REGISTRATIONS:
        names.extend(register(server, rt.db, contacts))
    # Servers and connector settings also need the credential box and the providers' resource directories.
    names.extend(connectors.register(server, rt.db, contacts, box_from_settings(rt.settings), ProviderDirectory()))
    return names


async def close(rt: Runtime) -> None:
    contacts = rt.extras.pop("contacts", None)
    if contacts is not None:
        await contacts.close()
