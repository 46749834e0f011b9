"""The words of the `meeting` and `rsvp` commands and what they carry."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date, time

from bot.meetings.recurrence import BIWEEKLY, MONTHLY_WORD, ONCE, WEEKLY_WORD
from bot.hours import read_zone
from bot.parsing import Args, Command, Refusal, Spec, close_word, read_number

#: Longest location or link a meeting keeps; a longer one is refused with its length.
MAX_LOCATION = 500
SUBCOMMANDS = ("add", "list", "cancel")
ADD_USAGE = "meeting add <group> <YYYY-MM-DD> <HH:MM> [weekly|biweekly|monthly] [<location or link>] [--tz <zone>]"
CANCEL_USAGE = "meeting cancel <id> [<YYYY-MM-DD>]"
RSVP_USAGE = "rsvp <meeting-id> yes|no [<YYYY-MM-DD>]"

#: The repeat words, with the Spanish a person may type for them.
REPEATS = {
    "once": ONCE, "weekly": WEEKLY_WORD, "biweekly": BIWEEKLY, "bi-weekly": BIWEEKLY, "fortnightly": BIWEEKLY,
    "monthly": MONTHLY_WORD, "semanal": WEEKLY_WORD, "quincenal": BIWEEKLY, "mensual": MONTHLY_WORD,
}
#: Words that are plainly an attempt at a repeat the bot does not offer, not the start of a place.
NOT_OFFERED = {"daily", "diario", "yearly", "annually", "annual", "anual", "quarterly", "hourly", "weekdays", "bimonthly", "semimonthly", "triweekly"}
ANSWERS = {"yes": True, "y": True, "si": True, "sí": True, "going": True, "no": False, "n": False}

_QUOTES = {'"': '"', "'": "'", "“": "”", "”": "”", "„": "“", "‘": "’", "«": "»"}
_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_DATE_LIKE = re.compile(r"[0-9]{1,4}[-/.][0-9]{1,2}[-/.][0-9]{1,4}")
_TIME = re.compile(r"([0-9]{1,2}):([0-9]{2})")
_ZONE_FLAG = re.compile(r"(?:^|(?<=\s))--(?:tz|timezone)(?:=(\S*)|\s+(\S+))?(?=\s|$)", re.IGNORECASE)


@dataclass(frozen=True)
class AddMeeting(Command):
    group: str
    day: date
    at: time
    recurrence: str = ONCE
    location: str = ""
    timezone: str | None = None  # the district's when None


@dataclass(frozen=True)
class ListMeetings(Command):
    group: str = ""


@dataclass(frozen=True)
class CancelMeeting(Command):
    meeting_id: int
    day: date | None = None  # one occurrence, or the whole series when None


@dataclass(frozen=True)
class AnswerRsvp(Command):
    meeting_id: int
    yes: bool
    day: date | None = None  # the next occurrence when None


def read_date(text: str) -> date | Refusal:
    match = _DATE.fullmatch(text)
    if not match:
        return Refusal("meetings.bad_date", {"value": text[:40]})
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return Refusal("meetings.no_such_date", {"value": text[:40]})


def read_time(text: str) -> time | Refusal:
    match = _TIME.fullmatch(text)
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        return Refusal("meetings.bad_time", {"value": text[:40]})
    return time(int(match.group(1)), int(match.group(2)))


def read_id(text: str) -> int | Refusal:
    number = read_number(text)
    if number is None:
        return Refusal("meetings.bad_id", {"value": text[:40]})
    return number


def _next_word(text: str) -> tuple[str, str, bool]:
    """The first word of `text` (a quoted phrase counts as one), what follows it, and whether it was quoted."""
    text = text.lstrip()
    if text and text[0] in _QUOTES:
        close = text.find(_QUOTES[text[0]], 1)
        if close > 0:
            return text[1:close], text[close + 1 :], True
    word = text.split(None, 1)
    if not word:
        return "", "", False
    return word[0], text[len(word[0]) :], False


def _group_words(text: str) -> tuple[str, str]:
    """The group (one word, a quoted name, or every word before the date) and what follows it."""
    first, rest, quoted = _next_word(text)
    if quoted:
        return first, rest
    words, scan = [first], rest
    for _ in range(8):  # a group name is a few words at most
        word, after, _ = _next_word(scan)
        if not word:
            break
        if _DATE_LIKE.fullmatch(word):
            return " ".join(words) if len(words) > 1 else first, scan
        words.append(word)
        scan = after
    return first, rest


def _unquoted(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] in _QUOTES and text.endswith(_QUOTES[text[0]]) and text.find(_QUOTES[text[0]], 1) == len(text) - 1:
        return text[1:-1].strip()
    return text


def read_add(raw: str) -> AddMeeting | Refusal:
    """`<group> <date> <time> [repeat] [place] [--tz zone]`, every part checked."""
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
    group, rest = _group_words(raw)
    day_text, rest, _ = _next_word(rest)
    time_text, rest, _ = _next_word(rest)
    if not group or not day_text or not time_text:
        return Refusal("meetings.add_usage", {"usage": ADD_USAGE})
    day = read_date(day_text)
    if isinstance(day, Refusal):
        return day
    at = read_time(time_text)
    if isinstance(at, Refusal):
        return at
    repeat = ONCE
    word, after, quoted = _next_word(rest)
    if word and not quoted:
        lowered = word.lower()
        if lowered in REPEATS:
            repeat, rest = REPEATS[lowered], after
        elif lowered in NOT_OFFERED or (len(lowered) >= 5 and difflib.get_close_matches(lowered, list(REPEATS), n=1, cutoff=0.8)):
            return Refusal("meetings.bad_recurrence", {"word": word[:40]})
    location = _unquoted(rest)
    if len(location) > MAX_LOCATION:
        return Refusal("meetings.location_too_long", {"length": len(location), "limit": MAX_LOCATION})
    return AddMeeting(group=group, day=day, at=at, recurrence=repeat, location=location, timezone=zone_name)


def _add(args: Args) -> Command | Refusal:
    return read_add(args.raw_rest)


def _list(args: Args) -> Command | Refusal:
    return ListMeetings(" ".join(args.words))


def _bare(args: Args) -> Command | Refusal:
    """`meeting` alone lists; `meeting lsit` is a misspelt subcommand, not a group."""
    if args.words:
        near = close_word(args.words[0], SUBCOMMANDS)
        if near:
            return Refusal("help.did_you_mean", {"word": args.words[0][:40], "suggestion": f"meeting {near}"}, show_help=True)
        return Refusal("help.unknown_sub", {"word": args.words[0][:40], "command": "meeting", "choices": ", ".join(SUBCOMMANDS)}, show_help=True)
    return ListMeetings()


def _cancel(args: Args) -> Command | Refusal:
    if not args.words or len(args.words) > 2:
        return Refusal("meetings.cancel_usage", {"usage": CANCEL_USAGE})
    meeting_id = read_id(args.words[0])
    if isinstance(meeting_id, Refusal):
        return meeting_id
    day = read_date(args.words[1]) if len(args.words) == 2 else None
    if isinstance(day, Refusal):
        return day
    return CancelMeeting(meeting_id, day)


def _rsvp(args: Args) -> Command | Refusal:
    if len(args.words) not in (2, 3) or args.words[1].lower() not in ANSWERS:
        return Refusal("meetings.rsvp_usage", {"usage": RSVP_USAGE})
    meeting_id = read_id(args.words[0])
    if isinstance(meeting_id, Refusal):
        return meeting_id
    day = read_date(args.words[2]) if len(args.words) == 3 else None
    if isinstance(day, Refusal):
        return day
    return AnswerRsvp(meeting_id, ANSWERS[args.words[1].lower()], day)


SPECS = (
    Spec(("meeting",), _bare, "meetings.help_list", listed=False),
    Spec(("meeting", "list"), _list, "meetings.help_list"),
    Spec(("meeting", "add"), _add, "meetings.help_add", audience="facilitator"),
    Spec(("meeting", "cancel"), _cancel, "meetings.help_cancel", audience="facilitator"),
    Spec(("rsvp",), _rsvp, "meetings.help_rsvp", audience="member"),
)
