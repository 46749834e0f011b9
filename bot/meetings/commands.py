"""The words of the `meeting` and `rsvp` commands and what they carry."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time

from bot.meetings.recurrence import BIWEEKLY, MONTHLY_WORD, ONCE, WEEKLY_WORD
from bot.parsing import Command, Refusal, Usage, command, form, next_word, option, rest, specs_of, text, word
from bot.readers import CLOCK, DAY, NUMBER, RSVP, ZONE, looks_like_date, read_zone, vocabulary

#: Longest location or link a meeting keeps; a longer one is refused with its length.
MAX_LOCATION = 500
#: The repeat words of every language; a plain attempt at one not offered (`daily`) is refused.
REPEAT = vocabulary(
    "repeat", {ONCE: ONCE, WEEKLY_WORD: WEEKLY_WORD, BIWEEKLY: BIWEEKLY, MONTHLY_WORD: MONTHLY_WORD},
    refuse="meetings.bad_recurrence", not_offered="repeat", label="repeat",
)
_ZONE_FLAG = re.compile(r"(?:^|(?<=\s))--(?:tz|timezone)(?:=(\S*)|\s+(\S+))?(?=\s|$)", re.IGNORECASE)


def read_add(raw: str) -> "AddMeeting | Refusal":
    """`<group> <date> <time> [repeat] [place] [--tz zone]`, every part checked by its reader."""
    zone_name = None
    flags = list(_ZONE_FLAG.finditer(raw))
    if len(flags) > 1:
        return Refusal("meetings.one_zone")
    if flags:
        value = flags[0].group(1) or flags[0].group(2) or ""
        if not value:
            return Refusal("meetings.zone_missing")
        zone_name = read_zone(value)
        if zone_name is None:
            return Refusal("meetings.bad_zone", {"value": value[:64]})
        raw = raw[: flags[0].start()] + " " + raw[flags[0].end() :]
    group, rest_text = _group_words(raw)
    day_text, rest_text, _ = next_word(rest_text)
    time_text, rest_text, _ = next_word(rest_text)
    if not group or not day_text or not time_text:
        return Refusal("meetings.add_usage", {"usage": Usage(("meeting", "add"))})
    day = DAY.read(day_text)
    if isinstance(day, Refusal):
        return day
    at = CLOCK.read(time_text)
    if isinstance(at, Refusal):
        return at
    repeat = ONCE
    typed, after, quoted = next_word(rest_text)
    if typed and not quoted:
        read = REPEAT.read(typed)
        if isinstance(read, Refusal):
            return read
        if read is not None:
            repeat, rest_text = read, after
    location = _unquoted(rest_text)
    if len(location) > MAX_LOCATION:
        return Refusal("meetings.location_too_long", {"length": len(location), "limit": MAX_LOCATION})
    return AddMeeting(group=group, day=day, at=at, recurrence=repeat, location=location, timezone=zone_name)


def _group_words(text: str) -> tuple[str, str]:
    """The group (one word, a quoted name, or every word before the date) and what follows it."""
    first, after, quoted = next_word(text)
    if quoted:
        return first, after
    words, scan = [first], after
    for _ in range(8):  # a group name is a few words at most
        typed, later, _ = next_word(scan)
        if not typed:
            break
        if looks_like_date(typed):
            return " ".join(words) if len(words) > 1 else first, scan
        words.append(typed)
        scan = later
    return first, after


def _unquoted(text: str) -> str:
    """`text` without quotes round it, when it is one quoted phrase."""
    typed, after, quoted = next_word(text)
    return typed.strip() if quoted and not after.strip() else text.strip()


@command("meeting", "add", help="meetings.help_add", refusal="meetings.add_usage", audience="facilitator", read=lambda args: read_add(args.raw_rest))
@dataclass(frozen=True)
class AddMeeting(Command):
    group: str = word()
    day: date = word(DAY)
    at: time = word(CLOCK)
    recurrence: str = word(REPEAT, default=ONCE)
    location: str = text(most=MAX_LOCATION, too_long="meetings.location_too_long", default="", label="location")
    timezone: str | None = option("--tz", ZONE)  # the district's when None


@command(
    forms=(form("meeting", help="meetings.help_list", listed=False, bare=True), form("meeting", "list", help="meetings.help_list")),
    help="meetings.help_list",
)
@dataclass(frozen=True)
class ListMeetings(Command):
    group: str = rest(default="")


@command("meeting", "cancel", help="meetings.help_cancel", refusal="meetings.cancel_usage", audience="facilitator")
@dataclass(frozen=True)
class CancelMeeting(Command):
    meeting_id: int = word(NUMBER, bad="meetings.bad_id", label="id")
    day: date | None = word(DAY, default=None)  # one occurrence, or the whole series when None


@command("rsvp", help="meetings.help_rsvp", refusal="meetings.rsvp_usage", audience="member")
@dataclass(frozen=True)
class AnswerRsvp(Command):
    meeting_id: int = word(NUMBER, bad="meetings.bad_id", label="meeting-id")
    yes: bool = word(RSVP)
    day: date | None = word(DAY, default=None)  # the next occurrence when None


SPECS = specs_of(ListMeetings, AddMeeting, CancelMeeting, AnswerRsvp)
