"""The words of the `groups` commands and what they carry."""

from __future__ import annotations

from dataclasses import dataclass

from bot.parsing import Args, Command, Refusal, Spec, close_word, no_args, one_arg

SUBCOMMANDS = ("list", "info", "join", "leave", "mine", "members", "approve", "decline", "invite", "intros", "health")


@dataclass(frozen=True)
class ListGroups(Command):
    query: str = ""


@dataclass(frozen=True)
class GroupInfo(Command):
    group: str


@dataclass(frozen=True)
class JoinGroup(Command):
    group: str
    confirmed: bool = False


@dataclass(frozen=True)
class LeaveGroup(Command):
    group: str


@dataclass(frozen=True)
class MyGroups(Command):
    pass


@dataclass(frozen=True)
class GroupMembers(Command):
    group: str


@dataclass(frozen=True)
class DecideRequest(Command):
    group: str
    person: str
    approve: bool


@dataclass(frozen=True)
class GroupHealth(Command):
    pass


def _list(args: Args) -> Command | Refusal:
    return ListGroups(" ".join(args.words))


def misspelt_subcommand(query: str) -> str | None:
    """`groups joni x` finds no group; the person probably meant `groups join`."""
    words = query.split()
    return close_word(words[0], SUBCOMMANDS) if words else None


def _decide(approve: bool):
    usage = "groups approve <group> <person>" if approve else "groups decline <group> <person>"

    def build(args: Args) -> Command | Refusal:
        if len(args.words) < 2:
            return Refusal("errors.missing_group_and_person", {"usage": usage})
        return DecideRequest(group=args.words[0], person=" ".join(args.words[1:]), approve=approve)

    return build


SPECS = (
    Spec(("groups",), _list, "help.groups"),
    Spec(("groups", "list"), lambda a: ListGroups(" ".join(a.words)), "help.groups_list", listed=False),
    Spec(("groups", "info"), one_arg(lambda g, a: GroupInfo(g), "groups info <group>"), "help.groups_info"),
    Spec(("groups", "join"), one_arg(lambda g, a: JoinGroup(g, confirmed="--yes" in a.flags), "groups join <group>"), "help.groups_join"),
    Spec(("groups", "leave"), one_arg(lambda g, a: LeaveGroup(g), "groups leave <group>"), "help.groups_leave", audience="member"),
    Spec(("groups", "mine"), no_args(MyGroups, "groups mine"), "help.groups_mine"),
    Spec(("groups", "members"), one_arg(lambda g, a: GroupMembers(g), "groups members <group>"), "help.groups_members", audience="facilitator"),
    Spec(("groups", "approve"), _decide(True), "help.groups_approve", audience="facilitator"),
    Spec(("groups", "decline"), _decide(False), "help.groups_decline", audience="facilitator"),
    Spec(("groups", "health"), no_args(GroupHealth, "groups health"), "help.groups_health", audience="admin"),
)
