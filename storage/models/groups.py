"""Affinity groups, where they talk, and who chose to belong to them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, func, select, text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime


class Group(Base):
    __tablename__ = "affinity_group"
    # `groups` lists the listed groups by name: this index hands them over in that order.
    __table_args__ = (
        Index(
            "ix_affinity_group_listed_name",
            func.lower(text("name")),
            "name",
            "id",
            sqlite_where=text("listed"),
            postgresql_where=text("listed"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(16), default="identity")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    listed: Mapped[bool] = mapped_column(Boolean, default=True)
    join_policy: Mapped[str] = mapped_column(String(16), default="open")
    eligibility: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    resources: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    # Name, slug, description, kind and tags, lower-cased without accents: what `groups <words>`
    # searches, so the search runs in the database instead of loading every group.
    search_text: Mapped[str] = mapped_column(Text, default="")
    # Kept in step with memberships in the same transaction, so listing 500 groups never counts
    # a million membership rows.
    active_count: Mapped[int] = mapped_column(Integer, default=0)
    intros_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    intros_cadence: Mapped[str] = mapped_column(String(16), default="biweekly")
    created_on: Mapped[date] = mapped_column(Date)


class GroupChannel(Base):
    """A group's channel on one platform, for announcements."""

    __tablename__ = "group_channel"
    __table_args__ = (UniqueConstraint("platform", "tenant", "channel_id", name="uq_group_channel_where"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("affinity_group.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(16))
    tenant: Mapped[str] = mapped_column(String(100))
    channel_id: Mapped[str] = mapped_column(String(200))


class Membership(Base):
    """A person's own choice to belong (active), to ask (pending), or that they left."""

    __tablename__ = "membership"
    __table_args__ = (
        UniqueConstraint("person_id", "group_id", name="uq_membership_person_group"),
        Index("ix_membership_group_status", "group_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(ForeignKey("affinity_group.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    dm_ok: Mapped[bool] = mapped_column(Boolean, default=True)
    nudges_ok: Mapped[bool] = mapped_column(Boolean, default=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CacheGeneration(Base):
    """One row of two counters that database triggers raise in the transaction of every change
    that can alter what a process keeps in memory (bot/groups/cache.py): `listing` for groups,
    memberships, meetings and their skips; `people` for a person's kept facts (e-mail, language,
    time zone), deletion, platform links and role grants. A copy read at generation g is current
    while the counter still reads g.
    """

    __tablename__ = "cache_generation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    listing: Mapped[int] = mapped_column(BigInteger, default=0)
    people: Mapped[int] = mapped_column(BigInteger, default=0)


#: The two counters as columns of another statement, so data and the generation it was read at
#: come from one snapshot: `select(..., *GENERATION_COLUMNS)`.
GENERATION_COLUMNS = (
    select(CacheGeneration.listing).where(CacheGeneration.id == 1).scalar_subquery().label("gen_listing"),
    select(CacheGeneration.people).where(CacheGeneration.id == 1).scalar_subquery().label("gen_people"),
)
