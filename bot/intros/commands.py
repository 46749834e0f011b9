"""The words of the `intros` commands (a member's own opt-in) and of `groups intros` (a facilitator's switch)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.parsing import Command, command, form, rest, specs_of, tail, word
from bot.readers import YES_NO, Choice, Number, vocabulary

CADENCES = ("weekly", "biweekly", "monthly")
#: The longest snooze, in weeks: longer is "off", which the person can say.
MAX_SNOOZE_WEEKS = 12
#: How often a group's intros run: the repeat words of every language, weekly to monthly.
CADENCE = vocabulary("repeat", {c: c for c in CADENCES}, refuse="intros.bad_cadence", not_offered="repeat", label="cadence")
SWITCH = Choice(words={"on": "on", "off": "off"}, shown=("on", "off"), label="switch")


@command("intros", help="intros.help_intros")
@dataclass(frozen=True)
class IntrosStatus(Command):
    pass


@command(forms=(form("intros", "on", help="intros.help_on", on=True), form("intros", "off", help="intros.help_off", on=False)), help="intros.help_on")
@dataclass(frozen=True)
class IntrosOptIn(Command):
    on: bool
    group: str = rest(default="")


@command("intros", "snooze", help="intros.help_snooze", refusal="intros.snooze_how", params={"most": MAX_SNOOZE_WEEKS})
@dataclass(frozen=True)
class IntrosSnooze(Command):
    weeks: int = word(Number(most=MAX_SNOOZE_WEEKS))


@command("intros", "avoid", help="intros.help_avoid", refusal="intros.avoid_how")
@dataclass(frozen=True)
class IntrosAvoid(Command):
    person: str = rest()


@command("intros", "met", help="intros.help_met", refusal="intros.met_how", listed=False)
@dataclass(frozen=True)
class IntrosMet(Command):
    pair_id: int = word(Number(), label="pair")
    met: bool = word(YES_NO)


@command(
    "groups", "intros", help="intros.help_group", refusal="intros.group_how", audience="facilitator",
    valid=lambda c: c.switch == "on" or not c.cadence,
)
@dataclass(frozen=True)
class GroupIntros(Command):
    group: str = rest()
    switch: str = tail(SWITCH)  # "" (show the figures), "on" or "off"
    cadence: str = tail(CADENCE)


SPECS = specs_of(IntrosStatus, IntrosOptIn, IntrosSnooze, IntrosAvoid, IntrosMet, GroupIntros)
