"""Mentoring: the profiles people gave when they opted in, and the matches proposed to them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime


class MentorProfile(Base):
    """One person's own answers for one role; a person may be a mentee and a mentor at once."""

    __tablename__ = "mentor_profile"
    __table_args__ = (UniqueConstraint("person_id", "role", name="uq_mentor_profile_person_role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(8))  # mentor | mentee
    state: Mapped[str] = mapped_column(String(8), default="active")  # active | paused | left
    site: Mapped[str | None] = mapped_column(String(200))
    job_role: Mapped[str | None] = mapped_column(String(100))
    subjects: Mapped[list[str]] = mapped_column(JSON, default=list)
    grade_band: Mapped[str | None] = mapped_column(String(32))
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Ids of groups the person chose to be matched on; only groups they are an active member of.
    match_groups: Mapped[list[int]] = mapped_column(JSON, default=list)
    # Growth theme -> level 1..3 (1 foundational, 2 mobilizing, 3 agenda-driving).
    themes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    capacity: Mapped[int | None] = mapped_column(Integer)  # mentors only, 1..5
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MentorMatch(Base):
    """A proposed pair and what became of it; declined and ended pairs are never proposed again."""

    __tablename__ = "mentor_match"
    __table_args__ = (Index("ix_mentor_match_state", "state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mentee_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(12))  # proposed | accepted | declined | expired | ended
    score: Mapped[float] = mapped_column(Float)
    # The matcher's reasons as [{"key": ..., "params": {...}}], said in each reader's language.
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    mentee_answer: Mapped[str | None] = mapped_column(String(8))  # accept | decline
    mentor_answer: Mapped[str | None] = mapped_column(String(8))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    introduced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set once a declined or expired offer's mentee has been offered the next best mentor.
    replaced: Mapped[bool] = mapped_column(Boolean, default=False)
