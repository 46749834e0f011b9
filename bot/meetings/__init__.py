"""Meetings: facilitators schedule them, members answer, and reminders go out before each one."""

from bot.features import Feature
from bot.meetings.commands import SPECS
from bot.meetings.handlers import HANDLERS
from bot.meetings.nudges import queue_nudges

FEATURE = Feature(name="meetings", specs=SPECS, handlers=HANDLERS, jobs={"queue_nudges": queue_nudges})
