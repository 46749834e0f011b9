"""People, their platform identities and the roles the district grants them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base, UTCDateTime


class Person(Base):
    """A member of staff, one row however many platforms they use."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # Lower-cased; the key that links one person's Slack and Teams identities.
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    job_role: Mapped[str | None] = mapped_column(String(100))
    site: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8), default="en")
    timezone: Mapped[str | None] = mapped_column(String(64))
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    dm_ok: Mapped[bool] = mapped_column(Boolean, default=True)
    nudges_ok: Mapped[bool] = mapped_column(Boolean, default=True)
    # A question the bot asked and the person may answer with "yes": the command it would run.
    pending_command: Mapped[str | None] = mapped_column(String(500))
    pending_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_on: Mapped[date] = mapped_column(Date)

    links: Mapped[list["PlatformLink"]] = relationship(back_populates="person", cascade="all, delete-orphan", passive_deletes=True)


class PlatformLink(Base):
    """One platform identity of a person (Slack user, Teams user, console name)."""

    __tablename__ = "platform_link"
    __table_args__ = (UniqueConstraint("platform", "tenant", "user_id", name="uq_platform_link_identity"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(16))
    tenant: Mapped[str] = mapped_column(String(100))
    user_id: Mapped[str] = mapped_column(String(200))
    # Platform-specific data needed to reach the person later (e.g. a Teams conversation reference).
    reference: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    person: Mapped[Person] = relationship(back_populates="links")


class RoleGrant(Base):
    """A role the district gave someone: facilitator of one group, dei_office, or admin."""

    __tablename__ = "role_grant"
    __table_args__ = (Index("ix_role_grant_person_role", "person_id", "role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(32))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("affinity_group.id", ondelete="CASCADE"), index=True)
    granted_on: Mapped[date] = mapped_column(Date)
