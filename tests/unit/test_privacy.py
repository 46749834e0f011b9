"""SPEC §4.1, §4.2, §4.5 and §4.6 as properties: opt-in only, private membership, forget-me, audit."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import select

from bot import registry
from storage.models import AuditEntry, Group, IntroAvoid, IntroOptIn, IntroPairMember, Membership, MentorMatch, MentorProfile, OutboxItem, Person, PlatformLink
from tests.support.dump import dump_rows, mentions

TARGET = "maria.lopez@district.example"


async def test_forget_me_leaves_no_row_mentioning_the_person(speaker, district):
    maria = speaker("maria.lopez")
    await maria.say("groups join lgbtq --yes")
    await maria.say("groups join staff-voices --yes")  # a pending request, seen by a facilitator
    await maria.say("settings language es")
    await speaker("lena.fischer").say("groups members staff-voices")  # audited, about Maria's group
    await speaker("lena.fischer").say("groups decline staff-voices maria.lopez@district.example")
    # Mentoring and peer intros: a profile, a proposed match, an opt-in, a do-not-pair wish, a round.
    await maria.say("mentor join mentee")
    await maria.submit("mentor_profile", {"site": "Lincoln Elementary", "languages": ("en",)}, context="mentee")
    await speaker("mei.chen").submit("mentor_profile", {"site": "Lincoln Elementary", "capacity": "1"}, context="mentor")
    await speaker("dana.whitfield").say("mentor match")
    await maria.say("intros on lgbtq-educators")
    await maria.say("intros avoid alex.morgan@district.example")
    await speaker("hannah.lee").say("intros avoid maria.lopez@district.example")
    await speaker("hannah.lee").say("intros on")
    await speaker("ethan.davis").say("intros on")
    await speaker("noah.williams").say("intros on")
    await speaker("jordan.reyes").say("groups intros lgbtq-educators on weekly")
    async with district.sessions() as s:
        await registry.jobs()["intros.rounds"](s, district.settings, district.now())
        await s.commit()
        queued_with_her = [p for p in (await s.execute(select(OutboxItem.people).where(OutboxItem.kind == "intro"))).scalars()]
        for table, column in ((MentorProfile, "person_id"), (MentorMatch, "mentee_id"), (IntroOptIn, "person_id"), (IntroAvoid, "person_id"),
                              (IntroAvoid, "avoid_id"), (IntroPairMember, "person_id")):
            maria_id = (await s.execute(select(Person.id).where(Person.email == TARGET))).scalar_one()
            assert (await s.execute(select(table).where(getattr(table, column) == maria_id))).first() is not None, table
        assert any(maria_id in people for people in queued_with_her), "the round put Maria in a queued group DM"
    async with district.sessions() as s:
        me = (await s.execute(select(Person).where(Person.email == TARGET))).scalar_one()
        person_id, name = me.id, me.name
        # Maria is also someone's supervisor? Make her one, so the reference must go too.
        other = (await s.execute(select(Person).where(Person.email == "zoe.thompson@district.example"))).scalar_one()
        other.supervisor_id = person_id
        await s.commit()
    ask = await maria.say("forget-me")
    assert "cannot be undone" in ask.text.lower() or "no se puede deshacer" in ask.text.lower()
    done = await maria.say("yes")
    assert not done.refused
    rows = await dump_rows(district)
    assert mentions(rows, [TARGET, name, "maria.lopez"]) == []
    person_columns = ("person_id", "actor_id", "subject_id", "supervisor_id", "about_id", "mentee_id", "mentor_id", "avoid_id")
    assert [(t, r) for t, r in rows if any(r.get(c) == person_id for c in person_columns)] == []
    # Group DMs list their people as ids: the intro round queued one with Maria in it.
    assert [r for t, r in rows if t == "outbox_item" and person_id in (r.get("people") or [])] == []
    assert [r for t, r in rows if t == "person" and r["id"] == person_id] == []
    async with district.sessions() as s:
        assert (await s.execute(select(Group.active_count).where(Group.slug == "lgbtq-educators"))).scalar() == 7
        # The audit record of the facilitator's action stays, without the subject.
        audit = list((await s.execute(select(AuditEntry).where(AuditEntry.action == "request_declined"))).scalars())
        assert audit and audit[0].subject_id is None


async def test_a_facilitator_or_admin_cannot_add_anyone(speaker, district):
    """No command of a facilitator or admin creates a membership for somebody else."""
    lines = [
        "groups join lgbtq maria.lopez@district.example",
        "groups join lgbtq-educators --yes maria.lopez",
        "groups approve lgbtq-educators maria.lopez@district.example",
        "groups approve lgbtq-educators Maria Lopez",
        "groups join Maria Lopez",
        "yes",
    ]
    for who in ("jordan.reyes", "sam.okafor"):
        for line in lines:
            await speaker(who).say(line)
    async with district.sessions() as s:
        maria = (await s.execute(select(Person).where(Person.email == TARGET))).scalar_one()
        assert (await s.execute(select(Membership).where(Membership.person_id == maria.id))).first() is None


COMMAND_WORDS = st.sampled_from(
    ["groups", "join", "leave", "approve", "decline", "members", "info", "mine", "yes", "no", "--yes", "settings", "forget-me", "help"]
)
ARGUMENTS = st.sampled_from(["lgbtq-educators", "staff-voices", "maria.lopez@district.example", "Maria", "Lopez", "<@maria>", "dm", "off"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(script=st.lists(st.tuples(st.sampled_from(["jordan.reyes", "lena.fischer", "sam.okafor"]), st.lists(st.one_of(COMMAND_WORDS, ARGUMENTS), min_size=1, max_size=5)), min_size=1, max_size=8))
async def test_property_only_maria_can_put_maria_anywhere(sqlite_runtime, tmp_path, script):
    from bot.bootstrap import seed_demo
    from tests.support.talk import Speaker

    await seed_demo(sqlite_runtime, tmp_path)
    for who, words in script:
        await Speaker(sqlite_runtime, f"{who}@district.example").say(" ".join(words))
    async with sqlite_runtime.sessions() as s:
        maria = (await s.execute(select(Person).where(Person.email == TARGET))).scalar_one()
        assert (await s.execute(select(Membership).where(Membership.person_id == maria.id))).first() is None
        assert maria.dm_ok and maria.nudges_ok and maria.language == "en"


async def test_privacy_shows_what_is_kept(speaker):
    maria = speaker("maria.lopez")
    await maria.say("groups join new-teachers --yes")
    reply = await maria.say("privacy")
    assert "maria.lopez@district.example" in reply.text and "New Teachers Circle" in reply.text
    assert "fewer than" in reply.text  # explains the count rule
    # Maria started 12 days ago: her welcome messages are kept, and she can see and stop them.
    assert "Welcome messages for new staff: on" in reply.text
    assert "Your answers to upcoming meetings: 0" in reply.text and "Messages waiting to be sent to you:" in reply.text
    await maria.say("onboarding off")
    assert "Welcome messages for new staff: stopped by you" in (await maria.say("privacy")).text


async def test_settings_change_and_bad_values_change_nothing(speaker, district):
    maria = speaker("maria.lopez")
    reply = await maria.say("settings dm off nudges off timezone America/Denver")
    assert "America/Denver" in reply.text
    for bad in ("settings dm maybe", "settings language fr", "settings timezone Mars/Olympus", "settings colour blue", "settings dm"):
        reply = await maria.say(bad)
        assert reply.refused, bad
    async with district.sessions() as s:
        me = (await s.execute(select(Person).where(Person.email == TARGET))).scalar_one()
        assert (me.dm_ok, me.nudges_ok, me.timezone, me.language) == (False, False, "America/Denver", "en")
    es = await maria.say("settings language es")
    assert "Idioma" in es.text or "idioma" in es.text


async def test_same_email_on_two_platforms_is_one_person(district):
    from bot.types import Inbound, Profile, UserRef

    profile = Profile(name="Maria L.", email="Maria.Lopez@District.example")
    await district.bot.handle(Inbound(actor=UserRef("slack", "T1", "U1"), text="groups join lgbtq --yes", profile=profile))
    reply = await district.bot.handle(Inbound(actor=UserRef("teams", "tenant-1", "aad-1"), text="groups mine", profile=profile))
    assert "LGBTQ+ Educators" in reply.text
    async with district.sessions() as s:
        links = list((await s.execute(select(PlatformLink.platform).join(Person).where(Person.email == TARGET))).scalars())
        assert sorted(links) == ["slack", "teams"]


async def test_settings_timezone_reads_a_zone_in_any_case_and_keeps_it_as_iana_spells_it(speaker, district):
    maria = speaker("maria.lopez")
    assert not (await maria.say("settings timezone america/denver")).refused
    async with district.sessions() as s:
        assert (await s.execute(select(Person.timezone).where(Person.email == TARGET))).scalar_one() == "America/Denver"
    assert (await maria.say("settings timezone localtime")).refused
