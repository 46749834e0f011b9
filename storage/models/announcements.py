"""Announcements a facilitator writes to their group: kept here between the preview and Send."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime


class Announcement(Base):
    """One announcement: a draft until its author presses Send (or Cancel).

    The text stays here rather than in a button's value, so a long message never travels back and
    forth through the platform, and Send sends exactly what the preview showed.
    """

    __tablename__ = "announcement"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("affinity_group.id", ondelete="CASCADE"), index=True)
    # CASCADE: forget-me takes the person's drafts and records with them; what was already
    # queued to members stays queued, since it was sent by their own decision.
    author_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    # The author's language when writing: channel posts are titled in it.
    language: Mapped[str] = mapped_column(String(8), default="en")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
