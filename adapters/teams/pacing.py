"""Teams' published send limits, kept before sending so a proactive burst waits instead of drawing 429s.

Per bot per conversation: 7 messages a second, 8 in two seconds, 60 in thirty seconds and 1,800
an hour; per app per tenant: 50 requests a second. A send over a limit is not made: the gateway
answers "retry after" with the time until the oldest send in that window has aged out.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Callable

PER_CONVERSATION: tuple[tuple[int, float], ...] = ((7, 1.0), (8, 2.0), (60, 30.0), (1800, 3600.0))
PER_TENANT: tuple[tuple[int, float], ...] = ((50, 1.0),)


class Pacing:
    """Sliding windows of recent sends, by conversation and by tenant, on an injected clock."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        per_conversation: tuple[tuple[int, float], ...] = PER_CONVERSATION,
        per_tenant: tuple[tuple[int, float], ...] = PER_TENANT,
    ) -> None:
        self._clock = clock
        self._limits = {"conversation": per_conversation, "tenant": per_tenant}
        self._sent: dict[tuple[str, str], deque[float]] = {}

    def reserve(self, tenant: str, conversation_id: str) -> float:
        """Seconds to wait before this send may go; 0 means it may go now and is counted."""
        now = self._clock()
        keys = (("tenant", tenant), ("conversation", f"{tenant}/{conversation_id}"))
        wait = max(self._wait(key, now) for key in keys)
        if wait > 0:
            return wait
        for key in keys:
            self._sent.setdefault(key, deque()).append(now)
        return 0.0

    def _wait(self, key: tuple[str, str], now: float) -> float:
        limits = self._limits[key[0]]
        sent = self._sent.get(key)
        if not sent:
            return 0.0
        longest = max(window for _, window in limits)
        while sent and sent[0] <= now - longest:
            sent.popleft()
        if not sent:
            del self._sent[key]
            return 0.0
        wait = 0.0
        for count, window in limits:
            recent = [t for t in _tail(sent, count) if t > now - window]
            if len(recent) >= count:
                wait = max(wait, recent[0] + window - now)
        return wait


def _tail(sent: deque[float], count: int) -> list[float]:
    # Only the last `count` sends can decide whether a window of `count` is full.
    return list(sent)[-count:] if len(sent) > count else list(sent)
