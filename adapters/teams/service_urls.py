"""Which Bot Framework service URLs the bot may call, and who may reach /api/messages at all.

An activity names the service URL its answer goes to. Believed blindly, that lets anyone who can
post an activity make the bot fetch from, and post to, an address of their choosing. So:

- **With token checks** (an app id and password), a service URL is *learned* only from a
  validated token's `serviceurl` claim — the Bot Framework signs it — and kept in
  `teams_service_url`. The connector calls no other address.
- **Without them** (`AFFINITY_TEAMS_UNAUTHENTICATED=1`, for the Emulator and local tests), only
  requests from loopback peers naming a loopback service URL are served, and the connector
  calls loopback addresses only.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import TeamsServiceUrl

#: Longer than any real service URL (they are a few dozen characters); longer ones are refused.
MAX_LENGTH = 500
#: Enough for every Bot Framework region many times over; a full memory is simply forgotten.
CAPACITY = 1000


def is_loopback_host(host: str | None) -> bool:
    """127.0.0.0/8, ::1 or localhost (the name, not anything that resolves to it)."""
    if not host:
        return False
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_loopback_url(url: str) -> bool:
    """An http(s) URL whose host is loopback; no user name, password or odd scheme."""
    try:
        parts = urlsplit(url)
        _ = parts.port  # a malformed port raises here
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and not parts.username and not parts.password and is_loopback_host(parts.hostname)


def well_formed(url: str) -> bool:
    """An https URL (http on loopback) as the Bot Framework gives them, without credentials."""
    if not url or len(url) > MAX_LENGTH or any(ch.isspace() or ord(ch) < 32 for ch in url):
        return False
    try:
        parts = urlsplit(url)
        _ = parts.port
    except ValueError:
        return False
    if parts.username or parts.password or not parts.hostname:
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and is_loopback_host(parts.hostname))


class ServiceUrls:
    """The addresses the connector may call: `await allows(url)`; `await learn(url)` after a token named it."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession] | None, *, loopback_only: bool) -> None:
        #: Without token checks nothing is learned: loopback is the whole rule.
        self.loopback_only = loopback_only
        self._sessions = sessions
        self._known: set[str] = set()

    async def allows(self, url: str) -> bool:
        if self.loopback_only:
            return is_loopback_url(url)
        if url in self._known:
            return True
        if self._sessions is None or not well_formed(url):
            return False
        async with self._sessions() as session:
            found = (await session.execute(select(TeamsServiceUrl.id).where(TeamsServiceUrl.url == url))).first()
        if found is not None:
            self._note(url)
        return found is not None

    async def learn(self, url: str) -> None:
        """Keep `url`, which a validated token's `serviceurl` claim named."""
        if self.loopback_only or url in self._known or not well_formed(url) or self._sessions is None:
            return
        async with self._sessions() as session:
            exists = (await session.execute(select(TeamsServiceUrl.id).where(TeamsServiceUrl.url == url))).first()
            if exists is None:
                session.add(TeamsServiceUrl(url=url))
                try:
                    await session.commit()
                except IntegrityError:
                    # Learned at the same moment by another request or process.
                    await session.rollback()
        self._note(url)

    def _note(self, url: str) -> None:
        if len(self._known) >= CAPACITY:
            self._known.clear()
        self._known.add(url)
