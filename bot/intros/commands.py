"""The words of the `intros` commands (a member's own opt-in) and of `groups intros` (a facilitator's switch)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.parsing import Args, Command, Refusal, Spec, no_args, read_number

CADENCES = ("weekly", "biweekly", "monthly")
#: The longest snooze, in weeks: longer is "off", which the person can say.
MAX_SNOOZE_WEEKS = 12


@dataclass(frozen=True)
class IntrosStatus(Command):
    pass


@dataclass(frozen=True)
class IntrosOptIn(Command):
    on: bool
    group: str = ""


@dataclass(frozen=True)
class IntrosSnooze(Command):
    weeks: int


@dataclass(frozen=True)
class IntrosAvoid(Command):
    person: str


@dataclass(frozen=True)
class IntrosMet(Command):
    pair_id: int
    met: bool


@dataclass(frozen=True)
class GroupIntros(Command):
    group: str
    switch: str = ""  # "" (show the figures), "on" or "off"
    cadence: str = ""


def _opt(on: bool):
    def build(args: Args) -> Command:
        return IntrosOptIn(on=on, group=" ".join(args.words))

    return build


def _snooze(args: Args) -> Command | Refusal:
    weeks = read_number(args.words[0], most=MAX_SNOOZE_WEEKS) if len(args.words) == 1 else None
    if weeks is None:
        return Refusal("intros.snooze_how", {"most": MAX_SNOOZE_WEEKS})
    return IntrosSnooze(weeks)


def _avoid(args: Args) -> Command | Refusal:
    if not args.words:
        return Refusal("intros.avoid_how")
    return IntrosAvoid(" ".join(args.words))


def _met(args: Args) -> Command | Refusal:
    number = read_number(args.words[0]) if len(args.words) == 2 else None
    if number is None or args.words[1].lower() not in ("yes", "no"):
        return Refusal("intros.met_how")
    return IntrosMet(number, args.words[1].lower() == "yes")


def _group_intros(args: Args) -> Command | Refusal:
    words = list(args.words)
    cadence = ""
    if words and words[-1].lower() in CADENCES:
        cadence = words.pop().lower()
    switch = ""
    if words and words[-1].lower() in ("on", "off"):
        switch = words.pop().lower()
    if not words or (cadence and switch != "on"):
        return Refusal("intros.group_how")
    return GroupIntros(group=" ".join(words), switch=switch, cadence=cadence)


SPECS = (
    Spec(("intros",), no_args(IntrosStatus, "intros"), "intros.help_intros"),
    Spec(("intros", "on"), _opt(True), "intros.help_on"),
    Spec(("intros", "off"), _opt(False), "intros.help_off"),
    Spec(("intros", "snooze"), _snooze, "intros.help_snooze"),
    Spec(("intros", "avoid"), _avoid, "intros.help_avoid"),
    Spec(("intros", "met"), _met, "intros.help_met", listed=False),
    Spec(("groups", "intros"), _group_intros, "intros.help_group", audience="facilitator"),
)
