"""The words of the `concern` commands: filing, following up, and the DEI office's handling."""

from __future__ import annotations

from dataclasses import dataclass

from bot.parsing import Command, command, line, flag, rest, specs_of, text, word
from bot.readers import Choice

FILE_FORM = "concern.file"
#: `concern status` without a code: a form asking for it, so the code can be given where the
#: answer is shown (Teams' dialog) rather than typed into a chat.
STATUS_FORM = "concern.status"
MAX_CONCERN_TEXT = 4000
_TEXT = {"most": MAX_CONCERN_TEXT, "too_long": "concerns.too_long", "worded": True}


@command("concern", help="help.concern", extra=True)
@dataclass(frozen=True)
class OpenConcernForm(Command):
    pass


# A code may be typed with spaces between its groups: every word is kept, joined.
@command("concern", "status", help="help.concern_status", refusal="concerns.missing_code")
@dataclass(frozen=True)
class ConcernStatus(Command):
    code: str = rest(join="", default="")  # none typed: a form asks for it (AskCaseCode)


@dataclass(frozen=True)
class AskCaseCode(Command):
    """The form that asks for a case code; reached by `concern status` with no code."""


@command("concern", "followup", help="help.concern_followup", refusal="concerns.missing_code_and_text")
@dataclass(frozen=True)
class ConcernFollowup(Command):
    code: str = word()
    text: str = text(**_TEXT)


@command("concern", "list", help="help.concern_list", refusal="concerns.list_usage", audience="dei_office", admin_too=False)
@dataclass(frozen=True)
class ListConcerns(Command):
    include_closed: bool = word(Choice(words={"open": False, "all": True}, shown=("open", "all")), default=False)


@command("concern", "view", help="help.concern_view", refusal="concerns.missing_code", audience="dei_office", admin_too=False)
@dataclass(frozen=True)
class ViewConcern(Command):
    handle: str = rest(join="", label="reference")


@command("concern", "reply", help="help.concern_reply", refusal="concerns.missing_code_and_text", audience="dei_office", admin_too=False)
@dataclass(frozen=True)
class ReplyConcern(Command):
    handle: str = word(label="reference")
    text: str = text(**_TEXT)


@command("concern", "close", help="help.concern_close", refusal="concerns.missing_code", audience="dei_office", admin_too=False)
@dataclass(frozen=True)
class CloseConcern(Command):
    handle: str = rest(join="", label="reference")


@command("digest", help="concerns.help_digest", refusal="concerns.digest_usage", audience="dei_office", strict_flags=True, admin_too=False)
@dataclass(frozen=True)
class ShowDigest(Command):
    dry_run: bool = flag("--dry-run")


SPECS = specs_of(OpenConcernForm, ConcernStatus, ConcernFollowup, ListConcerns, ViewConcern, ReplyConcern, CloseConcern, ShowDigest)

#: The commands that open a concern's answers again, with nothing secret in them (Reply.dialog).
FILE_DIALOG = line(OpenConcernForm())
STATUS_DIALOG = line(ConcernStatus())
