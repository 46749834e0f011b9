"""When a meeting takes place: its occurrences, from its wall-clock start in its own time zone.

A meeting is a wall-clock time in a zone plus a rule (dateutil.rrule over naive local times), so a
weekly 16:00 meeting stays at 16:00 local across daylight-saving changes. Two rules decide the odd
local times of a daylight-saving day, as RFC 5545 calendars do:

- a time that happens twice (01:30 on the night clocks go back) is the first of the two;
- a time that does not exist (02:30 on the night clocks go forward) is read with the offset from
  before the change, so it falls an hour later on the clock (03:30).

A monthly meeting on the 29th, 30th or 31st is held on the last day of a month that is shorter, so
no month is skipped (31 January → 28 February → 31 March).
"""

from __future__ import annotations

import bisect
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateutil.rrule import MONTHLY, WEEKLY, rrule

ONCE, WEEKLY_WORD, BIWEEKLY, MONTHLY_WORD = "once", "weekly", "biweekly", "monthly"
RECURRENCES = (ONCE, WEEKLY_WORD, BIWEEKLY, MONTHLY_WORD)

# A UTC instant and the wall-clock time in any zone differ by at most a day.
_ZONE_SLACK = timedelta(days=1)
# datetime stops at the year 9999; meetings are scheduled at most a year ahead anyway.
_LAST_YEAR = 9998


def rule(recurrence: str, local_start: datetime, walk_from: datetime | None = None) -> rrule:
    """The meeting's rule over naive wall-clock times, starting at its first occurrence, or at
    `walk_from` — an occurrence of it or, for a monthly meeting, a first of the month at its time —
    so that a window long after the start is reached without walking every occurrence before it."""
    start = walk_from or local_start
    if recurrence == ONCE:
        return rrule(WEEKLY, dtstart=local_start, count=1)
    if recurrence in (WEEKLY_WORD, BIWEEKLY):
        return rrule(WEEKLY, dtstart=start, interval=2 if recurrence == BIWEEKLY else 1)
    if recurrence == MONTHLY_WORD:
        day = local_start.day
        if day <= 28:
            return rrule(MONTHLY, dtstart=start, bymonthday=day)
        # The last of the days 28..day that the month has: the 31st, else the month's last day.
        return rrule(MONTHLY, dtstart=start, bymonthday=tuple(range(28, day + 1)), bysetpos=-1)
    raise ValueError(f"unknown recurrence {recurrence!r}")


def _walk_from(recurrence: str, local_start: datetime, before: datetime) -> datetime:
    """A point to walk the rule from that loses no occurrence at or after `before`."""
    if before <= local_start:
        return local_start
    if recurrence in (WEEKLY_WORD, BIWEEKLY):
        period = timedelta(weeks=2 if recurrence == BIWEEKLY else 1)
        return local_start + period * ((before - local_start) // period)
    first = local_start.replace(year=before.year, month=before.month, day=1)
    return first if first > local_start else local_start


@lru_cache(maxsize=16384)
def _year(recurrence: str, local_start: datetime, year: int) -> tuple[datetime, ...]:
    """The wall-clock occurrences within one calendar year, computed once per process.

    The nudge job asks about every meeting once a minute; reading a sorted year from this cache is
    far cheaper than walking the rule from its first occurrence each time.
    """
    if year < local_start.year:
        return ()
    end = datetime(year + 1, 1, 1)
    return tuple(t for t in rule(recurrence, local_start).between(datetime(year, 1, 1), end, inc=True) if t < end)


def local_occurrences(recurrence: str, local_start: datetime, after: datetime, before: datetime) -> list[datetime]:
    """Wall-clock occurrences in [after, before), all naive."""
    if recurrence == ONCE:
        return [local_start] if after <= local_start < before else []
    found: list[datetime] = []
    for year in range(max(after.year, local_start.year), min(before.year, _LAST_YEAR) + 1):
        times = _year(recurrence, local_start, year)
        found.extend(times[bisect.bisect_left(times, after) : bisect.bisect_left(times, before)])
    return found


def instant(local: datetime, zone: ZoneInfo) -> datetime:
    """The UTC instant of a wall-clock time in `zone` (first of two; after a gap, see above)."""
    return local.replace(tzinfo=zone, fold=0).astimezone(timezone.utc)


@lru_cache(maxsize=16384)
def _instants(recurrence: str, local_start: datetime, zone: ZoneInfo, year: int) -> tuple[tuple[datetime, ...], tuple[datetime, ...]]:
    """One local year's occurrences as (UTC instants, wall-clock times), sorted by instant."""
    pairs = sorted((instant(local, zone), local) for local in _year(recurrence, local_start, year))
    return tuple(at for at, _ in pairs), tuple(local for _, local in pairs)


def occurrences(recurrence: str, local_start: datetime, zone: ZoneInfo, after: datetime, before: datetime) -> list[tuple[datetime, datetime]]:
    """(UTC instant, wall-clock time) of each occurrence with after < instant <= before."""
    if recurrence == ONCE:
        at = instant(local_start, zone)
        return [(at, local_start)] if after < at <= before else []
    found = []
    # A local year begins within a day of the UTC one, so the years around the window cover it.
    first = max((after - _ZONE_SLACK).year, local_start.year)
    for year in range(first, min((before + _ZONE_SLACK).year, _LAST_YEAR) + 1):
        instants, locals_ = _instants(recurrence, local_start, zone, year)
        low, high = bisect.bisect_right(instants, after), bisect.bisect_right(instants, before)
        found.extend(zip(instants[low:high], locals_[low:high]))
    return found


def in_window(recurrence: str, local_start: datetime, zone: ZoneInfo, after: datetime, before: datetime) -> list[tuple[datetime, datetime]]:
    """What `occurrences` gives, for a window of days (planning reminders): the rule is walked
    from just before the window instead of computing and keeping whole years."""
    if recurrence == ONCE:
        return occurrences(recurrence, local_start, zone, after, before)
    low = after.astimezone(zone).replace(tzinfo=None) - _ZONE_SLACK
    high = before.astimezone(zone).replace(tzinfo=None) + _ZONE_SLACK
    if high.year > _LAST_YEAR:
        return occurrences(recurrence, local_start, zone, after, before)
    times = rule(recurrence, local_start, _walk_from(recurrence, local_start, low)).between(low, high, inc=True)
    return sorted(pair for pair in ((instant(local, zone), local) for local in times) if after < pair[0] <= before)


def on_day(recurrence: str, local_start: datetime, day: date) -> datetime | None:
    """The wall-clock occurrence on a given local date, if the meeting meets that day."""
    if day.year > _LAST_YEAR:
        return None
    start = datetime(day.year, day.month, day.day)
    times = local_occurrences(recurrence, local_start, start, start + timedelta(days=1))
    return times[0] if times else None
