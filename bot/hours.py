"""When the bot may speak to someone: quiet hours, working hours and working days, in their zone.

Quiet hours and working hours are district settings read in each person's own time zone (the
district's when the person has none). Windows are half-open, [start, end), and may wrap midnight.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

#: Monday to Friday.
WORKDAYS = frozenset(range(5))


@lru_cache(maxsize=1)
def _zones() -> dict[str, str]:
    # Only real IANA names, found whatever their case; "localtime" and the like are files, not zones.
    return {name.lower(): name for name in available_timezones() if name not in ("localtime", "Factory", "posixrules")}


def read_zone(text: str) -> str | None:
    """The one reader of a time zone a person or a file names (`meeting --tz`, `settings
    timezone`, a roster's timezone column): an IANA name in any case, given back as IANA spells
    it (`america/denver` is America/Denver); None for anything else."""
    return _zones().get(text.strip().lower()) if len(text) <= 64 else None


def zone_of(person_timezone: str | None, district_zone: ZoneInfo) -> ZoneInfo:
    """The person's zone, or the district's when they have none (or an unknown one)."""
    if person_timezone:
        try:
            return ZoneInfo(person_timezone)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return district_zone


def in_window(moment: time, start: time, end: time) -> bool:
    """Whether a wall-clock time is inside [start, end), a window that may wrap midnight."""
    if start <= end:
        return start <= moment < end
    return moment >= start or moment < end


def before_quiet_hours(at: datetime, zone: ZoneInfo, quiet_start: time, quiet_end: time) -> datetime:
    """`at`, or, if it falls in quiet hours where the person is, the last minute before they began.

    A reminder due at 06:00 with quiet hours 20:00–07:00 moves to 19:59 the evening before.
    """
    local = at.astimezone(zone)
    if not in_window(local.time().replace(tzinfo=None), quiet_start, quiet_end):
        return at
    day = local.date()
    # The quiet spell that contains `local` began today, or yesterday when it wraps midnight
    # and `local` is in its morning part.
    if quiet_start > quiet_end and local.time() < quiet_end:
        day -= timedelta(days=1)
    began = datetime.combine(day, quiet_start, tzinfo=zone)
    return (began - timedelta(minutes=1)).astimezone(at.tzinfo)


def next_working_moment(
    at: datetime, zone: ZoneInfo, work_start: time, work_end: time, workdays: frozenset[int] = WORKDAYS
) -> datetime:
    """`at` if it is within working hours on a working day where the person is, else the start of
    the next working period."""
    local = at.astimezone(zone)
    if local.weekday() in workdays and in_window(local.time().replace(tzinfo=None), work_start, work_end):
        return at
    day = local.date()
    if local.weekday() not in workdays or local.time() >= work_end:
        day += timedelta(days=1)
    while day.weekday() not in workdays:
        day += timedelta(days=1)
    return datetime.combine(day, work_start, tzinfo=zone).astimezone(at.tzinfo)


def add_working_days(start: date, n: int, workdays: frozenset[int] = WORKDAYS, holidays: frozenset[date] = frozenset()) -> date:
    """The date `n` working days after `start` (weekends and holidays not counted)."""
    day = start
    remaining = n
    while remaining > 0:
        day += timedelta(days=1)
        if day.weekday() in workdays and day not in holidays:
            remaining -= 1
    return day
