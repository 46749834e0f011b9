"""The `help` command: what this person can do, by their roles."""

from __future__ import annotations

from dataclasses import dataclass

from bot.features import Feature
from bot.parsing import Command, Refusal, command, say, specs_of
from bot.roles import Roles
from bot.turn import Turn
from bot.types import Reply

# Commands for everyone first, then one section per role.
SECTIONS = (("all", "member"), ("facilitator",), ("dei_office",), ("admin",))


@command("help", help="help.help", extra=True)
@dataclass(frozen=True)
class Help(Command):
    pass


def help_text(turn: Turn, roles: Roles) -> str:
    from bot.registry import all_specs

    t = turn.t
    lines = [t("help.title")]
    for audiences in SECTIONS:
        specs = [s for s in all_specs() if s.listed and s.audience in audiences and roles.may_use(s.audience, s.admin_too)]
        if not specs or not roles.holds(audiences[0]):
            continue
        if audiences[0] != "all":
            lines.append("")
            lines.append(t("help.section", role=t(f"roles.{audiences[0]}")))
        lines.extend(f"• {t(s.usage)}" for s in specs)
    lines.append("")
    lines.append(t("help.footer"))
    return "\n".join(lines)


async def show_help(cmd: Help, turn: Turn) -> Reply:
    return Reply(text=help_text(turn, turn.roles))


def refusal_reply(refusal: Refusal, turn: Turn) -> Reply:
    """The sentence for input the bot cannot act on, with the help list when it would help."""
    text = say(refusal, turn.t)
    if refusal.show_help:
        text = f"{text}\n\n{help_text(turn, turn.roles)}"
    return Reply(text=text, refused=True)


FEATURE = Feature(name="help", specs=specs_of(Help), handlers={Help: show_help})
