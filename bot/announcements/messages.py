"""What members and channels receive: an announcement, and an invitation to join a group."""

from __future__ import annotations

from bot.catalogue import Translator
from bot.groups.commands import GroupInfo, JoinGroup
from bot.parsing import line
from bot.types import Button, Card
from storage.models import Group, Person


def member_card(t: Translator, group: Group, text: str) -> Card:
    """An announcement as one member gets it in a direct message."""
    footer = t("announcements.member_footer", group=group.name, slug=group.slug)
    return Card(title=t("announcements.title", group=group.name), body=f"{text}\n\n{footer}")


def channel_card(t: Translator, group: Group, text: str) -> Card:
    """The same announcement posted in one of the group's channels."""
    footer = t("announcements.channel_footer", slug=group.slug)
    return Card(title=t("announcements.title", group=group.name), body=f"{text}\n\n{footer}")


def invitation_card(t: Translator, group: Group, facilitator: Person) -> Card:
    """An invitation: Join runs `groups join`, which still asks the person to confirm."""
    body = t("announcements.invite_body", facilitator=facilitator.name, group=group.name)
    if group.description:
        body = f"{group.description}\n\n{body}"
    return Card(
        title=t("announcements.invite_title", group=group.name),
        body=body,
        actions=(
            Button(t("groups.button_join"), line(JoinGroup(group.slug)), style="primary"),
            Button(t("groups.button_info"), line(GroupInfo(group.slug))),
        ),
    )
