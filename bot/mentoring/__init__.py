"""Mentoring: people's own profiles, optimal matching run by the DEI office, offers and introductions."""

from bot.features import Feature
from bot.mentoring.commands import SPECS
from bot.mentoring.handlers import CHOICES, FORMS, HANDLERS
from bot.mentoring.lifecycle import run_mentoring

FEATURE = Feature(name="mentoring", specs=SPECS, handlers=HANDLERS, forms=FORMS, choices=CHOICES, jobs={"lifecycle": run_mentoring})
