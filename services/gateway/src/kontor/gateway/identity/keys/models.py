from datetime import datetime

from sqlalchemy import DateTime, LargeBinary, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from kontor.platform.db import Base


class SigningKey(Base):
    """One Ed25519 key. Not tenant-scoped: it signs every tenant's tokens and belongs to the gateway."""

    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(Text, primary_key=True)
    private_key: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)  # Fernet-encrypted PKCS#8 PEM
    public_jwk: Mapped[dict] = mapped_column(JSONB, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    # It signs from here until the next key activates; published before that so verifiers know it in time.
    activates_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    # Latest expiry of an operator token (issue-token) it signed: those may outlive login tokens.
    tokens_valid_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
