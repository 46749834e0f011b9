"""Peer intros: who opted in where, whom they never want to be paired with, and past rounds."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime


class IntroOptIn(Base):
    """A person's own opt-in: to one group's intros, or (group_id NULL) to those of every group of theirs."""

    __tablename__ = "intro_opt_in"
    __table_args__ = (UniqueConstraint("person_id", "group_id", name="uq_intro_opt_in_person_group"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("affinity_group.id", ondelete="CASCADE"), index=True)
    # Kept the same on all of a person's rows: a snooze (or time out of office) is the person's.
    snooze_until: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class IntroAvoid(Base):
    """Someone a person asked never to be paired with; a row, not a list, so forget-me removes it."""

    __tablename__ = "intro_avoid"
    __table_args__ = (UniqueConstraint("person_id", "avoid_id", name="uq_intro_avoid_person_avoid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    avoid_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)


class IntroRound(Base):
    """One round of a group's intros, numbered from 1."""

    __tablename__ = "intro_round"
    __table_args__ = (UniqueConstraint("group_id", "number", name="uq_intro_round_group_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("affinity_group.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    held_on: Mapped[date] = mapped_column(Date)
    held_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # How many of the oldest remembered rounds had to be set aside to pair everyone.
    relaxed: Mapped[int] = mapped_column(Integer, default=0)
    followed_up: Mapped[bool] = mapped_column(Boolean, default=False)


class IntroPair(Base):
    """A pair (or the round's one trio) introduced to each other."""

    __tablename__ = "intro_pair"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("intro_round.id", ondelete="CASCADE"), index=True)


class IntroPairMember(Base):
    """One person of a pair and their answer to "did you meet?" (None: not answered).

    A row per person rather than a list of ids on the pair, so forget-me removes the person from
    every pair they were in by the foreign key alone.
    """

    __tablename__ = "intro_pair_member"
    __table_args__ = (UniqueConstraint("pair_id", "person_id", name="uq_intro_pair_member_pair_person"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("intro_pair.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    met: Mapped[bool | None] = mapped_column(Boolean)
