"""The words of `announce` (write, send, cancel) and `groups invite`, and what they carry."""

from __future__ import annotations

from dataclasses import dataclass

from bot.parsing import Command, command, rest, specs_of, text, word
from bot.readers import NUMBER

#: Longest announcement accepted; longer ones are refused with their length, never cut.
MAX_ANNOUNCEMENT = 3000


@command("announce", help="announcements.help_announce", refusal="errors.missing_group", audience="facilitator")
@dataclass(frozen=True)
class Announce(Command):
    group: str = word()
    text: str = text(most=MAX_ANNOUNCEMENT, too_long="announcements.too_long", missing="announcements.empty")


@command("announce", "send", help="announcements.help_announce", refusal="announcements.bad_id", audience="facilitator", listed=False)
@dataclass(frozen=True)
class SendAnnouncement(Command):
    announcement_id: int = word(NUMBER, label="id")


@command("announce", "cancel", help="announcements.help_announce", refusal="announcements.bad_id", audience="facilitator", listed=False)
@dataclass(frozen=True)
class CancelAnnouncement(Command):
    announcement_id: int = word(NUMBER, label="id")


@command("groups", "invite", help="announcements.help_invite", refusal="errors.missing_group_and_person", audience="facilitator")
@dataclass(frozen=True)
class Invite(Command):
    group: str = word()
    person: str = rest()


SPECS = specs_of(Announce, SendAnnouncement, CancelAnnouncement, Invite)
