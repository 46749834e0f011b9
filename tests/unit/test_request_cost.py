"""What one request asks of the database: who is talking and their roles in one statement, no
empty commits, a listing counted in the statement that lists it; and that none of it changes
what people are told."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date

from sqlalchemy import event, func, select

from bot.groups.directory import search, search_text
from bot.people.identity import identify_with_roles
from bot.types import Inbound, Profile, UserRef
from storage.models import Group, Person, PlatformLink


@contextmanager
def counting(engine):
    """Statements sent and transactions committed on `engine` while the block runs."""
    seen = {"statements": 0, "commits": 0}

    def statement(*_args) -> None:
        seen["statements"] += 1

    def commit(_conn) -> None:
        seen["commits"] += 1

    event.listen(engine.sync_engine, "before_cursor_execute", statement)
    event.listen(engine.sync_engine, "commit", commit)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", statement)
        event.remove(engine.sync_engine, "commit", commit)


async def test_a_known_person_and_their_roles_come_in_one_statement(speaker, district, clock):
    jordan = speaker("jordan.reyes")  # facilitator of LGBTQ+ Educators
    sam = speaker("sam.okafor")  # admin
    await jordan.say("help")
    await sam.say("help")
    async with district.sessions() as session:
        lgbtq = (await session.execute(select(Group.id).where(Group.slug == "lgbtq-educators"))).scalar_one()
        with counting(district.engine) as seen:
            found = await identify_with_roles(session, jordan.actor, jordan.profile, None, clock().date())
        assert seen["statements"] == 1 and not found.changed
        assert found.person.email == "jordan.reyes@district.example"
        assert found.roles.facilitates == frozenset({lgbtq}) and not found.roles.admin and not found.roles.dei_office
        found = await identify_with_roles(session, sam.actor, sam.profile, None, clock().date())
        assert found.roles.admin and not found.roles.facilitates
    maria = speaker("maria.lopez")
    await maria.say("help")
    async with district.sessions() as session:
        found = await identify_with_roles(session, maria.actor, maria.profile, None, clock().date())
        assert found.roles.names() == [] and not found.changed


async def test_a_known_persons_request_commits_once_and_a_first_contact_twice(speaker, district):
    maria = speaker("maria.lopez")
    await maria.say("help")
    with counting(district.engine) as seen:
        reply = await maria.say("groups")
    assert not reply.refused and seen["commits"] == 1
    newcomer = Inbound(actor=UserRef("slack", "T1", "U0NEW"), text="groups", profile=Profile(name="New Person", email="new.person@district.example"))
    with counting(district.engine) as seen:
        reply = await district.bot.handle(newcomer)
    # Finding (creating) the person is committed on its own, before the request itself.
    assert not reply.refused and seen["commits"] == 2


async def test_a_first_contact_is_kept_even_when_its_request_is_refused(district):
    actor = UserRef("slack", "T1", "U0REFUSED")
    reply = await district.bot.handle(Inbound(actor=actor, text="groups members lgbtq-educators", profile=Profile(name="Quinn", email="quinn@district.example")))
    assert reply.refused
    async with district.sessions() as session:
        linked = await session.execute(select(Person.name).join(PlatformLink, PlatformLink.person_id == Person.id).where(PlatformLink.user_id == "U0REFUSED"))
        assert linked.scalars().all() == ["Quinn"]


async def test_roles_granted_before_a_first_contact_count_at_once(district):
    """A facilitator on the roster who first writes from Slack is linked by e-mail and may do
    a facilitator's work in that very request."""
    jordan = UserRef("slack", "T1", "U0JORDAN")
    reply = await district.bot.handle(
        Inbound(actor=jordan, text="groups members lgbtq-educators", profile=Profile(name="Jordan Reyes", email="jordan.reyes@district.example"))
    )
    assert not reply.refused and "Alex" in reply.text and "Members of LGBTQ+ Educators (7)" in reply.text
    maria = UserRef("slack", "T1", "U0MARIA")
    reply = await district.bot.handle(
        Inbound(actor=maria, text="groups members lgbtq-educators", profile=Profile(name="Maria Lopez", email="maria.lopez@district.example"))
    )
    assert reply.refused and "Only a facilitator" in reply.text


async def _add_groups(district, names: list[str], listed: bool = True) -> None:
    async with district.sessions() as session:
        for name in names:
            group = Group(
                slug=name.lower().replace(" ", "-"),
                name=name,
                description=f"{name}, for the bench.",
                kind="interest",
                tags=["robotics"],
                listed=listed,
                join_policy="open",
                eligibility={},
                resources=[],
                active_count=0,
                created_on=date(2026, 9, 1),
            )
            group.search_text = search_text(group)
            session.add(group)
        await session.commit()


async def test_a_listing_counts_every_match_and_shows_the_first_by_name(district, speaker):
    await _add_groups(district, [f"Robotics Club {n:02d}" for n in range(14, 0, -1)])
    await _add_groups(district, ["Robotics Hidden"], listed=False)
    async with district.sessions() as session:
        every = (await session.execute(select(func.count()).select_from(Group).where(Group.listed.is_(True)))).scalar_one()
        with counting(district.engine) as seen:
            shown, total = await search(session, "robotics", 10)
        assert seen["statements"] == 1
        assert [g.name for g in shown] == [f"Robotics Club {n:02d}" for n in range(1, 11)] and total == 14
        shown, total = await search(session, "", 10)
        assert len(shown) == 10 and total == every and "Robotics Hidden" not in [g.name for g in shown]
        shown, total = await search(session, "robotics 07", 10)
        assert [g.name for g in shown] == ["Robotics Club 07"] and total == 1
        # The query's % and _ are letters to look for, not wildcards.
        assert await search(session, "rob%tics", 10) == ([], 0)
        assert await search(session, "robotics_club", 10) == ([], 0)
    reply = await speaker("maria.lopez").say("groups robotics")
    assert "4 more" in reply.text and "Robotics Club 01 (robotics-club-01)" in reply.text and "Robotics Club 11" not in reply.text
