"""Facilitators reaching people: announcements to a group's members and channels, and invitations."""

from bot.announcements.commands import MAX_ANNOUNCEMENT, SPECS, Invite
from bot.announcements.handlers import HANDLERS as ANNOUNCE_HANDLERS
from bot.announcements.invitations import invite
from bot.features import Feature

FEATURE = Feature(name="announcements", specs=SPECS, handlers={**ANNOUNCE_HANDLERS, Invite: invite})

__all__ = ["FEATURE", "MAX_ANNOUNCEMENT"]
