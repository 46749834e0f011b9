"""The outbox: every proactive message, written before it is sent, delivered once per key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime


class OutboxItem(Base):
    __tablename__ = "outbox_item"
    __table_args__ = (Index("ix_outbox_item_due", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    # Exactly one of: a person (reached on whichever platforms they use) or a channel.
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    channel: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The person a message is about (e.g. a join request shown to a facilitator), so that
    # forget-me removes it with them.
    about_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    # Several people together (a group DM), as person ids.
    people: Mapped[list[int] | None] = mapped_column(JSON)
    # The group a message is about, so leaving a group can withdraw what is still queued for it.
    group_id: Mapped[int | None] = mapped_column(Integer, index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Which dispatcher holds the claim (a random id per dispatcher run), so a lease that ran out
    # and was taken over cannot be written back by the one that lost it.
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    # The platform's id for what was sent (Slack ts, Teams activity id), when it gives one.
    delivered_ref: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
