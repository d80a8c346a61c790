"""Every gRPC servicer of the contacts service. Each domain adds its register function here."""

import grpc

from kontor.platform.db import Database

from kontor.contacts.companies import servicer as companies

REGISTRATIONS = [
    companies.register,
]


def register_all(server: grpc.aio.Server, db: Database) -> list[str]:
    names: list[str] = []
    for register in REGISTRATIONS:
        names.extend(register(server, db))
    return names
