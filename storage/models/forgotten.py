"""What forget-me keeps so that a forgotten person stays forgotten (SPEC §4.7): a keyed hash of
their e-mail, never the e-mail, and the installation's key for it."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class InstallationSecret(Base):
    """A secret generated once per installation, by name; never shown, logged or exported."""

    __tablename__ = "installation_secret"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))


class ForgottenEmail(Base):
    """HMAC-SHA256 (hex) of the case-folded, trimmed e-mail of someone who ran forget-me, keyed
    with the installation's `forget_me` secret. Only a person's own confirmation removes it."""

    __tablename__ = "forgotten_email"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
