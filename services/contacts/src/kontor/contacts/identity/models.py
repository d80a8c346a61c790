"""Tables of the identity domain: tenants (global), teams, users and their team memberships."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, DateTime, ForeignKey, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kontor.platform.db import Base, TenantScoped, Timestamps


class Tenant(Base):
    """The global registry of organisations. Deliberately NOT tenant-scoped and without row-level security:
    login resolves a slug before any tenant is known. Only service callers and superadmins read it."""

    __tablename__ = "tenants"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    slug: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())


class Team(TenantScoped, Timestamps, Base):
    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("tenant_id", "name_key", name="uq_teams_tenant_name_key"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    # Lower-cased name: "Vertrieb Nord" and "vertrieb nord" are the same team.
    name_key: Mapped[str] = mapped_column(String(100), nullable=False)
    version: Mapped[int] = mapped_column(BigInteger, nullable=False, default=1)


class User(TenantScoped, Timestamps, Base):
    """An employee or a portal client. ``password_hash`` (argon2id) never leaves this service."""

    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("tenant_id", "email", name="uq_users_tenant_email"),
        CheckConstraint("email = lower(email)", name="email_lower_case"),
        CheckConstraint("locale IN ('de', 'en')", name="locale"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    email: Mapped[str] = mapped_column(String(254), nullable=False)
    display_name: Mapped[str] = mapped_column(String(200), nullable=False)
    role: Mapped[str] = mapped_column(String(32), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    time_zone: Mapped[str] = mapped_column(String(64), nullable=False)
    locale: Mapped[str] = mapped_column(String(2), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    # Portal clients only: the contact person (contacts' own table, another migration branch: no FK).
    contact_person_id: Mapped[uuid.UUID | None] = mapped_column()
    version: Mapped[int] = mapped_column(BigInteger, nullable=False, default=1)
    # Loaded with every user (one extra SELECT per query), since every answer about a user names its teams.
    team_links: Mapped[list[UserTeam]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def team_ids(self) -> list[uuid.UUID]:
        return sorted(link.team_id for link in self.team_links)


class UserTeam(TenantScoped, Base):
    __tablename__ = "user_teams"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True,
                                               index=True)
