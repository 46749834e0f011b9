"""Onboarding journeys: a new person's welcome and the drip of steps after it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime


class OnboardingJourney(Base):
    """One per person. Each step is also an outbox key, so a step is never sent twice."""

    __tablename__ = "onboarding_journey"

    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), primary_key=True)
    # Day 0 of the journey: the roster start date, or the day the person appeared.
    anchor_on: Mapped[date] = mapped_column(Date, index=True)
    source: Mapped[str] = mapped_column(String(16))  # slack | teams | roster | console
    # How many configured steps have been queued so far (they are queued in order).
    steps_queued: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
