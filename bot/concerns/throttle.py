"""Abuse throttling for concerns that remembers nobody: an in-memory, expiring, keyed counter.

The key is an HMAC of the platform identity under a secret made when the process starts, so
not even a memory dump lists who filed; nothing is ever written to disk, and entries expire.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import deque
from datetime import datetime, timedelta

from bot.types import UserRef


class ConcernThrottle:
    """At most `limit` events per person within `window`: filings, or wrong case-code guesses."""

    def __init__(self, limit: int = 5, window: timedelta = timedelta(hours=24)) -> None:
        self.limit = limit
        self.window = window
        self._secret = secrets.token_bytes(32)
        self._seen: dict[bytes, deque[datetime]] = {}

    def _key(self, who: UserRef) -> bytes:
        return hmac.new(self._secret, f"{who.platform}\x00{who.tenant}\x00{who.user_id}".encode(), hashlib.sha256).digest()

    def allow(self, who: UserRef, now: datetime) -> bool:
        """Count one event for `who` unless they reached the limit within the window."""
        if self.exhausted(who, now):
            return False
        self.record(who, now)
        return True

    def exhausted(self, who: UserRef, now: datetime) -> bool:
        """Whether `who` reached the limit within the window (counts nothing)."""
        self._expire(now)
        return len(self._seen.get(self._key(who), ())) >= self.limit

    def record(self, who: UserRef, now: datetime) -> None:
        """Count one event for `who`."""
        self._expire(now)
        self._seen.setdefault(self._key(who), deque()).append(now)

    def _expire(self, now: datetime) -> None:
        cutoff = now - self.window
        for key in list(self._seen):
            times = self._seen[key]
            while times and times[0] <= cutoff:
                times.popleft()
            if not times:
                del self._seen[key]
