"""One row per Graph subscription Kontor holds."""

import uuid
from datetime import datetime

from sqlalchemy import DateTime, LargeBinary, String, func
from sqlalchemy.orm import Mapped, mapped_column

from kontor.platform.db import Base


class GraphSubscription(Base):
    """A Graph change-notification subscription of one connector (mailbox).

    Service-wide, without row-level security: a notification arrives naming only Graph's subscription id,
    so the receiver must find the row before it knows the tenant. It holds ids, the clientState's SHA-256
    (the secret itself is random and never stored, so a hash is enough to verify it) and times: no
    mailbox address, nothing of an event. No foreign key to the connector: the row must outlive a removed
    connector until its subscription is deleted at Graph."""

    __tablename__ = "graph_subscriptions"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)  # Graph's subscription id
    tenant_id: Mapped[uuid.UUID] = mapped_column(nullable=False)
    connector_id: Mapped[uuid.UUID] = mapped_column(nullable=False)
    server_id: Mapped[uuid.UUID] = mapped_column(nullable=False)
    azure_tenant_id: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    client_state_hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    renewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
