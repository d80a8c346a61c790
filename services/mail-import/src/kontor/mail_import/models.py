"""Every table of the mail-import service, for Alembic (so far only the platform's outbox and inbox)."""

from kontor.platform.consumer import InboxEntry  # noqa: F401 - platform tables live in each service's schema
from kontor.platform.db import Base
from kontor.platform.outbox import OutboxEvent  # noqa: F401

metadata = Base.metadata
