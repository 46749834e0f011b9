"""Who a Slack user is (name, e-mail, time zone, locale), from users.info, kept for a while.

The e-mail links the Slack identity to the same person on Teams or in the roster. One lookup per
person per hour is plenty: profiles change rarely, and the core only fills gaps from them.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from typing import Callable

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.inbound import profile_from_user
from bot.types import Profile

Monotonic = Callable[[], float]


class Directory:
    """users.info answers, cached per (tenant, user) with an expiry and a size bound."""

    def __init__(self, ttl: float = 3600.0, size: int = 50_000, monotonic: Monotonic = time.monotonic) -> None:
        self.ttl = ttl
        self.size = size
        self.monotonic = monotonic
        self._known: OrderedDict[tuple[str, str], tuple[float, Profile | None]] = OrderedDict()
        self._asking: dict[tuple[str, str], asyncio.Future] = {}

    def remember(self, tenant: str, user_id: str, profile: Profile | None) -> None:
        key = (tenant, user_id)
        self._known[key] = (self.monotonic() + self.ttl, profile)
        self._known.move_to_end(key)
        while len(self._known) > self.size:
            self._known.popitem(last=False)

    def cached(self, tenant: str, user_id: str) -> tuple[bool, Profile | None]:
        found = self._known.get((tenant, user_id))
        if found is None or found[0] <= self.monotonic():
            return False, None
        return True, found[1]

    async def profile(self, client: AsyncWebClient, tenant: str, user_id: str) -> Profile | None:
        """The person's profile; None when Slack will not say (the core still knows them by id)."""
        hit, profile = self.cached(tenant, user_id)
        if hit:
            return profile
        key = (tenant, user_id)
        waiting = self._asking.get(key)
        if waiting is not None:
            # Several clicks from one new person at once ask Slack once.
            return await asyncio.shield(waiting)
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        self._asking[key] = future
        profile = None
        try:
            profile = await self._ask(client, user_id)
            if profile is not None:
                self.remember(tenant, user_id, profile)
            return profile
        finally:
            self._asking.pop(key, None)
            future.set_result(profile)

    async def _ask(self, client: AsyncWebClient, user_id: str) -> Profile | None:
        try:
            answer = await client.users_info(user=user_id, include_locale=True)
        except (SlackApiError, aiohttp.ClientError, OSError, asyncio.TimeoutError):
            # Unknown profile this time; the next request asks again.
            return None
        user = answer.get("user")
        return profile_from_user(user) if isinstance(user, dict) else None
