"""The words of the `groups` commands and what they carry."""

from __future__ import annotations

from dataclasses import dataclass

from bot.parsing import Command, command, flag, form, rest, specs_of, word


@command(forms=(form("groups", help="help.groups"), form("groups", "list", help="help.groups_list", listed=False)), help="help.groups")
@dataclass(frozen=True)
class ListGroups(Command):
    query: str = rest(default="", label="words")


@command("groups", "info", help="help.groups_info", refusal="errors.missing_group")
@dataclass(frozen=True)
class GroupInfo(Command):
    group: str = rest()


@command("groups", "join", help="help.groups_join", refusal="errors.missing_group")
@dataclass(frozen=True)
class JoinGroup(Command):
    group: str = rest()
    confirmed: bool = flag("--yes", shown=False)


@command("groups", "leave", help="help.groups_leave", refusal="errors.missing_group", audience="member")
@dataclass(frozen=True)
class LeaveGroup(Command):
    group: str = rest()


@command("groups", "mine", help="help.groups_mine")
@dataclass(frozen=True)
class MyGroups(Command):
    pass


@command("groups", "members", help="help.groups_members", refusal="errors.missing_group", audience="facilitator")
@dataclass(frozen=True)
class GroupMembers(Command):
    group: str = rest()


@command(
    forms=(form("groups", "approve", help="help.groups_approve", approve=True), form("groups", "decline", help="help.groups_decline", approve=False)),
    help="help.groups_approve",
    refusal="errors.missing_group_and_person",
    audience="facilitator",
)
@dataclass(frozen=True)
class DecideRequest(Command):
    group: str = word()
    person: str = rest()
    approve: bool


@command("groups", "health", help="help.groups_health", audience="admin")
@dataclass(frozen=True)
class GroupHealth(Command):
    pass


SPECS = specs_of(ListGroups, GroupInfo, JoinGroup, LeaveGroup, MyGroups, GroupMembers, DecideRequest, GroupHealth)
