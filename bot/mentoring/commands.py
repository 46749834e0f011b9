"""The words of the `mentor` commands and what they carry."""

from __future__ import annotations

from dataclasses import dataclass

from bot.parsing import Args, Command, Refusal, Spec, no_args, read_number

ROLES = ("mentor", "mentee")


@dataclass(frozen=True)
class MentorHome(Command):
    pass


@dataclass(frozen=True)
class JoinMentoring(Command):
    role: str


@dataclass(frozen=True)
class MentorStatus(Command):
    pass


@dataclass(frozen=True)
class PauseMentoring(Command):
    pass


@dataclass(frozen=True)
class LeaveMentoring(Command):
    pass


@dataclass(frozen=True)
class RunMatching(Command):
    dry_run: bool


@dataclass(frozen=True)
class AnswerOffer(Command):
    match_id: int
    accept: bool


@dataclass(frozen=True)
class EndMatch(Command):
    match_id: int


def _join(args: Args) -> Command | Refusal:
    if len(args.words) != 1 or args.words[0].lower() not in ROLES:
        return Refusal("mentoring.join_which")
    return JoinMentoring(args.words[0].lower())


def _match(args: Args) -> Command | Refusal:
    unknown = sorted(args.flags - {"--dry-run"})
    if args.words or unknown:
        return Refusal("errors.no_arguments", {"usage": "mentor match [--dry-run]"})
    return RunMatching(dry_run="--dry-run" in args.flags)


def _with_match_id(make, usage: str):
    def build(args: Args) -> Command | Refusal:
        number = read_number(args.words[0]) if len(args.words) == 1 else None
        if number is None:
            return Refusal("mentoring.which_match", {"usage": usage})
        return make(number)

    return build


SPECS = (
    Spec(("mentor",), no_args(MentorHome, "mentor"), "mentoring.help_mentor"),
    Spec(("mentor", "join"), _join, "mentoring.help_join"),
    Spec(("mentor", "status"), no_args(MentorStatus, "mentor status"), "mentoring.help_status", audience="member"),
    Spec(("mentor", "pause"), no_args(PauseMentoring, "mentor pause"), "mentoring.help_pause", audience="member"),
    Spec(("mentor", "leave"), no_args(LeaveMentoring, "mentor leave"), "mentoring.help_leave", audience="member"),
    Spec(("mentor", "match"), _match, "mentoring.help_match", audience="dei_office"),
    Spec(("mentor", "accept"), _with_match_id(lambda i: AnswerOffer(i, True), "mentor accept <match>"), "mentoring.help_accept", listed=False),
    Spec(("mentor", "decline"), _with_match_id(lambda i: AnswerOffer(i, False), "mentor decline <match>"), "mentoring.help_decline", listed=False),
    Spec(("mentor", "end"), _with_match_id(EndMatch, "mentor end <match>"), "mentoring.help_end", listed=False),
)
