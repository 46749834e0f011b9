"""Meetings a group holds, one-off or recurring, and who said they will come.

A meeting keeps its wall-clock time and its time zone, not an instant: a weekly 16:00 meeting
stays at 16:00 across a daylight-saving change. Occurrences are computed (dateutil.rrule), never
stored, except where something is recorded about one: an RSVP, a cancelled occurrence, or the
moments its reminders are planned for.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime


class Meeting(Base):
    __tablename__ = "meeting"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("affinity_group.id", ondelete="CASCADE"), index=True)
    # The first occurrence as wall-clock time in `timezone` (naive on purpose).
    local_start: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    timezone: Mapped[str] = mapped_column(String(64))
    recurrence: Mapped[str] = mapped_column(String(16), default="once")  # once | weekly | biweekly | monthly
    duration_minutes: Mapped[int] = mapped_column(Integer, default=60)
    location: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The whole series is cancelled from this moment on (past occurrences stay as they were).
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MeetingSkip(Base):
    """One occurrence of a recurring meeting that will not take place."""

    __tablename__ = "meeting_skip"
    __table_args__ = (UniqueConstraint("meeting_id", "occurs_at", name="uq_meeting_skip_occurrence"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    occurs_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Rsvp(Base):
    """A member's answer for one occurrence; forget-me and leaving the group remove it."""

    __tablename__ = "meeting_rsvp"
    __table_args__ = (UniqueConstraint("meeting_id", "occurs_at", "person_id", name="uq_meeting_rsvp_answer"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    occurs_at: Mapped[datetime] = mapped_column(UTCDateTime)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    answer: Mapped[str] = mapped_column(String(8))  # yes | no
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)


class NudgePlan(Base):
    """When one reminder of one occurrence goes to the members in one time zone.

    Planned ahead (a week at a time) without naming anyone: who receives it is decided when it
    comes due, so a member who left, said no or turned reminders off meanwhile gets nothing.
    """

    __tablename__ = "nudge_plan"
    __table_args__ = (
        UniqueConstraint("meeting_id", "occurs_at", "label", "zone", name="uq_nudge_plan_reminder"),
        Index("ix_nudge_plan_state_due_at", "state", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    occurs_at: Mapped[datetime] = mapped_column(UTCDateTime)
    label: Mapped[str] = mapped_column(String(16))  # the offset, as in the outbox key: 24h, 90m
    zone: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(12), default="planned")  # planned | done


class NudgeHorizon(Base):
    """How far ahead a meeting's reminders have been planned (its occurrences up to this instant)."""

    __tablename__ = "nudge_horizon"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True)
    planned_until: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
