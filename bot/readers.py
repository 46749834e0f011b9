"""The field readers every command shares: a word a person typed, as a typed value, or not.

A reader's `read(word)` gives the value, `None` when the word is not one it reads (the command
then says how it is used), or a `Refusal` when the word is plainly meant for it but wrong (a date
that does not exist, a repeat the bot does not offer). `show(value)` is the word that reads back as
`value`, so a button's line is written by the same reader that will read it. The words of each
language (yes/no, repeat words, switch words) come from `bot/catalogue/*/words.yml`.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import date, time
from functools import lru_cache
from typing import Any, Mapping
from zoneinfo import available_timezones

from bot.catalogue import input_words

#: Largest number a person may type for an id or a count: every id column holds it (PostgreSQL
#: `integer`), so a longer number is a sentence, never an overflow.
MAX_NUMBER = 2**31 - 1
_NUMBER = re.compile(r"#?([0-9]{1,10})")
_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_DATE_LIKE = re.compile(r"[0-9]{1,4}[-/.][0-9]{1,2}[-/.][0-9]{1,4}")
_TIME = re.compile(r"([0-9]{1,2}):([0-9]{2})")


def read_number(word: str | None, most: int = MAX_NUMBER) -> int | None:
    """`word` as a whole number from 0 to `most` (ASCII digits, an optional leading `#`), else None."""
    match = _NUMBER.fullmatch(word or "")
    if not match or int(match.group(1)) > most:
        return None
    return int(match.group(1))


def close_word(word: str, choices: Any) -> str | None:
    """The one choice `word` is probably a misspelling of (the shared "did you mean"), else None."""
    found = difflib.get_close_matches(word.lower(), list(choices), n=1, cutoff=0.6)
    return found[0] if found else None


def looks_like_date(word: str) -> bool:
    """Whether `word` is shaped like a date in any common way (2026-10-05, 5/10/2026)."""
    return bool(_DATE_LIKE.fullmatch(word))


@dataclass(frozen=True)
class Ident:
    """A name as typed: a group's short name, a person, a case code. Kept as typed."""

    label: str = ""

    def read(self, word: str) -> str | None:
        return word or None

    def show(self, value: str) -> str:
        return value


@dataclass(frozen=True)
class Number:
    """A whole number from 0 to `most`; `#12` is 12, as an id is often written."""

    most: int = MAX_NUMBER
    label: str = ""

    def read(self, word: str) -> int | None:
        return read_number(word, self.most)

    def show(self, value: int) -> str:
        return str(value)


def _refusal(key: str, params: Mapping[str, Any]):
    from bot.parsing import Refusal  # the parser's value; it imports this module

    return Refusal(key, params)


@dataclass(frozen=True)
class Day:
    """A calendar day as YYYY-MM-DD."""

    label: str = "day"

    def read(self, word: str) -> Any:
        match = _DATE.fullmatch(word)
        if not match:
            return _refusal("meetings.bad_date", {"value": word[:40]})
        try:
            return date(*(int(part) for part in match.groups()))
        except ValueError:
            return _refusal("meetings.no_such_date", {"value": word[:40]})

    def show(self, value: date) -> str:
        return value.isoformat()


@dataclass(frozen=True)
class Clock:
    """A time of day as HH:MM, 24-hour."""

    label: str = "clock"

    def read(self, word: str) -> Any:
        match = _TIME.fullmatch(word)
        if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
            return _refusal("meetings.bad_time", {"value": word[:40]})
        return time(int(match.group(1)), int(match.group(2)))

    def show(self, value: time) -> str:
        return f"{value.hour:02d}:{value.minute:02d}"


@lru_cache(maxsize=1)
def _zones() -> dict[str, str]:
    # Only real IANA names, found whatever their case; "localtime" and the like are files, not zones.
    return {name.lower(): name for name in available_timezones() if name not in ("localtime", "Factory", "posixrules")}


def read_zone(text: str) -> str | None:
    """The IANA zone `text` names, in its own spelling, whatever the case typed; else None."""
    return _zones().get(text.strip().lower()) if len(text) <= 64 else None


def zone_names() -> tuple[str, ...]:
    return tuple(sorted(_zones().values()))


@dataclass(frozen=True)
class Zone:
    """An IANA time zone name (America/Chicago), in any case."""

    label: str = "zone"

    def read(self, word: str) -> str | None:
        return read_zone(word)

    def show(self, value: str) -> str:
        return value


@dataclass(frozen=True)
class Choice:
    """One of a few words, whatever the case, each meaning a value.

    `words` maps every word that may be typed to its value; `shown` are the words help and buttons
    use, one per value. With `refuse`, a word in `not_offered`, or one very close to a choice, is a
    refusal naming the choices rather than some other field's word (`daily` is not a group name).
    """

    words: Mapping[str, Any]
    shown: tuple[str, ...]
    refuse: str = ""
    not_offered: frozenset[str] = field(default_factory=frozenset)
    label: str = ""

    def read(self, word: str) -> Any:
        lowered = word.lower()
        if lowered in self.words:
            return self.words[lowered]
        if self.refuse and " " not in lowered and (lowered in self.not_offered or (len(lowered) >= 5 and difflib.get_close_matches(lowered, list(self.words), n=1, cutoff=0.8))):
            return _refusal(self.refuse, {"word": word[:40], "choices": ", ".join(self.shown)})
        return None

    def show(self, value: Any) -> str:
        for word in self.shown:
            if self.words[word] == value:
                return word
        raise ValueError(f"{value!r} is not one of {self.shown}")

    def only(self, *values: Any, refuse: str = "") -> "Choice":
        """The same words, for just these values (intros repeat weekly to monthly, never once)."""
        return Choice(
            words={w: v for w, v in self.words.items() if v in values},
            shown=tuple(w for w in self.shown if self.words[w] in values),
            refuse=refuse or self.refuse,
            not_offered=self.not_offered,
            label=self.label,
        )


def choice(*words: str, label: str = "") -> Choice:
    """A choice of plain words, each meaning itself (`mentor join mentor|mentee`)."""
    return Choice(words={w: w for w in words}, shown=words, label=label)


def vocabulary(section: str, values: Mapping[str, Any], *, refuse: str = "", not_offered: str = "", label: str = "") -> Choice:
    """A choice read from the catalogues' words: `values` maps each meaning to its value."""
    typed = input_words(section)
    words = {word: values[meaning] for word, meaning in typed.items() if meaning in values}
    words.update({meaning: value for meaning, value in values.items()})
    rejected = frozenset(w for w, meaning in input_words("not_offered").items() if meaning == not_offered) if not_offered else frozenset()
    return Choice(words=words, shown=tuple(values), refuse=refuse, not_offered=rejected, label=label)


#: yes or no, in every language: `rsvp 12 yes`, `intros met 3 no`, `sí`.
YES_NO = vocabulary("answers", {"yes": True, "no": False}, label="yes_no")
#: an answer to `rsvp`: yes or no, or `going`.
RSVP = Choice(words={**vocabulary("rsvp", {"yes": True, "no": False}).words, **YES_NO.words}, shown=("yes", "no"), label="yes_no")
#: on or off, and the answers too: `settings dm off`, `settings nudges sí`.
ON_OFF = Choice(
    words={**YES_NO.words, **vocabulary("switch", {"on": True, "off": False}).words},
    shown=("on", "off"),
    label="on_off",
)
IDENT = Ident()
NUMBER = Number()
DAY = Day()
CLOCK = Clock()
ZONE = Zone()
