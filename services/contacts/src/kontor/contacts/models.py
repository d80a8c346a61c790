"""Every table of the contacts service, for Alembic."""

from kontor.platform.consumer import InboxEntry  # noqa: F401 - platform tables live in each service's schema
from kontor.platform.db import Base
from kontor.platform.outbox import OutboxEvent  # noqa: F401

from kontor.contacts.companies.models import Company  # noqa: F401

metadata = Base.metadata
