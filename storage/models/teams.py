"""Teams channels and group chats the bot has been in, with what it needs to post there later."""

from __future__ import annotations

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class TeamsConversation(Base):
    """A shared Teams conversation (a team's channel or a group chat) the bot was part of.

    A person's own chat with the bot is kept on their `PlatformLink.reference` instead, so it
    leaves with them on forget-me. Nothing here names a person, and no time is recorded.
    """

    __tablename__ = "teams_conversation"
    __table_args__ = (UniqueConstraint("tenant", "conversation_id", name="uq_teams_conversation_where"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant: Mapped[str] = mapped_column(String(100))
    # The channel or chat id, without a thread's `;messageid=` suffix.
    conversation_id: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(16))
    # The regional Bot Framework endpoint Teams gave for this conversation.
    service_url: Mapped[str] = mapped_column(String(500))
    bot_id: Mapped[str] = mapped_column(String(200))
    team_id: Mapped[str | None] = mapped_column(String(300))


class TeamsServiceUrl(Base):
    """A Bot Framework service URL learned from a validated token's `serviceurl` claim.

    The connector calls no other address (adapters/teams/service_urls.py): a conversation
    reference whose service URL is not here cannot be sent to, so an address taken from an
    unauthenticated body is never reached. Teams uses a few regional URLs shared by a whole
    tenant, so this holds a handful of rows; nothing here names a person or a time.
    """

    __tablename__ = "teams_service_url"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(500), unique=True)
