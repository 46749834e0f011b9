"""Slack installations (one bot token per workspace or org) and OAuth states, for multi-workspace installs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime


class SlackInstallation(Base):
    """The bot token one workspace (or a whole Enterprise Grid org) gave the app when installing it.

    Bot scopes only: the app asks for no user tokens. The installing admin's Slack id is kept
    because Slack reports it; no name or e-mail is.
    """

    __tablename__ = "slack_installation"
    __table_args__ = (Index("ix_slack_installation_where", "client_id", "enterprise_id", "team_id", "installed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64))
    app_id: Mapped[str | None] = mapped_column(String(64))
    enterprise_id: Mapped[str | None] = mapped_column(String(64))
    enterprise_name: Mapped[str | None] = mapped_column(String(200))
    team_id: Mapped[str | None] = mapped_column(String(64))
    team_name: Mapped[str | None] = mapped_column(String(200))
    is_enterprise_install: Mapped[bool] = mapped_column(Boolean, default=False)
    bot_token: Mapped[str] = mapped_column(Text)
    bot_id: Mapped[str | None] = mapped_column(String(64))
    bot_user_id: Mapped[str | None] = mapped_column(String(64))
    bot_scopes: Mapped[str] = mapped_column(Text, default="")
    bot_refresh_token: Mapped[str | None] = mapped_column(Text)
    bot_token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    installer_user_id: Mapped[str | None] = mapped_column(String(64))
    installed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SlackOAuthState(Base):
    """A one-time `state` of an install in progress, valid for a few minutes."""

    __tablename__ = "slack_oauth_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    state: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class SlackRevocation(Base):
    """A workspace (or org) that took the app's bot token back: `tokens_revoked` or
    `app_uninstalled`. Nothing is sent there while it stands; installing again clears it.

    `token_hash` is the SHA-256 of the bot token that was in use, so a single-workspace set-up
    with a new SLACK_BOT_TOKEN (the re-installed app's) is no longer held back by the old one.
    """

    __tablename__ = "slack_revocation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64), unique=True)
    reason: Mapped[str] = mapped_column(String(32))
    since: Mapped[datetime] = mapped_column(UTCDateTime)
    token_hash: Mapped[str | None] = mapped_column(String(64))
