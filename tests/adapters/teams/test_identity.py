"""One person on two platforms: the Teams identity joins the person with the same e-mail.

The other platform here is the console adapter (a second, non-Teams identity with the same
e-mail); the Slack adapter links the same way, by the e-mail Slack reports.
"""

from __future__ import annotations

from sqlalchemy import func, select

from bot.catalogue import Translator
from storage.models import Person, PlatformLink
from tests.adapters.teams.replies import card_of, text_of

t = Translator("en")


async def test_memberships_follow_the_person_across_platforms(teams, speaker, district):
    console = speaker("maria.lopez")
    await console.say("groups join lgbtq-educators")
    await console.say("yes")

    [mine] = await teams.say("groups mine")
    facts = {f["title"]: f["value"] for f in card_of(mine)["body"][1]["facts"]}
    assert facts == {"LGBTQ+ Educators": t("groups.status_active")}

    # Joined in Teams (by the card's buttons), seen from the other platform.
    await teams.say("groups join new-teachers --yes")
    reply = await console.say("groups mine")
    assert "LGBTQ+ Educators" in reply.text and "New Teachers Circle" in reply.text

    async with district.sessions() as session:
        people = (await session.execute(select(func.count()).select_from(Person).where(Person.email == "maria.lopez@district.example"))).scalar()
        platforms = (
            await session.execute(
                select(PlatformLink.platform).join(Person, Person.id == PlatformLink.person_id).where(Person.email == "maria.lopez@district.example")
            )
        ).scalars().all()
    assert people == 1
    assert sorted(platforms) == ["console", "teams"]


async def test_settings_made_in_teams_hold_on_the_other_platform(teams, speaker):
    await teams.say("settings dm off")
    reply = await speaker("maria.lopez").say("settings")
    fields = {f.label: f.value for f in reply.card.fields}
    assert fields[t("settings.field_dm")] == t("common.off")


async def test_leaving_in_one_place_leaves_everywhere(teams, speaker):
    console = speaker("maria.lopez")
    await console.say("groups join lgbtq-educators --yes")
    [left] = await teams.say("groups leave lgbtq-educators")
    assert text_of(left) == t("groups.left", group="LGBTQ+ Educators")
    assert (await console.say("groups mine")).text == t("groups.mine_none")
