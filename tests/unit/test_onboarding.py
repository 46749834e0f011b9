"""Onboarding journeys: who gets one, each step once on its day in working hours, and opting out."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given, strategies as st
from sqlalchemy import func, select, text, update

from bot import registry
from bot.config import ConfigError, Settings, district_from_mapping
from bot.imports import import_roster
from bot.onboarding import NEW_STAFF_DAYS, journey_anchor
from bot.onboarding.journeys import stop_journey
from bot.types import Action, Inbound, Profile, Reply, UserRef
from storage.models import Group, Membership, OnboardingJourney, OutboxItem, Person

HEADER = "email,name,role,site,start_date,supervisor_email,language,timezone\n"
UTC = timezone.utc
# Monday 2026-09-14, 06:00 in Chicago: before working hours (08:00–16:30) begin.
EARLY = datetime(2026, 9, 14, 11, 0, tzinfo=UTC)
TODAY = date(2026, 9, 14)


def _row(email: str, start: date | None, zone: str = "America/Chicago", language: str = "en", role: str = "teacher") -> str:
    name = " ".join(part.title() for part in email.split("@")[0].split("."))
    return f"{email},{name},{role},Lincoln Elementary,{start.isoformat() if start else ''},,{language},{zone}\n"


async def _import(district, tmp_path, *rows: str):
    path = tmp_path / "roster.csv"
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    async with district.sessions() as s:
        result = await import_roster(s, path, district.today(), district.now())
        await (s.commit() if result.ok else s.rollback())
    return result


async def _run_job(district, settings: Settings | None = None) -> int:
    job = registry.jobs()["onboarding.queue_onboarding"]
    async with district.sessions() as s:
        written = await job(s, settings or district.settings, district.now())
        await s.commit()
    return written


async def _person_id(district, email: str) -> int:
    async with district.sessions() as s:
        return (await s.execute(select(Person.id).where(Person.email == email))).scalar_one()


async def _items(district, person_id: int) -> list[OutboxItem]:
    async with district.sessions() as s:
        rows = await s.execute(select(OutboxItem).where(OutboxItem.person_id == person_id, OutboxItem.kind == "onboarding").order_by(OutboxItem.id))
        return list(rows.scalars())


async def _journey(district, person_id: int) -> OnboardingJourney | None:
    async with district.sessions() as s:
        return await s.get(OnboardingJourney, person_id)


async def _press(speaker, value: str) -> Reply:
    """Press a button of a queued message, by the command it carries."""
    return await speaker.runtime.bot.handle(Inbound(actor=speaker.actor, action=Action("run", value), profile=speaker.profile))


def _buttons(card) -> list:
    found = list(card.actions)
    for section in card.sections:
        found += _buttons(section)
    return found


async def test_the_demo_roster_started_journeys_for_new_staff_only(district):
    async with district.sessions() as s:
        rows = (await s.execute(select(Person.email, OnboardingJourney.anchor_on, OnboardingJourney.source).join(OnboardingJourney))).all()
    # Started 12, 20 and 5 days ago; Luis (40 days), Priya (75) and the long-time staff have none.
    assert sorted((email.split("@")[0], (TODAY - anchor).days, source) for email, anchor, source in rows) == [
        ("maria.lopez", 12, "roster"),
        ("noah.williams", 20, "roster"),
        ("zoe.thompson", 5, "roster"),
    ]
    assert "onboarding.queue_onboarding" in registry.jobs()


async def test_each_step_is_queued_once_on_its_day_at_eight_in_the_persons_zone(district, clock, tmp_path):
    clock.now = EARLY
    assert (await _import(district, tmp_path, _row("new.hire@district.example", TODAY))).ok
    me = await _person_id(district, "new.hire@district.example")

    assert await _run_job(district) > 0
    [welcome] = await _items(district, me)
    assert welcome.key == f"onboarding:{me}:welcome"
    assert welcome.not_before == datetime(2026, 9, 14, 13, 0, tzinfo=UTC)  # 08:00 in Chicago
    # Running again for the same moment queues nothing, for anyone.
    async with district.sessions() as s:
        before = (await s.execute(select(func.count()).select_from(OutboxItem))).scalar()
    assert await _run_job(district) == 0
    async with district.sessions() as s:
        assert (await s.execute(select(func.count()).select_from(OutboxItem))).scalar() == before

    clock.now = EARLY + timedelta(days=6, hours=10)  # day 6, working hours: nothing new for them
    await _run_job(district)
    assert [i.key for i in await _items(district, me)] == [welcome.key]

    clock.now = EARLY + timedelta(days=7)  # Monday 2026-09-21, 06:00
    await _run_job(district)
    await _run_job(district)
    items = await _items(district, me)
    assert [i.key.rsplit(":", 1)[1] for i in items] == ["welcome", "mentoring"]
    assert items[1].not_before == datetime(2026, 9, 21, 13, 0, tzinfo=UTC)

    clock.now = EARLY + timedelta(days=30)  # Wednesday 2026-10-14
    await _run_job(district)
    clock.now += timedelta(days=40)
    await _run_job(district)
    items = await _items(district, me)
    assert [i.key.rsplit(":", 1)[1] for i in items] == ["welcome", "mentoring", "checkin"]
    assert items[2].not_before == datetime(2026, 10, 14, 13, 0, tzinfo=UTC)
    assert {i.kind for i in items} == {"onboarding"} and (await _journey(district, me)).steps_queued == 3


async def test_a_person_in_los_angeles_gets_theirs_at_eight_pacific(district, clock, tmp_path):
    clock.now = datetime(2026, 9, 14, 12, 0, tzinfo=UTC)  # 07:00 in Chicago, 05:00 in Los Angeles
    rows = (_row("west.coast@district.example", TODAY, zone="America/Los_Angeles"), _row("mid.west@district.example", TODAY))
    assert (await _import(district, tmp_path, *rows)).ok
    await _run_job(district)
    [west] = await _items(district, await _person_id(district, "west.coast@district.example"))
    [mid] = await _items(district, await _person_id(district, "mid.west@district.example"))
    assert west.not_before == datetime(2026, 9, 14, 15, 0, tzinfo=UTC)  # 08:00 PDT
    assert mid.not_before == datetime(2026, 9, 14, 13, 0, tzinfo=UTC)  # 08:00 CDT


async def test_a_start_date_on_a_saturday_is_welcomed_on_monday_morning(district, clock, tmp_path):
    assert (await _import(district, tmp_path, _row("weekend.start@district.example", date(2026, 9, 19)))).ok
    me = await _person_id(district, "weekend.start@district.example")
    await _run_job(district)
    assert await _items(district, me) == []  # the start date is still to come
    clock.now = datetime(2026, 9, 19, 15, 0, tzinfo=UTC)
    await _run_job(district)
    [welcome] = await _items(district, me)
    assert welcome.not_before == datetime(2026, 9, 21, 13, 0, tzinfo=UTC)


async def test_steps_found_due_together_go_one_working_day_apart(district, clock, tmp_path):
    # Monday 10:00 in Chicago; the start date was ten days ago, so day 0 and day 7 are both due.
    assert (await _import(district, tmp_path, _row("late.import@district.example", TODAY - timedelta(days=10)))).ok
    me = await _person_id(district, "late.import@district.example")
    await _run_job(district)
    items = await _items(district, me)
    assert [(i.key.rsplit(":", 1)[1], i.not_before) for i in items] == [
        ("welcome", clock.now),
        ("mentoring", datetime(2026, 9, 15, 13, 0, tzinfo=UTC)),
    ]


async def test_the_welcome_lists_only_groups_the_person_may_join_and_join_still_asks(district, speaker, tmp_path):
    assert (await _import(district, tmp_path, _row("new.teacher@district.example", TODAY))).ok
    me = await _person_id(district, "new.teacher@district.example")
    await _run_job(district)
    [item] = await _items(district, me)
    welcome = Reply.from_payload(item.payload)
    assert welcome.card.title == "Welcome to the district, New!"
    joins = [b.value for b in _buttons(welcome.card) if b.value.startswith("groups join ")]
    # A new teacher may join these; Black Administrators Network is for administrators only.
    assert "groups join new-teachers" in joins and "groups join lgbtq-educators" in joins and "groups join staff-voices" in joins
    assert "groups join black-administrators" not in joins
    assert "Black Administrators" not in welcome.text
    assert [b.value for b in _buttons(welcome.card)][-1] == "onboarding off"
    assert "Stop these messages" in [b.label for b in _buttons(welcome.card)]

    newcomer = speaker("new.teacher")
    asked = await _press(newcomer, "groups join new-teachers")
    assert not asked.refused and "Who will know you are a member" in asked.text
    async with district.sessions() as s:
        assert (await s.execute(select(func.count()).select_from(Membership).where(Membership.person_id == me))).scalar() == 0


async def test_the_welcome_leaves_out_groups_already_joined_and_speaks_spanish(district, tmp_path):
    assert (await _import(district, tmp_path, _row("nueva.maestra@district.example", TODAY, language="es"))).ok
    me = await _person_id(district, "nueva.maestra@district.example")
    async with district.sessions() as s:
        joined = (await s.execute(select(Group.id).where(Group.slug == "new-teachers"))).scalar_one()
        s.add(Membership(person_id=me, group_id=joined, status="active", requested_at=district.now(), dm_ok=True, nudges_ok=True))
        await s.commit()
    await _run_job(district)
    [item] = await _items(district, me)
    welcome = Reply.from_payload(item.payload)
    assert welcome.card.title == "¡Te damos la bienvenida al distrito, Nueva!"
    assert "Detener estos mensajes" in [b.label for b in _buttons(welcome.card)]
    joins = [b.value for b in _buttons(welcome.card) if b.value.startswith("groups join ")]
    assert "groups join bilingual-staff" in joins and "groups join new-teachers" not in joins


async def test_opting_out_withdraws_what_is_queued_and_nothing_comes_after(district, speaker, clock, tmp_path):
    clock.now = EARLY
    assert (await _import(district, tmp_path, _row("quiet.please@district.example", TODAY))).ok
    me = await _person_id(district, "quiet.please@district.example")
    await _run_job(district)
    async with district.sessions() as s:  # the dispatcher delivered the welcome
        await s.execute(update(OutboxItem).where(OutboxItem.key == f"onboarding:{me}:welcome").values(state="sent"))
        await s.commit()
    clock.now = EARLY + timedelta(days=7)
    await _run_job(district)
    assert [i.state for i in await _items(district, me)] == ["sent", "queued"]

    person = speaker("quiet.please")
    done = await _press(person, "onboarding off")
    assert not done.refused and "won't get any more welcome messages" in done.text
    # The queued mentoring offer is withdrawn; what was already sent stays as it was.
    assert [(i.key.rsplit(":", 1)[1], i.state) for i in await _items(district, me)] == [("welcome", "sent")]
    assert (await _journey(district, me)).stopped_at == clock.now
    for days in (8, 30, 31, 90):
        clock.now = EARLY + timedelta(days=days, hours=3)
        await _run_job(district)
    assert len(await _items(district, me)) == 1
    status = await person.say("onboarding")
    assert "Day 0: welcome and groups: sent" in status.text and "Day 30: check-in: not sent" in status.text
    assert "already off" in (await person.say("onboarding off")).text

    # Their own choice again: what is due now is queued again, nothing twice.
    back = await person.say("onboarding on")
    assert "on again" in back.text
    assert [i.key.rsplit(":", 1)[1] for i in await _items(district, me)] == ["welcome", "mentoring", "checkin"]


async def test_saying_off_before_any_journey_means_none_ever_starts(district, speaker, tmp_path):
    person = speaker("tom.becker")  # long-time staff: no journey
    assert "no welcome messages planned" in (await person.say("onboarding")).text
    assert "won't get any more" in (await person.say("onboarding off")).text
    # Even a roster that later gives him a start date of today starts nothing.
    assert (await _import(district, tmp_path, _row("tom.becker@district.example", TODAY))).ok
    await _run_job(district)
    assert await _items(district, await _person_id(district, "tom.becker@district.example")) == []


async def test_a_person_appearing_starts_one_journey_and_never_a_second(district):
    bot = district.bot
    profile = Profile(name="Sam Rivera", email="sam.rivera@district.example", timezone="America/New_York")
    reply = await bot.handle(Inbound(actor=UserRef("slack", "T0DISTRICT", "U0SAM"), event="person_appeared", profile=profile))
    # Nothing is said in reply (a team channel must not hear who joined); the welcome is queued.
    assert not reply.refused and reply.text == "" and reply.card is None
    me = await _person_id(district, "sam.rivera@district.example")
    journey = await _journey(district, me)
    assert (journey.anchor_on, journey.source, journey.steps_queued) == (TODAY, "slack", 1)
    [welcome] = await _items(district, me)
    assert welcome.not_before == district.now()  # 11:00 in New York: within working hours

    again = await bot.handle(Inbound(actor=UserRef("teams", "tenant-1", "aad-sam"), event="person_appeared", profile=profile))
    assert not again.refused
    assert (await _journey(district, me)).started_at == journey.started_at
    assert len(await _items(district, me)) == 1
    async with district.sessions() as s:
        assert (await s.execute(select(func.count()).select_from(OnboardingJourney).where(OnboardingJourney.person_id == me))).scalar() == 1


async def test_long_time_staff_appearing_get_no_journey(district):
    profile = Profile(name="Tom Becker", email="tom.becker@district.example")  # started 14 years ago
    reply = await district.bot.handle(Inbound(actor=UserRef("slack", "T0DISTRICT", "U0TOM"), event="person_appeared", profile=profile))
    assert not reply.refused
    me = await _person_id(district, "tom.becker@district.example")
    assert await _journey(district, me) is None and await _items(district, me) == []


async def test_an_import_starts_journeys_only_for_recent_or_future_start_dates(district, tmp_path):
    rows = {
        "recent": TODAY - timedelta(days=10),
        "boundary": TODAY - timedelta(days=NEW_STAFF_DAYS),
        "future": TODAY + timedelta(days=14),
        "old": TODAY - timedelta(days=NEW_STAFF_DAYS + 1),
        "veteran": TODAY - timedelta(days=4000),
        "unknown": None,
    }
    result = await _import(district, tmp_path, *(_row(f"{k}.person@district.example", v) for k, v in rows.items()))
    assert result.ok and result.created == len(rows)
    async with district.sessions() as s:
        started = dict(
            (await s.execute(select(Person.email, OnboardingJourney.anchor_on).join(OnboardingJourney).where(Person.email.like("%.person@%")))).all()
        )
    assert started == {f"{k}.person@district.example": rows[k] for k in ("recent", "boundary", "future")}
    # Importing the same roster again starts nothing new and moves no day 0.
    assert (await _import(district, tmp_path, *(_row(f"{k}.person@district.example", v) for k, v in rows.items()))).updated == len(rows)
    async with district.sessions() as s:
        assert (await s.execute(select(func.count()).select_from(OnboardingJourney))).scalar() == 3 + 3  # the demo's three


async def test_a_failed_import_starts_no_journey(district, tmp_path):
    result = await _import(district, tmp_path, _row("fine.row@district.example", TODAY), "bad row,,teacher,,not-a-date,,en,\n")
    assert not result.ok
    async with district.sessions() as s:
        assert (await s.execute(select(func.count()).select_from(OnboardingJourney))).scalar() == 3  # the demo's three


async def test_the_districts_own_steps_and_words(district, clock, tmp_path):
    clock.now = EARLY
    custom = district_from_mapping(
        {
            "onboarding": [
                {"step": "welcome", "day": 0, "text": {"en": "Hello {name}, welcome to Lincoln USD."}},
                {"step": "week-two", "day": 14, "text": {"en": "Two weeks in, {name}!", "es": "¡Dos semanas ya, {name}!"}},
            ]
        }
    )
    settings = replace(district.settings, district=custom)
    rows = (_row("ann.english@district.example", TODAY), _row("eva.espanol@district.example", TODAY, language="es"))
    assert (await _import(district, tmp_path, *rows)).ok
    ann, eva = await _person_id(district, "ann.english@district.example"), await _person_id(district, "eva.espanol@district.example")
    await _run_job(district, settings)
    [ann_welcome] = await _items(district, ann)
    assert Reply.from_payload(ann_welcome.payload).card.body == "Hello Ann, welcome to Lincoln USD."
    # Spanish was not given for the welcome: the catalogue's Spanish default is used.
    [eva_welcome] = await _items(district, eva)
    assert Reply.from_payload(eva_welcome.payload).card.body.startswith("Soy Affinity Bot.")
    clock.now = EARLY + timedelta(days=14)
    await _run_job(district, settings)
    week_two = Reply.from_payload((await _items(district, eva))[1].payload)
    assert week_two.card.title == "Un mensaje para el personal nuevo"
    assert week_two.card.body.startswith("¡Dos semanas ya, Eva!")
    assert [b.value for b in week_two.card.actions] == ["onboarding off"]
    # A district may also send nothing at all.
    assert await _run_job(district, replace(district.settings, district=district_from_mapping({"onboarding": []}))) == 0


@pytest.mark.parametrize(
    "steps, sentence",
    [
        ({"step": "welcome", "day": 0}, "onboarding must be a list of steps"),
        (["welcome"], "onboarding step 1 must be a mapping with step and day"),
        ([{"step": "welcome", "day": 0, "when": "soon"}], "onboarding step 1 has the unknown key 'when'"),
        ([{"step": "Welcome!", "day": 0}], "needs a step name of lower-case letters, digits and hyphens"),
        ([{"day": 0}], "needs a step name"),
        ([{"step": "welcome", "day": 0}, {"step": "welcome", "day": 3}], "onboarding step 'welcome' is listed twice"),
        ([{"step": "welcome", "day": -1}], "needs a day: a whole number from 0 (the first day) to 365, not -1"),
        ([{"step": "welcome", "day": True}], "needs a day"),
        ([{"step": "welcome", "day": "7"}], "needs a day"),
        ([{"step": "mentoring", "day": 7}, {"step": "welcome", "day": 0}], "onboarding step 'welcome' is on day 0, not after the step before it ('mentoring', day 7)"),
        ([{"step": "welcome", "day": 0, "text": "Hi"}], "text must give the words per language"),
        ([{"step": "welcome", "day": 0, "text": {"fr": "Bonjour"}}], "text has the language 'fr'; the languages are en, es"),
        ([{"step": "welcome", "day": 0, "text": {"en": "  "}}], "the en text is empty"),
        ([{"step": "welcome", "day": 0, "text": {"en": "x" * 3001}}], "the en text is 3001 characters long; the limit is 3000"),
        ([{"step": "welcome", "day": 0, "text": {"en": "Hi {first_name}"}}], "the en text uses {first_name}; the only placeholder is {name}"),
        ([{"step": "welcome", "day": 0, "text": {"es": "Hola {name"}}], "the es text has an unmatched { or }"),
        ([{"step": "week-two", "day": 14}], "onboarding step 'week-two' needs a text in every language (en, es)"),
        ([{"step": "week-two", "day": 14, "text": {"en": "Two weeks!"}}], "onboarding step 'week-two' has no es text"),
    ],
)
def test_each_configuration_problem_is_one_clear_sentence(steps, sentence):
    with pytest.raises(ConfigError) as raised:
        district_from_mapping({"onboarding": steps}, source="district.yml")
    message = str(raised.value)
    assert message.startswith("district.yml: ") and sentence in message
    assert message.endswith(".") and "\n" not in message


def test_a_bad_onboarding_file_stops_start_up_with_its_sentence(tmp_path):
    config = tmp_path / "district.yml"
    config.write_text("onboarding:\n  - step: welcome\n    day: 0\n  - step: mentoring\n    day: zero\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="onboarding step 'mentoring' needs a day"):
        Settings.from_env({"AFFINITY_CONFIG": str(config)})
    config.write_text("onboarding:\n  - step: welcome\n    day: 0\n    text: {en: 'Hi {name}', es: 'Hola {name}'}\n", encoding="utf-8")
    steps = Settings.from_env({"AFFINITY_CONFIG": str(config)}).district.onboarding
    assert steps == ({"step": "welcome", "day": 0, "text": {"en": "Hi {name}", "es": "Hola {name}"}},)


@given(st.integers(min_value=-400, max_value=400), st.integers(min_value=0, max_value=400))
def test_only_recent_or_future_start_dates_are_new_staff(offset, known_for):
    start = TODAY + timedelta(days=offset)
    anchor = journey_anchor(start, TODAY - timedelta(days=known_for), TODAY)
    assert anchor == (start if offset >= -NEW_STAFF_DAYS else None)
    # Without a start date, someone the bot met recently starts today; someone it has long known does not.
    assert journey_anchor(None, TODAY - timedelta(days=known_for), TODAY) == (TODAY if known_for <= NEW_STAFF_DAYS else None)



async def test_a_run_of_the_job_passes_over_a_journey_being_stopped(district, clock, tmp_path):
    """The opt-out locks the journey's row (as `onboarding off` does); a job running meanwhile in
    another session leaves that journey alone, so nothing is queued after the person said stop."""
    if district.engine.dialect.name == "sqlite":
        pytest.skip("SQLite lets one session write at a time: a job overlapping an opt-out cannot commit at all")
    clock.now = EARLY
    assert (await _import(district, tmp_path, _row("just.stop@district.example", TODAY))).ok
    me = await _person_id(district, "just.stop@district.example")
    async with district.sessions() as opting_out:
        journey = await opting_out.get(OnboardingJourney, me, with_for_update=True)
        await stop_journey(opting_out, district.settings, journey, district.now())
        await opting_out.flush()
        async with district.sessions() as running:
            # Were the journey not passed over, the job would wait for the lock: fail instead.
            await running.execute(text("SET LOCAL lock_timeout = '2s'"))
            await registry.jobs()["onboarding.queue_onboarding"](running, district.settings, district.now())
            await running.commit()
        assert await _items(district, me) == []
        await opting_out.commit()
    await _run_job(district)
    assert await _items(district, me) == [] and (await _journey(district, me)).stopped_at is not None
