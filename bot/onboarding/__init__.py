"""Onboarding: new staff's welcome with the groups they may join, and the configured steps after it."""

from bot.features import Feature
from bot.onboarding.commands import SPECS
from bot.onboarding.handlers import HANDLERS
from bot.onboarding.journeys import NEW_STAFF_DAYS, journey_anchor, queue_onboarding, start_journey, start_roster_journeys
from bot.onboarding.steps import Step, read_steps, steps_of

FEATURE = Feature(name="onboarding", specs=SPECS, handlers=HANDLERS, jobs={"queue_onboarding": queue_onboarding})

__all__ = [
    "FEATURE",
    "NEW_STAFF_DAYS",
    "Step",
    "journey_anchor",
    "queue_onboarding",
    "read_steps",
    "start_journey",
    "start_roster_journeys",
    "steps_of",
]
