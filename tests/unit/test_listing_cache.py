"""The in-process copy of listings and of who is asking (bot/groups/cache.py): used only while the
database's generation says it is current, never stale after the process's own writes, never
staler than the check interval for anyone else's, and never one person's for another."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import select, text, update

from bot.bootstrap import open_runtime
from bot.core import Bot
from bot.types import RUN_COMMAND, Action, Inbound
from storage.engine import is_sqlite
from storage.models import Group, Meeting, Person
from storage.models.groups import CacheGeneration
from tests.support.talk import Speaker
from tests.unit.test_request_cost import counting

CHECK = timedelta(milliseconds=250)  # the default AFFINITY_CACHE_CHECK_MS


def _uncached(runtime) -> Bot:
    """The same bot on the same database with nothing kept in memory: the answer to match."""
    return Bot(runtime.sessions, replace(runtime.settings, cache_check_ms=0), runtime.clock)


async def _other_process(runtime):
    """A second runtime with its own engine on the same database, as another process would be."""
    return await open_runtime(runtime.settings, runtime.clock)


async def _generation(runtime) -> tuple[int, int]:
    async with runtime.sessions() as session:
        row = (await session.execute(select(CacheGeneration.listing, CacheGeneration.people))).one()
        return int(row[0]), int(row[1])


def _listed_names(reply) -> list[str]:
    return [section.title for section in reply.card.sections] if reply.card else []


async def test_a_repeated_listing_is_answered_from_memory(district, speaker):
    maria = speaker("maria.lopez")
    await maria.say("help")  # a first contact: linked to the roster by e-mail
    first = await maria.say("groups")  # read from the database, and kept
    assert not first.refused and len(first.card.sections) == 7  # not Black Administrators: she is a teacher
    assert await maria.say("groups") == first  # kept; the generation is read once
    with counting(district.engine) as seen:
        again = await maria.say("groups")
        pressed = await district.bot.handle(Inbound(actor=maria.actor, action=Action(RUN_COMMAND, "groups"), profile=maria.profile))
    assert seen["statements"] == 0 and seen["commits"] == 0
    assert again == first and pressed == first
    assert district.bot.cache.hits >= 3


async def test_other_commands_and_other_people_are_not_answered_from_memory(district, speaker):
    maria, luis = speaker("maria.lopez"), speaker("luis.hernandez")
    await maria.say("groups")
    await maria.say("groups")
    with counting(district.engine) as seen:
        await maria.say("groups mine")
    assert seen["statements"] > 0
    # Luis has never been seen by this process: nothing kept about him, whatever Maria asked.
    with counting(district.engine) as seen:
        reply = await luis.say("groups")
    assert seen["statements"] > 0 and reply == await _uncached(district).handle(Inbound(actor=luis.actor, text="groups", profile=luis.profile))


async def test_someone_not_yet_kept_gets_a_kept_listing_after_one_statement(district, speaker):
    # Priya, like Maria, is a teacher who started recently (at another site, on another day): the
    # rules offer them the same groups, so the same kept listing is theirs.
    maria, jordan = speaker("maria.lopez"), speaker("priya.shah")
    await maria.say("help")
    await jordan.say("help")
    listing = await maria.say("groups")
    with counting(district.engine) as seen:
        theirs = await jordan.say("groups")  # who Priya is, with the generation: nothing else
    assert seen["statements"] == 1 and seen["commits"] <= 1
    assert theirs == await _uncached(district).handle(Inbound(actor=jordan.actor, text="groups", profile=jordan.profile))
    # The same kept listing, without Join on the groups that are already hers.
    assert [sec.title for sec in theirs.card.sections] == [sec.title for sec in listing.card.sections]
    assert _joins(theirs) <= _joins(listing)


async def test_each_person_gets_the_answer_for_their_own_language_and_zone(district, speaker):
    maria, luis = speaker("maria.lopez"), speaker("luis.hernandez")
    await luis.say("settings language es")
    english = await maria.say("groups")
    spanish = await luis.say("groups")
    assert english != spanish
    assert await maria.say("groups") == english and await luis.say("groups") == spanish
    reference = _uncached(district)
    for who in (maria, luis):
        assert await who.say("groups") == await reference.handle(Inbound(actor=who.actor, text="groups", profile=who.profile))


async def test_own_writes_are_seen_at_once(district, speaker):
    maria = speaker("maria.lopez")
    before = await maria.say("groups")
    await maria.say("groups")
    assert not (await maria.say("groups join lgbtq-educators --yes")).refused
    after = await maria.say("groups")  # the clock has not moved
    assert after != before and "Members: 8" in after.text
    reference = _uncached(district)
    assert after == await reference.handle(Inbound(actor=maria.actor, text="groups", profile=maria.profile))
    # A write through the same database engine that is not a request counts as well.
    async with district.sessions() as session:
        await session.execute(update(Group).where(Group.slug == "veteran-educators").values(listed=False))
        await session.commit()
    hidden = await maria.say("groups")
    assert "Veteran Educators (veteran-educators)" not in _listed_names(hidden) and len(hidden.card.sections) == 6


async def test_a_change_made_by_another_process_is_seen_within_the_check_interval(district, speaker, clock):
    other = await _other_process(district)
    try:
        maria_here = speaker("maria.lopez")
        maria_there = Speaker(other, "maria.lopez@district.example")
        await maria_here.say("help")  # a first contact
        kept = await maria_here.say("groups")  # read from the database, and kept
        assert await maria_here.say("groups") == kept  # the generation is read now
        assert "Veteran Educators (veteran-educators)" in _listed_names(kept)
        # Another process unlists a group and Maria joins one there.
        async with other.sessions() as session:
            await session.execute(update(Group).where(Group.slug == "veteran-educators").values(listed=False))
            await session.commit()
        assert not (await maria_there.say("groups join lgbtq-educators --yes")).refused
        # Within the interval this process may still answer from its copy: that is the bound.
        clock.advance(milliseconds=CHECK / timedelta(milliseconds=1) - 1)
        assert await maria_here.say("groups") == kept
        clock.advance(milliseconds=1)
        now = await maria_here.say("groups")
        assert "Veteran Educators (veteran-educators)" not in _listed_names(now) and "Members: 8" in now.text
        assert now == await _uncached(district).handle(Inbound(actor=maria_here.actor, text="groups", profile=maria_here.profile))
        # Leaving there: the count here follows within the interval.
        assert not (await maria_there.say("groups leave lgbtq-educators")).refused
        clock.advance(milliseconds=CHECK / timedelta(milliseconds=1))
        assert "Members: 7" in (await maria_here.say("groups")).text
    finally:
        await other.close()


async def test_a_person_changed_or_forgotten_elsewhere_is_not_answered_from_memory(district, speaker, clock):
    other = await _other_process(district)
    try:
        maria = speaker("maria.lopez")
        await maria.say("groups")
        await maria.say("groups")
        english = await maria.say("groups")
        await Speaker(other, "maria.lopez@district.example").say("settings language es")
        clock.advance(milliseconds=CHECK / timedelta(milliseconds=1))
        spanish = await maria.say("groups")
        assert spanish != english
        assert spanish == await _uncached(district).handle(Inbound(actor=maria.actor, text="groups", profile=maria.profile))
        forgotten = district.bot.cache.person(maria.actor).person_id
        async with other.sessions() as session:
            await session.execute(text("DELETE FROM person WHERE email = 'maria.lopez@district.example'"))
            await session.commit()
        clock.advance(milliseconds=CHECK / timedelta(milliseconds=1))
        before = district.bot.cache.hits
        await district.bot.cache.generations.current()  # the next check, as any kept answer makes
        assert all(known.person_id != forgotten for known in district.bot.cache.people.values())
        await maria.say("groups")
        assert district.bot.cache.hits == before  # identified afresh (a first contact again)
        async with district.sessions() as session:
            again = (await session.execute(select(Person.language).where(Person.email == "maria.lopez@district.example"))).scalar_one()
        assert again == "en"
    finally:
        await other.close()


async def test_a_kept_listing_ends_when_a_shown_meeting_takes_place(district, speaker, clock):
    maria = speaker("maria.lopez")
    start = clock() + timedelta(minutes=30)
    async with district.sessions() as session:
        group_id = (await session.execute(select(Group.id).where(Group.slug == "parents-on-staff"))).scalar_one()
        local = start.astimezone(district.settings.timezone).replace(tzinfo=None, second=0, microsecond=0)
        session.add(Meeting(group_id=group_id, local_start=local, timezone="America/Chicago", recurrence="once", location="Library", created_at=clock()))
        await session.commit()
    first = await maria.say("groups")
    assert await maria.say("groups") == first
    clock.advance(minutes=31)  # the meeting has begun: it is no longer "next"
    later = await maria.say("groups")
    assert later != first
    assert later == await _uncached(district).handle(Inbound(actor=maria.actor, text="groups", profile=maria.profile))


async def test_every_watched_write_raises_its_counter_and_a_pending_answer_does_not(district, speaker):
    maria = speaker("maria.lopez")
    await maria.say("help")
    listing, people = await _generation(district)
    await maria.say("groups join lgbtq-educators")  # asks "yes?": only the pending answer is written
    assert await _generation(district) == (listing, people)
    await maria.say("groups join lgbtq-educators --yes")
    assert (await _generation(district))[0] > listing
    listing, people = await _generation(district)
    await maria.say("settings language es")
    after = await _generation(district)
    assert after[0] == listing and after[1] > people
    async with district.sessions() as session:
        group_id = (await session.execute(select(Group.id).where(Group.slug == "parents-on-staff"))).scalar_one()
        for statement in (
            f"INSERT INTO meeting (group_id, local_start, timezone, recurrence, duration_minutes, location, created_at) VALUES ({group_id}, '2026-10-01 16:00:00', 'America/Chicago', 'weekly', 60, '', '2026-09-14 15:00:00')",
            "UPDATE meeting SET location = 'Room 4'",
            "INSERT INTO meeting_skip (meeting_id, occurs_at, cancelled_at) SELECT id, '2026-10-08 21:00:00', '2026-09-14 15:00:00' FROM meeting",
            "DELETE FROM meeting_skip",
            "UPDATE affinity_group SET description = 'x' WHERE slug = 'parents-on-staff'",
            "UPDATE membership SET dm_ok = false WHERE id = (SELECT min(id) FROM membership)",
        ):
            assert await _raised_by(district, session, statement) == (True, False), statement
        for statement in (
            "UPDATE person SET timezone = 'America/New_York' WHERE email = 'maria.lopez@district.example'",
            "UPDATE person SET email = email WHERE email = 'maria.lopez@district.example'",
            "UPDATE role_grant SET granted_on = granted_on WHERE id = (SELECT min(id) FROM role_grant)",
            "UPDATE platform_link SET tenant = tenant WHERE id = (SELECT min(id) FROM platform_link)",
        ):
            assert await _raised_by(district, session, statement) == (False, True), statement
        # Roster facts eligibility reads: which groups a listing offers the person.
        for statement in (
            "UPDATE person SET site = 'Elsewhere' WHERE email = 'maria.lopez@district.example'",
            "UPDATE person SET job_role = 'coach' WHERE email = 'maria.lopez@district.example'",
            "UPDATE person SET start_date = '2026-01-05' WHERE email = 'maria.lopez@district.example'",
        ):
            assert await _raised_by(district, session, statement) == (False, True), statement
        # What no kept copy holds: other roster details, settings, the pending answer, a new link.
        before = await _generation(district)
        for statement in (
            "UPDATE person SET name = 'M. Lopez', supervisor_id = NULL, dm_ok = false WHERE email = 'maria.lopez@district.example'",
            "UPDATE person SET pending_command = 'groups', pending_until = NULL",
            "INSERT INTO platform_link (person_id, platform, tenant, user_id) SELECT id, 'teams', 't', 'u' FROM person WHERE email = 'maria.lopez@district.example'",
        ):
            await session.execute(text(statement))
            await session.commit()
        assert await _generation(district) == before
        await session.execute(text("UPDATE person SET pending_command = 'x', pending_until = NULL"))
        await session.rollback()
        await session.execute(update(Group).values(listed=True))
        await session.rollback()
        assert await _generation(district) == before  # rolled back: nothing counted


async def _raised_by(district, session, statement: str) -> tuple[bool, bool]:
    """Which counters (listing, people) one committed statement raised."""
    before = await _generation(district)
    await session.execute(text(statement))
    await session.commit()
    after = await _generation(district)
    return after[0] > before[0], after[1] > before[1]


async def test_the_person_trigger_covers_every_fact_kept_about_a_person():
    """A fact added to `Known` must have its column in the trigger (in a migration)."""
    import dataclasses
    import importlib

    from bot.groups.cache import Known

    migration = importlib.import_module("storage.migrations.versions.0013_eligibility_facts")
    kept = {f.name for f in dataclasses.fields(Known)}
    assert kept == {"person_id", "language", "timezone", "has_email", "roster", "people", "own_groups", "listing"}
    # Their own groups come from memberships and group slugs (the `listing` generation, kept with
    # them as `listing`) and from facilitator grants (the `people` generation).
    generations = importlib.import_module("storage.migrations.versions.0009_cache_generation")
    assert {"affinity_group", "membership"} <= set(generations.LISTING_TABLES) and "role_grant" in generations.PEOPLE_TABLES
    # The roster facts are the job role, site and start date (bot/groups/directory.py not_eligible).
    assert {"language", "timezone", "email", "job_role", "site", "start_date"} <= set(migration.PERSON_COLUMNS)


async def test_triggers_are_in_place_on_every_watched_table(runtime):
    import importlib

    migration = importlib.import_module("storage.migrations.versions.0009_cache_generation")
    async with runtime.engine.connect() as conn:
        if is_sqlite(runtime.engine):
            rows = await conn.execute(text("SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'cache_gen_%'"))
        else:
            rows = await conn.execute(text("SELECT DISTINCT event_object_table FROM information_schema.triggers WHERE trigger_name LIKE 'cache_gen_%'"))
        tables = {r[0] for r in rows}
    assert tables >= {*migration.LISTING_TABLES, *migration.PEOPLE_TABLES, "platform_link", "person"}


async def test_the_generation_is_read_once_per_interval_and_once_for_everyone_waiting(district, clock):
    generations = district.bot.cache.generations
    reads = generations.reads
    found = await asyncio.gather(*(generations.current() for _ in range(20)))
    assert generations.reads == reads + 1 and len(set(found)) == 1 and found[0] == await _generation(district)
    clock.advance(milliseconds=CHECK / timedelta(milliseconds=1) - 1)
    await generations.current()
    assert generations.reads == reads + 1
    clock.advance(milliseconds=1)
    await generations.current()
    assert generations.reads == reads + 2
    # A write committed through this process's engine: read again at once, and the change seen.
    touch = text("UPDATE affinity_group SET description = description WHERE slug = 'lgbtq-educators'")
    before = await generations.current()
    async with district.engine.begin() as conn:
        await conn.execute(touch)
    after = await generations.current()
    assert generations.reads == reads + 3 and after[0] > before[0]
    # A connection kept after its commit: counted at its next statement.
    async with district.engine.connect() as conn:
        await conn.execute(touch)
        await conn.commit()
        await conn.execute(text("SELECT 1"))
        assert (await generations.current())[0] > after[0]
    # A read-only transaction is not a write.
    reads = generations.reads
    async with district.engine.begin() as conn:
        await conn.execute(text("SELECT count(*) FROM affinity_group"))
    await generations.current()
    assert generations.reads == reads


# --- the property: cached answers are the uncached ones, within the bound -------------------------

PEOPLE = ("maria.lopez", "luis.hernandez", "jordan.reyes", "sam.okafor")
SLUGS = ("lgbtq-educators", "parents-on-staff", "veteran-educators", "bilingual-staff")
QUERIES = ("", "educators", "bilingue", "parents", "zzz")

_step = st.one_of(
    st.tuples(st.just("list"), st.sampled_from(PEOPLE), st.sampled_from(QUERIES)),
    st.tuples(st.just("join"), st.booleans(), st.sampled_from(PEOPLE), st.sampled_from(SLUGS)),
    st.tuples(st.just("leave"), st.booleans(), st.sampled_from(PEOPLE), st.sampled_from(SLUGS)),
    st.tuples(st.just("language"), st.booleans(), st.sampled_from(PEOPLE), st.sampled_from(("en", "es"))),
    st.tuples(st.just("listed"), st.booleans(), st.sampled_from(SLUGS), st.booleans()),
    st.tuples(st.just("meeting"), st.booleans(), st.sampled_from(SLUGS), st.integers(min_value=1, max_value=400)),
    st.tuples(st.just("cancel"), st.booleans(), st.sampled_from(SLUGS)),
    st.tuples(st.just("time"), st.integers(min_value=0, max_value=3 * 24 * 3600)),
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(_step, min_size=1, max_size=12))
async def test_property_kept_answers_are_the_uncached_answers(district, clock, steps):
    """Any mix of writes here and elsewhere: after this process's own writes the kept answer is
    the uncached one at once; after anyone's, once the check interval has passed."""
    if not hasattr(district, "other"):
        district.other = await _other_process(district)
        district.reference = _uncached(district)
    other, reference = district.other, district.reference
    here = {p: Speaker(district, f"{p}@district.example") for p in PEOPLE}
    there = {p: Speaker(other, f"{p}@district.example") for p in PEOPLE}
    for speaker in here.values():
        await speaker.say("help")

    async def check(who: str, query: str) -> None:
        speaker = here[who]
        inbound = Inbound(actor=speaker.actor, text=f"groups {query}".strip(), profile=speaker.profile)
        assert await district.bot.handle(inbound) == await reference.handle(inbound), (who, query)

    async def write(runtime, statement, **params) -> None:
        async with runtime.sessions() as session:
            await session.execute(text(statement), params)
            await session.commit()

    try:
        for step in steps:
            kind = step[0]
            if kind == "list":
                await check(step[1], step[2])
                continue
            if kind == "time":
                clock.advance(seconds=step[1])
                await check("maria.lopez", "")
                continue
            mine = step[1]
            runtime, people = (district, here) if mine else (other, there)
            if kind == "join":
                await people[step[2]].say(f"groups join {step[3]} --yes")
            elif kind == "leave":
                await people[step[2]].say(f"groups leave {step[3]}")
            elif kind == "language":
                await people[step[2]].say(f"settings language {step[3]}")
            elif kind == "listed":
                await write(runtime, "UPDATE affinity_group SET listed = :listed WHERE slug = :slug", listed=step[3], slug=step[2])
            elif kind == "meeting":
                local = (clock() + timedelta(hours=step[3])).astimezone(district.settings.timezone).replace(tzinfo=None, minute=0, second=0, microsecond=0)
                async with runtime.sessions() as session:
                    group_id = (await session.execute(select(Group.id).where(Group.slug == step[2]))).scalar_one()
                    session.add(Meeting(group_id=group_id, local_start=local, timezone="America/Chicago", recurrence="weekly" if step[3] % 2 else "once", location="", created_at=clock()))
                    await session.commit()
            elif kind == "cancel":
                async with runtime.sessions() as session:
                    group_id = (await session.execute(select(Group.id).where(Group.slug == step[2]))).scalar_one()
                    await session.execute(update(Meeting).where(Meeting.group_id == group_id).values(cancelled_at=clock()))
                    await session.commit()
            if mine:
                for who in PEOPLE:
                    await check(who, "")  # own writes: at once, the clock not moved
            clock.advance(milliseconds=CHECK / timedelta(milliseconds=1))
            for who in PEOPLE:
                for query in ("", "educators"):
                    await check(who, query)
            # Nothing written since: the same questions again are answered from memory, alike.
            hits = district.bot.cache.hits
            for who in PEOPLE:
                for query in ("", "educators"):
                    await check(who, query)
            assert district.bot.cache.hits == hits + 2 * len(PEOPLE)
    finally:
        pass  # the other runtime lives as long as the database; it closes with the test below


