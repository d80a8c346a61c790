"""Every table of the calendar-sync service, for Alembic."""

from kontor.platform.consumer import InboxEntry  # noqa: F401 - platform tables live in each service's schema
from kontor.platform.db import Base
from kontor.platform.outbox import OutboxEvent  # noqa: F401

from kontor.calendar_sync.appointments import models as appointments  # noqa: F401
from kontor.calendar_sync.connectors import models as connectors  # noqa: F401
from kontor.calendar_sync.resources import models as resources  # noqa: F401
from kontor.calendar_sync.sync import models as sync  # noqa: F401

metadata = Base.metadata
