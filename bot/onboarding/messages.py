"""What each onboarding step says: the welcome with the groups a person may join, and the rest."""

from __future__ import annotations

from datetime import date
from itertools import islice
from typing import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cards import card_reply
from bot.catalogue import Translator
from bot.concerns.commands import OpenConcernForm
from bot.groups.commands import JoinGroup, ListGroups
from bot.groups.directory import fold, ineligible
from bot.mentoring.commands import JoinMentoring
from bot.onboarding.commands import StopOnboarding
from bot.onboarding.steps import Step
from bot.parsing import Command, Refusal, line, parse
from bot.types import Button, Card, Reply
from storage.models import Group, Membership, Person

#: How many groups the welcome shows; `groups` lists the rest.
WELCOME_GROUPS = 8
STOP_COMMAND = line(StopOnboarding())
_CHUNK = 1000


def first_name(person: Person) -> str:
    return (person.name or "").split(" ")[0]


async def listed_groups(session: AsyncSession) -> list[Group]:
    """Every listed group, by name: loaded once for a whole run of welcomes."""
    groups = (await session.execute(select(Group).where(Group.listed.is_(True)))).scalars()
    return sorted(groups, key=lambda g: fold(g.name))


async def groups_taken(session: AsyncSession, person_ids: Sequence[int]) -> dict[int, set[int]]:
    """The groups each person belongs to or asked to join, for many people in a few queries."""
    taken: dict[int, set[int]] = {}
    ids = sorted(set(person_ids))
    for start in range(0, len(ids), _CHUNK):
        rows = await session.execute(
            select(Membership.person_id, Membership.group_id).where(
                Membership.person_id.in_(ids[start : start + _CHUNK]), Membership.status.in_(("active", "pending"))
            )
        )
        for person_id, group_id in rows:
            taken.setdefault(person_id, set()).add(group_id)
    return taken


def groups_to_offer(person: Person, today: date, listed: Sequence[Group], taken: set[int], limit: int = WELCOME_GROUPS) -> list[Group]:
    """Up to `limit` listed groups, by name, that the person may join and has not joined or asked
    to: never one they cannot."""
    fitting = (g for g in listed if g.id not in taken and ineligible(person, g, today) is None)
    return list(islice(fitting, limit))


def answered(command: Command) -> bool:
    """Whether the bot answers `command`, so a button never offers what it cannot do."""
    from bot.registry import all_specs

    return not isinstance(parse(line(command), all_specs()), Refusal)


def step_reply(step: Step, person: Person, offered: Sequence[Group] = ()) -> Reply:
    """The message of one step, in the person's language, ending with a way to stop them all.

    `offered` are the groups a welcome lists, each with its Join button.
    """
    t = Translator(person.language)
    name = first_name(person)
    body = step.body(t.language, name)
    sections: tuple[Card, ...] = ()
    actions: list[Button] = []
    if step.name == "welcome":
        sections = tuple(
            Card(
                title=group.name,
                body=group.description,
                actions=(Button(t("groups.button_join"), line(JoinGroup(group.slug)), style="primary"),),
            )
            for group in offered
        )
        if not offered:
            body = f"{body}\n\n{t('onboarding.welcome_no_groups')}"
        actions.append(Button(t("onboarding.button_groups"), line(ListGroups())))
    elif step.name == "mentoring":
        if answered(JoinMentoring("mentee")):
            actions.append(Button(t("onboarding.button_mentor"), line(JoinMentoring("mentee")), style="primary"))
    elif step.name == "checkin":
        actions.append(Button(t("onboarding.button_groups"), line(ListGroups())))
        if answered(OpenConcernForm()):
            actions.append(Button(t("onboarding.button_concern"), line(OpenConcernForm())))
    actions.append(Button(t("onboarding.button_stop"), STOP_COMMAND))
    title = t(f"onboarding.{step.name}_title", name=name) if step.built_in else t("onboarding.note_title")
    footer = t("onboarding.footer")
    if sections:
        # After the list of groups, so the buttons for all of them come last, as one reads.
        card = Card(title=title, body=body, sections=(*sections, Card(title="", body=footer, actions=tuple(actions))))
    else:
        card = Card(title=title, body=f"{body}\n\n{footer}", actions=tuple(actions))
    return card_reply(card, ephemeral=False)
