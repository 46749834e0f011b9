"""Who a Teams member is (name, e-mail, UPN), asked of the connector once and kept for an hour."""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Any, Callable, Mapping

from adapters.teams.activity import Member
from adapters.teams.connector import Connector, ConnectorError

#: How long a member's record is trusted; a changed name or address shows up after this.
KEEP_FOR = 3600.0
#: How long "the connector would not say" is remembered, so one unknown member costs one call.
KEEP_MISSING_FOR = 300.0
#: Enough for a large district; the oldest entries go first.
CAPACITY = 50_000


class MemberDirectory:
    """An in-memory, expiring cache in front of `GET /v3/conversations/{id}/members/{member}`.

    It lives in this process only: a member's e-mail is never written anywhere by the adapter
    (the core keeps the person's e-mail on their own row).
    """

    def __init__(self, connector: Connector, clock: Callable[[], float] = time.monotonic) -> None:
        self.connector = connector
        self._clock = clock
        self._entries: OrderedDict[tuple[str, str], tuple[float, Mapping[str, Any] | None]] = OrderedDict()

    async def lookup(self, tenant: str, member: Member, service_url: str, conversation_id: str) -> Mapping[str, Any] | None:
        key = (tenant, member.channel_id)
        now = self._clock()
        cached = self._entries.get(key)
        if cached is not None and cached[0] > now:
            self._entries.move_to_end(key)
            return cached[1]
        if not member.channel_id or not service_url:
            return None
        try:
            info = await self.connector.member(service_url, conversation_id, member.channel_id)
        except ConnectorError:
            # The turn goes on with what the activity says; the next one asks again.
            return None
        self._entries[key] = (now + (KEEP_FOR if info else KEEP_MISSING_FOR), info)
        self._entries.move_to_end(key)
        while len(self._entries) > CAPACITY:
            self._entries.popitem(last=False)
        return info
