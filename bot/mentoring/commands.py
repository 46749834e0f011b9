"""The words of the `mentor` commands and what they carry."""

from __future__ import annotations

from dataclasses import dataclass

from bot.parsing import Command, command, flag, form, specs_of, word
from bot.readers import NUMBER, choice

ROLES = ("mentor", "mentee")


@command("mentor", help="mentoring.help_mentor")
@dataclass(frozen=True)
class MentorHome(Command):
    pass


@command("mentor", "join", help="mentoring.help_join", refusal="mentoring.join_which")
@dataclass(frozen=True)
class JoinMentoring(Command):
    role: str = word(choice(*ROLES))


@command("mentor", "status", help="mentoring.help_status", audience="member")
@dataclass(frozen=True)
class MentorStatus(Command):
    pass


@command("mentor", "pause", help="mentoring.help_pause", audience="member")
@dataclass(frozen=True)
class PauseMentoring(Command):
    pass


@command("mentor", "leave", help="mentoring.help_leave", audience="member")
@dataclass(frozen=True)
class LeaveMentoring(Command):
    pass


@command("mentor", "match", help="mentoring.help_match", audience="dei_office", strict_flags=True)
@dataclass(frozen=True)
class RunMatching(Command):
    dry_run: bool = flag("--dry-run")


@command(
    forms=(form("mentor", "accept", help="mentoring.help_accept", accept=True), form("mentor", "decline", help="mentoring.help_decline", accept=False)),
    help="mentoring.help_accept",
    refusal="mentoring.which_match",
    listed=False,
)
@dataclass(frozen=True)
class AnswerOffer(Command):
    match_id: int = word(NUMBER, label="match")
    accept: bool


@command("mentor", "end", help="mentoring.help_end", refusal="mentoring.which_match", listed=False)
@dataclass(frozen=True)
class EndMatch(Command):
    match_id: int = word(NUMBER, label="match")


SPECS = specs_of(MentorHome, JoinMentoring, MentorStatus, PauseMentoring, LeaveMentoring, RunMatching, AnswerOffer, EndMatch)
