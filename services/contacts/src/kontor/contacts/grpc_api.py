"""Every gRPC servicer of the contacts service. Each domain adds its register function here."""

import grpc

from kontor.platform.db import Database

from kontor.contacts.access import servicer as access
from kontor.contacts.assignment import servicer as assignment
from kontor.contacts.comments import servicer as comments
from kontor.contacts.companies import servicer as companies
from kontor.contacts.dashboard import servicer as dashboard
from kontor.contacts.followups import servicer as followups
from kontor.contacts.groups import servicer as groups
from kontor.contacts.pools import servicer as pools
from kontor.contacts.traces import servicer as traces
from kontor.contacts.handover import servicer as handover
from kontor.contacts.substitution import servicer as substitution
from kontor.contacts.identity import servicer as identity
from kontor.contacts.persons import servicer as persons
from kontor.contacts.gdpr import servicer as gdpr
from kontor.contacts.imports import servicer as imports
from kontor.contacts.matching import servicer as matching
from kontor.contacts.search import servicer as search

REGISTRATIONS = [
    companies.register,
    identity.register,
    persons.register,
    access.register,
    assignment.register,
    substitution.register,
    handover.register,
    comments.register,
    pools.register,
    groups.register,
    traces.register,
    search.register,
    imports.register,
    gdpr.register,
    followups.register,
    dashboard.register,
    matching.register,
]


def register_all(server: grpc.aio.Server, db: Database) -> list[str]:
    names: list[str] = []
    for register in REGISTRATIONS:
        names.extend(register(server, db))
    return names