async def test_zero_interval_keeps_nothing(database_url, clock, tmp_path):
    from bot.bootstrap import seed_demo
    from bot.config import Settings

    runtime = await open_runtime(Settings(database_url=database_url, cache_check_ms=0), clock)
    try:
        await seed_demo(runtime, tmp_path)
        assert runtime.bot.cache is None
        maria = Speaker(runtime, "maria.lopez@district.example")
        await maria.say("groups")
        with counting(runtime.engine) as seen:
            await maria.say("groups")
        assert seen["statements"] > 0
    finally:
        await runtime.close()


def test_the_setting_is_read_and_checked():
    import pytest

    from bot.config import ConfigError, Settings

    assert Settings.from_env({}).cache_check_ms == 250
    assert Settings.from_env({"AFFINITY_CACHE_CHECK_MS": "0"}).cache_check_ms == 0
    with pytest.raises(ConfigError, match="AFFINITY_CACHE_CHECK_MS"):
        Settings.from_env({"AFFINITY_CACHE_CHECK_MS": "soon"})



async def test_kept_listings_follow_each_persons_eligibility(district, speaker):
    """Two people of one language and zone with different roles are offered different groups, from
    memory too, and a changed job role (by an import, say) changes what is offered."""
    maria, sam = speaker("maria.lopez"), speaker("sam.okafor")
    for who in (maria, sam):
        await who.say("help")
    teacher = await maria.say("groups")
    admin = await sam.say("groups")
    assert "Black Administrators Network (black-administrators)" not in _listed_names(teacher)
    assert "Black Administrators Network (black-administrators)" in _listed_names(admin)
    reference = _uncached(district)
    for who, seen in ((maria, teacher), (sam, admin)):
        for _ in range(2):
            assert await who.say("groups") == seen
            assert seen == await reference.handle(Inbound(actor=who.actor, text="groups", profile=who.profile))
    async with district.sessions() as session:
        await session.execute(text("UPDATE person SET job_role = 'principal' WHERE email = 'maria.lopez@district.example'"))
        await session.commit()
    promoted = await maria.say("groups")
    assert "Black Administrators Network (black-administrators)" in _listed_names(promoted)
    assert promoted == await reference.handle(Inbound(actor=maria.actor, text="groups", profile=maria.profile))


