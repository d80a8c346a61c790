"""Every table of the gateway service, for Alembic."""

from kontor.platform.consumer import InboxEntry  # noqa: F401 - platform tables live in each service's schema
from kontor.platform.db import Base
from kontor.platform.outbox import OutboxEvent  # noqa: F401

from kontor.gateway.identity.keys.models import SigningKey  # noqa: F401
from kontor.gateway.identity.sessions.models import RefreshToken  # noqa: F401

metadata = Base.metadata
