"""Anonymous concerns: no column can point back to the person who filed one.

There is deliberately no foreign key to `person`, no instant (only dates), and no sequence:
ids are random, and on SQLite the tables have no rowid, so not even storage order tells
which concern came before which.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class Concern(Base):
    __tablename__ = "concern"
    __table_args__ = {"sqlite_with_rowid": False}

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    # SHA-256 of the reporter's case code: the code itself is their secret and is never stored.
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # What the DEI office calls the case; it cannot be used to read or add to it as the reporter.
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    category: Mapped[str] = mapped_column(String(50))
    site: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")
    filed_on: Mapped[date] = mapped_column(Date, index=True)
    noticed_on: Mapped[date | None] = mapped_column(Date)
    last_dei_on: Mapped[date | None] = mapped_column(Date)
    escalated_on: Mapped[date | None] = mapped_column(Date)


class ConcernMessage(Base):
    """A follow-up from the reporter or a reply from the DEI office, in the order written."""

    __tablename__ = "concern_message"
    __table_args__ = {"sqlite_with_rowid": False}

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    concern_id: Mapped[str] = mapped_column(ForeignKey("concern.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    author: Mapped[str] = mapped_column(String(16))  # reporter | dei
    text: Mapped[str] = mapped_column(Text)
    written_on: Mapped[date] = mapped_column(Date)
    noticed_on: Mapped[date | None] = mapped_column(Date)