def _joins(reply) -> set[str]:
    return {b.value.removeprefix("groups join ") for s in reply.card.sections for b in s.actions if b.value.startswith("groups join ")}


async def test_a_listing_offers_no_join_on_ones_own_groups_and_stays_kept(district, speaker):
    """`groups` showed `[1] Join` on a group the person is in or facilitates (issue 12, item 8)."""
    maria, jordan = speaker("maria.lopez"), speaker("jordan.reyes")  # Jordan facilitates LGBTQ+ Educators
    await maria.say("help")
    await jordan.say("help")
    everyone = await maria.say("groups")
    assert "lgbtq-educators" in _joins(everyone) and "bilingual-staff" in _joins(everyone)
    assert "lgbtq-educators" not in _joins(await jordan.say("groups"))
    await jordan.say("groups")  # kept; the generation is read once
    with counting(district.engine) as seen:
        kept = await jordan.say("groups")  # from memory: nothing asked of the database
    assert seen["statements"] == 0 and "lgbtq-educators" not in _joins(kept)
    assert kept == await _uncached(district).handle(Inbound(actor=jordan.actor, text="groups", profile=jordan.profile))
    # Maria joins an open group: her next listing (the generation moved) has no Join on it...
    assert not (await maria.say("groups join bilingual-staff --yes")).refused
    mine = await maria.say("groups")
    assert "bilingual-staff" not in _joins(mine) and "lgbtq-educators" in _joins(mine)
    assert await maria.say("groups") == mine
    with counting(district.engine) as seen:
        again = await maria.say("groups")
    assert seen["statements"] == 0 and again == mine
    # ...while the same kept listing still offers it to someone else, after one statement.
    priya = speaker("priya.shah")
    await priya.say("help")
    assert "bilingual-staff" in _joins(await priya.say("groups"))
