"""People: who is talking, their settings, what is kept about them, and forget-me."""

from bot.features import Feature
from bot.people.commands import SPECS
from bot.people.handlers import HANDLERS

FEATURE = Feature(name="people", specs=SPECS, handlers=HANDLERS)
