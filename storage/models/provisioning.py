"""What SCIM provisioning keeps beside a person: the identity system's ids for them, and a short
record of the requests it made (for `affinity-bot provisioning status`, never personal data)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime


class ProvisionedPerson(Base):
    """A person the identity system provisioned: its `userName` and `externalId` for them.
    Goes with the person (forget-me); `deleted_at` is set by a SCIM DELETE, after which the
    resource is gone for SCIM while the person is kept, ended, for retention figures."""

    __tablename__ = "provisioned_person"

    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), primary_key=True)
    user_name: Mapped[str] = mapped_column(String(320), unique=True)
    external_id: Mapped[str | None] = mapped_column(String(200), unique=True)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ProvisioningEvent(Base):
    """One SCIM request answered: when, what it did (`outcome`: created, updated, ended, read,
    acknowledged, error), its status and SCIM error type. No id, name or e-mail is kept."""

    __tablename__ = "provisioning_event"
    __table_args__ = (Index("ix_provisioning_event_at", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    method: Mapped[str] = mapped_column(String(8))
    resource: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(16))
    status: Mapped[int] = mapped_column(Integer)
    scim_type: Mapped[str | None] = mapped_column(String(32))
