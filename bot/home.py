"""Events that are not commands: a person appearing, and a person opening the bot's home view."""

from __future__ import annotations

from sqlalchemy import select

from bot.cards import card_reply
from bot.features import Feature
from bot.groups.commands import ListGroups, MyGroups
from bot.onboarding import start_journey
from bot.parsing import line
from bot.people.commands import Privacy, ShowSettings
from bot.turn import Turn
from bot.types import Button, Card, Fact, Reply
from storage.models import Group, Membership

PERSON_APPEARED = "person_appeared"
HOME_OPENED = "home_opened"


async def person_appeared(turn: Turn) -> Reply | None:
    """Someone is in the workspace: the core has already identified (and linked) them.

    New staff start their onboarding journey here, and its welcome is queued for working hours;
    nothing is said in reply, so a team's channel never hears who joined.
    """
    await start_journey(turn.session, turn.settings, turn.person, source=turn.inbound.actor.platform, now=turn.now)
    return None


async def home_opened(turn: Turn) -> Reply:
    """The person's own overview: their groups, and buttons to discover and to change settings."""
    t = turn.t
    rows = (
        await turn.session.execute(
            select(Group.name, Group.slug, Membership.status)
            .join(Membership, Membership.group_id == Group.id)
            .where(Membership.person_id == turn.person.id, Membership.status != "left")
            .order_by(Group.name)
        )
    ).all()
    fields = tuple(Fact(name, t("groups.status_" + status)) for name, slug, status in rows)
    return card_reply(
        Card(
            title=t("home.title", name=turn.person.name),
            body=t("home.intro") if not rows else t("home.your_groups"),
            fields=fields,
            actions=(
                Button(t("home.button_discover"), line(ListGroups()), style="primary"),
                Button(t("home.button_mine"), line(MyGroups())),
                Button(t("home.button_settings"), line(ShowSettings())),
                Button(t("home.button_privacy"), line(Privacy())),
            ),
        ),
        ephemeral=False,
    )


FEATURE = Feature(name="home", events={PERSON_APPEARED: person_appeared, HOME_OPENED: home_opened})
