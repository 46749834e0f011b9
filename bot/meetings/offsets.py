"""How long before a meeting its reminders go: the district's `nudge_offsets` (24h, 90m, 2d)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any, Iterable

from bot.config import ConfigError

_PART = re.compile(r"([0-9]{1,5})([dhm])")
_WHOLE = re.compile(r"(?:[0-9]{1,5}[dhm])+")
_UNITS = {"d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}
#: A reminder further ahead than this is not a reminder; the bound also keeps the job's look-ahead small.
LONGEST = timedelta(days=30)


def parse_offset(text: Any, key: str = "nudge_offsets", source: str = "AFFINITY_CONFIG") -> timedelta:
    """`24h`, `90m`, `2d` or `1h30m` as a length of time; anything else raises ConfigError."""
    compact = str(text).strip().lower().replace(" ", "")
    if not _WHOLE.fullmatch(compact):
        raise ConfigError(f"{source}: {key} must be lengths of time such as 24h, 90m or 2d, not {str(text)!r}.")
    length = sum((int(n) * _UNITS[unit] for n, unit in _PART.findall(compact)), timedelta())
    if not timedelta(minutes=1) <= length <= LONGEST:
        raise ConfigError(f"{source}: {key} must be between 1m and 30d before the meeting, not {str(text)!r}.")
    return length


def read_offsets(value: Any, key: str = "nudge_offsets", source: str = "AFFINITY_CONFIG") -> tuple[str, ...]:
    """The configured offsets, each checked; kept as written so the settings read back the same."""
    if not isinstance(value, (list, tuple)):
        raise ConfigError(f"{source}: {key} must be a list such as [24h, 1h].")
    for item in value:
        parse_offset(item, key, source)
    return tuple(str(item).strip() for item in value)


def offsets(texts: Iterable[str]) -> list[tuple[timedelta, str]]:
    """Each distinct offset with the name it has in outbox keys (`24h`, `90m`), longest first.

    The name is canonical, so `1d` and `24h` are one reminder, never two.
    """
    lengths = sorted({parse_offset(t) for t in texts}, reverse=True)
    return [(length, label(length)) for length in lengths]


def label(length: timedelta) -> str:
    minutes = int(length.total_seconds() // 60)
    return f"{minutes // 60}h" if minutes % 60 == 0 else f"{minutes}m"
