"""How meeting times read to a person: in their language and their own time zone."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime, get_day_names

from bot.catalogue import Translator
from bot.meetings.commands import AnswerRsvp
from bot.meetings.recurrence import BIWEEKLY, MONTHLY_WORD, ONCE, WEEKLY_WORD, instant
from bot.parsing import line
from bot.types import Button, Card, Fact


def _locale(t: Translator) -> str:
    return t.language


def clock(t: Translator, moment: datetime) -> str:
    """4:00 PM in English, 16:00 in Spanish: CLDR's way for the language, through Babel, in the
    pattern the catalogue names (`meetings.clock_pattern`)."""
    return format_datetime(moment, t("meetings.clock_pattern"), locale=_locale(t))


def zone_label(moment: datetime) -> str:
    """CDT, CST… or UTC-03 where the zone has no letters of its own."""
    name = moment.tzname() or ""
    return f"UTC{name}" if name[:1] in "+-" else name


def when(t: Translator, at: datetime, zone: ZoneInfo) -> str:
    """An instant as the person reads it: Monday, October 5, 2026 at 4:00 PM CDT. Day and month
    names and the order come from CLDR through Babel (`meetings.when_pattern`)."""
    local = at.astimezone(zone)
    return f"{format_datetime(local, t('meetings.when_pattern'), locale=_locale(t))} {zone_label(local)}".strip()


def weekday_name(t: Translator, moment: datetime) -> str:
    """Monday, lunes: the day's name in the reader's language (CLDR)."""
    return get_day_names("wide", context="format", locale=_locale(t))[moment.weekday()]


def cadence(t: Translator, recurrence: str, local_start: datetime) -> str:
    """every Monday, every other Monday, monthly on day 31…, or once."""
    weekday = weekday_name(t, local_start)
    if recurrence == WEEKLY_WORD:
        return t("meetings.cadence_weekly", weekday=weekday)
    if recurrence == BIWEEKLY:
        return t("meetings.cadence_biweekly", weekday=weekday)
    if recurrence == MONTHLY_WORD:
        key = "meetings.cadence_monthly_end" if local_start.day > 28 else "meetings.cadence_monthly"
        return t(key, day=local_start.day)
    assert recurrence == ONCE
    return t("meetings.cadence_once")


def schedule(t: Translator, recurrence: str, local_start: datetime, zone_name: str, viewer_zone: ZoneInfo) -> str:
    """A meeting's rule at its own wall-clock time: every Monday at 4:00 PM (America/Chicago).

    The zone is named only when it is not the reader's, since the wall-clock time is the meeting's.
    A one-off meeting reads as its date and time, in the reader's zone.
    """
    if recurrence == ONCE:
        return when(t, instant(local_start, ZoneInfo(zone_name)), viewer_zone)
    text = t("meetings.schedule", cadence=cadence(t, recurrence, local_start), time=clock(t, local_start))
    if zone_name != viewer_zone.key:
        text = f"{text} ({zone_name})"
    return text


def occurrence_card(
    t: Translator, *, meeting_id: int, group: str, at: datetime, day: date, zone: ZoneInfo, location: str,
    answer: str | None, title: str, lead: str, buttons: bool = True, extra: tuple[Fact, ...] = (),
) -> Card:
    """One occurrence as a card: when (in the reader's zone), where, their answer, RSVP buttons.

    The buttons carry the date of the occurrence, so pressing one later answers for that
    occurrence and not for whichever is next by then.
    """
    fields = [Fact(t("meetings.field_when"), when(t, at, zone))]
    if location:
        fields.append(Fact(t("meetings.field_where"), location))
    if answer:
        fields.append(Fact(t("meetings.field_answer"), t(f"meetings.answer_{answer}")))
    actions: tuple[Button, ...] = ()
    if buttons:
        actions = (
            Button(t("meetings.button_yes"), line(AnswerRsvp(meeting_id, True, day)), style="primary"),
            Button(t("meetings.button_no"), line(AnswerRsvp(meeting_id, False, day))),
        )
    return Card(title=title, body=lead, fields=tuple(fields) + extra, actions=actions)
