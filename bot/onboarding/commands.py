"""The words of the `onboarding` commands: see one's welcome messages, stop them, start them again."""

from __future__ import annotations

from dataclasses import dataclass

from bot.parsing import Command, Spec, no_args


@dataclass(frozen=True)
class ShowOnboarding(Command):
    pass


@dataclass(frozen=True)
class StopOnboarding(Command):
    pass


@dataclass(frozen=True)
class ResumeOnboarding(Command):
    pass


SPECS = (
    Spec(("onboarding",), no_args(ShowOnboarding, "onboarding"), "onboarding.help"),
    Spec(("onboarding", "off"), no_args(StopOnboarding, "onboarding off"), "onboarding.help", listed=False),
    Spec(("onboarding", "on"), no_args(ResumeOnboarding, "onboarding on"), "onboarding.help", listed=False),
)
