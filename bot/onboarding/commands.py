"""The words of the `onboarding` commands: see one's welcome messages, stop them, start them again."""

from __future__ import annotations

from dataclasses import dataclass

from bot.parsing import Command, command, specs_of


@command("onboarding", help="onboarding.help")
@dataclass(frozen=True)
class ShowOnboarding(Command):
    pass


@command("onboarding", "off", help="onboarding.help", listed=False)
@dataclass(frozen=True)
class StopOnboarding(Command):
    pass


@command("onboarding", "on", help="onboarding.help", listed=False)
@dataclass(frozen=True)
class ResumeOnboarding(Command):
    pass


SPECS = specs_of(ShowOnboarding, StopOnboarding, ResumeOnboarding)
