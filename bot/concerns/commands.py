"""The words of the `concern` commands: filing, following up, and the DEI office's handling."""

from __future__ import annotations

from dataclasses import dataclass

from bot.parsing import Args, Command, Refusal, Spec

FILE_FORM = "concern.file"
#: `concern status` without a code: a form asking for it, so the code can be given where the
#: answer is shown (Teams' dialog) rather than typed into a chat.
STATUS_FORM = "concern.status"
#: The commands that open a concern's answers again, with nothing secret in them (Reply.dialog).
FILE_DIALOG = "concern"
STATUS_DIALOG = "concern status"
MAX_CONCERN_TEXT = 4000


@dataclass(frozen=True)
class OpenConcernForm(Command):
    pass


@dataclass(frozen=True)
class ConcernStatus(Command):
    code: str


@dataclass(frozen=True)
class AskCaseCode(Command):
    pass


def _status(args: Args) -> Command | Refusal:
    if not args.words:
        return AskCaseCode()
    return ConcernStatus("".join(args.words))


@dataclass(frozen=True)
class ConcernFollowup(Command):
    code: str
    text: str


@dataclass(frozen=True)
class ViewConcern(Command):
    handle: str


@dataclass(frozen=True)
class ReplyConcern(Command):
    handle: str
    text: str


@dataclass(frozen=True)
class CloseConcern(Command):
    handle: str


@dataclass(frozen=True)
class ListConcerns(Command):
    include_closed: bool = False


@dataclass(frozen=True)
class ShowDigest(Command):
    dry_run: bool = False


def _digest(args: Args) -> Command | Refusal:
    if args.words or args.flags - {"--dry-run"}:
        return Refusal("concerns.digest_usage")
    return ShowDigest(dry_run="--dry-run" in args.flags)


def _code_only(make, usage: str):
    def build(args: Args) -> Command | Refusal:
        if not args.words:
            return Refusal("concerns.missing_code", {"usage": usage})
        # A code may be typed with spaces between its groups: keep every word.
        return make("".join(args.words))

    return build


def _code_and_text(make, usage: str):
    def build(args: Args) -> Command | Refusal:
        if len(args.words) < 2:
            return Refusal("concerns.missing_code_and_text", {"usage": usage})
        text = args.text_after(1)
        if len(text) > MAX_CONCERN_TEXT:
            return Refusal("concerns.too_long", {"length": len(text), "limit": MAX_CONCERN_TEXT})
        return make(args.words[0], text)

    return build


def _list(args: Args) -> Command | Refusal:
    words = [w.lower() for w in args.words]
    if words not in ([], ["open"], ["all"]):
        return Refusal("concerns.list_usage")
    return ListConcerns(include_closed=words == ["all"])


SPECS = (
    Spec(("concern",), lambda a: OpenConcernForm(), "help.concern"),
    Spec(("concern", "status"), _status, "help.concern_status"),
    Spec(("concern", "followup"), _code_and_text(ConcernFollowup, "concern followup <code> <text>"), "help.concern_followup"),
    Spec(("concern", "list"), _list, "help.concern_list", audience="dei_office", admin_too=False),
    Spec(("concern", "view"), _code_only(ViewConcern, "concern view <reference>"), "help.concern_view", audience="dei_office", admin_too=False),
    Spec(("concern", "reply"), _code_and_text(ReplyConcern, "concern reply <reference> <text>"), "help.concern_reply", audience="dei_office", admin_too=False),
    Spec(("concern", "close"), _code_only(CloseConcern, "concern close <reference>"), "help.concern_close", audience="dei_office", admin_too=False),
    Spec(("digest",), _digest, "concerns.help_digest", audience="dei_office", admin_too=False),
)
