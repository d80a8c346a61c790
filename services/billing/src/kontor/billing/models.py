"""Every table of the billing service, for Alembic."""

from kontor.platform.consumer import InboxEntry  # noqa: F401 - platform tables live in each service's schema
from kontor.platform.db import Base
from kontor.platform.outbox import OutboxEvent  # noqa: F401

from kontor.billing.clients.models import Client  # noqa: F401

metadata = Base.metadata
