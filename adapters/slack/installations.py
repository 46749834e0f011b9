"""Where multi-workspace installs keep their bot tokens and OAuth states, and which workspaces
took the app back (revoked its token or uninstalled it): our own database."""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Optional

from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock, system_clock
from storage.models import SlackInstallation, SlackOAuthState, SlackRevocation

#: How long an install may take between "Add to Slack" and Slack's redirect back.
STATE_LIFETIME = timedelta(minutes=10)


def _when(value) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return datetime.fromtimestamp(float(value), timezone.utc)


class InstallationStore(AsyncInstallationStore):
    """slack-sdk's installation store over our tables; bot tokens only (the app asks for no user tokens)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], client_id: str, logger: logging.Logger, clock: Clock = system_clock) -> None:
        self.sessions = sessions
        self.client_id = client_id
        self._logger = logger
        self.clock = clock

    @property
    def logger(self) -> logging.Logger:
        return self._logger

    async def async_save(self, installation: Installation) -> None:
        await self.async_save_bot(installation.to_bot())
        if installation.user_id:
            async with self.sessions() as session:
                row = await self._latest(session, installation.enterprise_id, None if installation.is_enterprise_install else installation.team_id)
                if row is not None:
                    row.installer_user_id = installation.user_id
                    await session.commit()

    async def async_save_bot(self, bot: Bot) -> None:
        if not bot.bot_token:
            return
        team_id = None if bot.is_enterprise_install else bot.team_id
        async with self.sessions() as session:
            # Installed again: whatever revocation stood for this workspace or org is over.
            await session.execute(delete(SlackRevocation).where(SlackRevocation.tenant.in_([t for t in (bot.enterprise_id, bot.team_id) if t])))
            # One row per workspace or org: a reinstall replaces the old token.
            await session.execute(self._where(delete(SlackInstallation), bot.enterprise_id, team_id))
            session.add(
                SlackInstallation(
                    client_id=self.client_id,
                    app_id=bot.app_id,
                    enterprise_id=bot.enterprise_id,
                    enterprise_name=bot.enterprise_name,
                    team_id=team_id,
                    team_name=bot.team_name,
                    is_enterprise_install=bool(bot.is_enterprise_install),
                    bot_token=bot.bot_token,
                    bot_id=bot.bot_id,
                    bot_user_id=bot.bot_user_id,
                    bot_scopes=",".join(bot.bot_scopes or ()),
                    bot_refresh_token=bot.bot_refresh_token,
                    bot_token_expires_at=_when(bot.bot_token_expires_at),
                    installed_at=_when(bot.installed_at) or self.clock(),
                )
            )
            await session.commit()

    def _where(self, statement, enterprise_id: str | None, team_id: str | None):
        statement = statement.where(SlackInstallation.client_id == self.client_id)
        statement = statement.where(SlackInstallation.enterprise_id.is_(None) if enterprise_id is None else SlackInstallation.enterprise_id == enterprise_id)
        return statement.where(SlackInstallation.team_id.is_(None) if team_id is None else SlackInstallation.team_id == team_id)

    async def _latest(self, session: AsyncSession, enterprise_id: str | None, team_id: str | None) -> SlackInstallation | None:
        statement = self._where(select(SlackInstallation), enterprise_id, team_id)
        return (await session.execute(statement.order_by(SlackInstallation.installed_at.desc()).limit(1))).scalar_one_or_none()

    async def _find(self, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None) -> SlackInstallation | None:
        async with self.sessions() as session:
            if is_enterprise_install or (enterprise_id and not team_id):
                # An org-wide install answers for every workspace of the org; so does any
                # install inside the org when only the org is known (a tenant is the org id).
                row = await self._latest(session, enterprise_id, None)
                if row is None and enterprise_id:
                    statement = select(SlackInstallation).where(
                        SlackInstallation.client_id == self.client_id, SlackInstallation.enterprise_id == enterprise_id
                    )
                    row = (await session.execute(statement.order_by(SlackInstallation.installed_at.desc()).limit(1))).scalar_one_or_none()
                return row
            row = await self._latest(session, enterprise_id, team_id)
            if row is None and enterprise_id:
                row = await self._latest(session, enterprise_id, None)
            return row

    async def async_find_bot(self, *, enterprise_id: Optional[str], team_id: Optional[str], is_enterprise_install: Optional[bool] = False) -> Optional[Bot]:
        row = await self._find(enterprise_id, team_id, is_enterprise_install)
        if row is None:
            return None
        return Bot(
            app_id=row.app_id,
            enterprise_id=row.enterprise_id,
            enterprise_name=row.enterprise_name,
            team_id=row.team_id,
            team_name=row.team_name,
            bot_token=row.bot_token,
            bot_id=row.bot_id,
            bot_user_id=row.bot_user_id,
            bot_scopes=row.bot_scopes,
            bot_refresh_token=row.bot_refresh_token,
            bot_token_expires_at=row.bot_token_expires_at,
            is_enterprise_install=row.is_enterprise_install,
            installed_at=row.installed_at.timestamp(),
        )

    async def async_find_installation(
        self, *, enterprise_id: Optional[str], team_id: Optional[str], user_id: Optional[str] = None, is_enterprise_install: Optional[bool] = False
    ) -> Optional[Installation]:
        row = await self._find(enterprise_id, team_id, is_enterprise_install)
        if row is None or (user_id is not None and row.installer_user_id != user_id):
            return None
        return Installation(
            app_id=row.app_id,
            enterprise_id=row.enterprise_id,
            enterprise_name=row.enterprise_name,
            team_id=row.team_id,
            team_name=row.team_name,
            bot_token=row.bot_token,
            bot_id=row.bot_id,
            bot_user_id=row.bot_user_id,
            bot_scopes=row.bot_scopes,
            bot_refresh_token=row.bot_refresh_token,
            bot_token_expires_at=row.bot_token_expires_at,
            user_id=row.installer_user_id or "",
            is_enterprise_install=row.is_enterprise_install,
            token_type="bot",
            installed_at=row.installed_at.timestamp(),
        )

    async def async_delete_bot(self, *, enterprise_id: Optional[str], team_id: Optional[str]) -> None:
        async with self.sessions() as session:
            await session.execute(self._where(delete(SlackInstallation), enterprise_id, team_id))
            await session.commit()

    async def async_delete_installation(self, *, enterprise_id: Optional[str], team_id: Optional[str], user_id: Optional[str] = None) -> None:
        if user_id is not None:
            # Only user tokens are per user, and the app holds none.
            return
        await self.async_delete_bot(enterprise_id=enterprise_id, team_id=team_id)


def token_hash(token: str | None) -> str | None:
    return hashlib.sha256(token.encode()).hexdigest() if token else None


@dataclass(frozen=True)
class Revoked:
    """A workspace that took the app back, and since when."""

    tenant: str
    reason: str
    since: datetime


class Revocations:
    """Which workspaces revoked the app's bot token or uninstalled it (`slack_revocation`).

    `single_token` is the SLACK_BOT_TOKEN of a one-workspace set-up: a revocation recorded for
    another token (before the app was installed again and given a new one) no longer stands. The
    gateway asks before every send, so what stands is read at most every `refresh` seconds."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock = system_clock, single_token: str | None = None, refresh: float = 5.0) -> None:
        self.sessions = sessions
        self.clock = clock
        self.single_hash = token_hash(single_token)
        self.refresh = refresh
        self._read_at: float | None = None
        self._standing: dict[str, Revoked] = {}

    def _stands(self, row: SlackRevocation) -> bool:
        return self.single_hash is None or row.token_hash is None or row.token_hash == self.single_hash

    async def record(self, tenant: str, reason: str, token: str | None) -> None:
        """Mark `tenant` revoked (or uninstalled) from now; a later event keeps the first date."""
        async with self.sessions() as session:
            row = (await session.execute(select(SlackRevocation).where(SlackRevocation.tenant == tenant))).scalar_one_or_none()
            if row is None:
                session.add(SlackRevocation(tenant=tenant, reason=reason, since=self.clock(), token_hash=token_hash(token)))
            else:
                row.reason = reason
                if row.token_hash != token_hash(token):
                    row.since, row.token_hash = self.clock(), token_hash(token)
            await session.commit()
        self._read_at = None

    async def clear(self, tenant: str) -> None:
        async with self.sessions() as session:
            await session.execute(delete(SlackRevocation).where(SlackRevocation.tenant == tenant))
            await session.commit()
        self._read_at = None

    async def standing(self) -> list[Revoked]:
        """Every revocation in force, oldest first."""
        async with self.sessions() as session:
            rows = (await session.execute(select(SlackRevocation).order_by(SlackRevocation.since, SlackRevocation.tenant))).scalars().all()
        return [Revoked(r.tenant, r.reason, r.since) for r in rows if self._stands(r)]

    async def of(self, tenant: str) -> Revoked | None:
        """The revocation standing for `tenant`, or None (read anew at most every `refresh` s)."""
        now = time.monotonic()
        if self._read_at is None or now - self._read_at >= self.refresh:
            self._standing = {r.tenant: r for r in await self.standing()}
            self._read_at = now
        return self._standing.get(tenant)


class OAuthStateStore(AsyncOAuthStateStore):
    """One-time install states in our database, so any replica can finish an install another began."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], logger: logging.Logger, clock: Clock = system_clock) -> None:
        self.sessions = sessions
        self._logger = logger
        self.clock = clock

    @property
    def logger(self) -> logging.Logger:
        return self._logger

    async def async_issue(self, *args, **kwargs) -> str:
        state = secrets.token_urlsafe(24)
        now = self.clock()
        async with self.sessions() as session:
            await session.execute(delete(SlackOAuthState).where(SlackOAuthState.expires_at < now))
            session.add(SlackOAuthState(state=state, expires_at=now + STATE_LIFETIME))
            await session.commit()
        return state

    async def async_consume(self, state: str) -> bool:
        if not state or len(state) > 64:
            return False
        async with self.sessions() as session:
            result = await session.execute(
                delete(SlackOAuthState).where(SlackOAuthState.state == state, SlackOAuthState.expires_at >= self.clock())
            )
            await session.commit()
        return bool(result.rowcount)
