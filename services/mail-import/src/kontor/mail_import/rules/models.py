"""Filter rules: mail matching the conditions is moved into the account's import folder."""

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Integer, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from kontor.platform.db import Base, TenantScoped


class FilterRule(TenantScoped, Base):
    """``conditions`` is ``providers.base.RuleConditions`` as JSON. Where the server runs rules (Graph
    messageRules) ``server_rule_id`` names its copy there and ``applied_by`` is ``server``; otherwise the importer
    applies it to ``source_folder`` (default the inbox) each round (``importer``)."""

    __tablename__ = "mail_filter_rules"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mail_accounts.id", ondelete="CASCADE"), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    conditions: Mapped[dict] = mapped_column(JSONB, nullable=False)
    source_folder: Mapped[str] = mapped_column(String(500), nullable=False, default="inbox")
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    applied_by: Mapped[str] = mapped_column(String(8), nullable=False, default="importer")  # server | importer
    server_rule_id: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    version: Mapped[int] = mapped_column(BigInteger, nullable=False, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
