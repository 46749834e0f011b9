"""The words of `announce` (write, send, cancel) and `groups invite`, and what they carry."""

from __future__ import annotations

from dataclasses import dataclass

from bot.parsing import Args, Command, Refusal, Spec, read_number

#: Longest announcement accepted; longer ones are refused with their length, never cut.
MAX_ANNOUNCEMENT = 3000
ANNOUNCE_USAGE = "announce <group> <text>"
INVITE_USAGE = "groups invite <group> <person>"


@dataclass(frozen=True)
class Announce(Command):
    group: str
    text: str


@dataclass(frozen=True)
class SendAnnouncement(Command):
    announcement_id: int


@dataclass(frozen=True)
class CancelAnnouncement(Command):
    announcement_id: int


@dataclass(frozen=True)
class Invite(Command):
    group: str
    person: str


def _announce(args: Args) -> Command | Refusal:
    if not args.words:
        return Refusal("errors.missing_group", {"usage": ANNOUNCE_USAGE})
    text = args.text_after(1)
    if not text:
        return Refusal("announcements.empty", {"usage": ANNOUNCE_USAGE})
    if len(text) > MAX_ANNOUNCEMENT:
        return Refusal("announcements.too_long", {"length": len(text), "limit": MAX_ANNOUNCEMENT})
    return Announce(group=args.words[0], text=text)


def _decision(make):
    def build(args: Args) -> Command | Refusal:
        number = read_number(args.words[0]) if len(args.words) == 1 else None
        if number is None:
            return Refusal("announcements.bad_id")
        return make(number)

    return build


def _invite(args: Args) -> Command | Refusal:
    if len(args.words) < 2:
        return Refusal("errors.missing_group_and_person", {"usage": INVITE_USAGE})
    return Invite(group=args.words[0], person=" ".join(args.words[1:]))


SPECS = (
    Spec(("announce",), _announce, "announcements.help_announce", audience="facilitator"),
    Spec(("announce", "send"), _decision(SendAnnouncement), "announcements.help_announce", audience="facilitator", listed=False),
    Spec(("announce", "cancel"), _decision(CancelAnnouncement), "announcements.help_announce", audience="facilitator", listed=False),
    Spec(("groups", "invite"), _invite, "announcements.help_invite", audience="facilitator"),
)
