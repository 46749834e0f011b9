"""No scheduled job holds a write transaction for long: each writes a chunk of rows and commits
(bot/batches.py), and a job cut off between two chunks is finished by its next run, every
outbox item still written once. Counted in rows per transaction, never in time."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import delete, func, select, update

from bot import batches
from bot.imports import import_roster
from bot.intros.rounds import run_intro_rounds
from bot.meetings.nudges import queue_nudges
from bot.onboarding.journeys import queue_onboarding, step_key
from bot.onboarding.steps import steps_of
from storage.models import Group, IntroOptIn, IntroPairMember, IntroRound, NudgePlan, OnboardingJourney, OutboxItem
from tests.support.transactions import Interrupted, watch

UTC = timezone.utc
# The day before Wednesday 16 September 2026, 16:00 in Chicago: the 24h reminders are due.
DAY_BEFORE = datetime(2026, 9, 15, 21, 0, tzinfo=UTC)
#: LGBTQ+ Educators has 7 active members in the sample district.
MEMBERS = 7


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(batches, "ROWS", 2)
    return 2


async def _keys(district, kind: str) -> list[str]:
    async with district.sessions() as s:
        return sorted((await s.execute(select(OutboxItem.key).where(OutboxItem.kind == kind))).scalars())


async def _nudge_job(district, stop_after: int | None = None):
    async with district.sessions() as s:
        seen = await watch(s, district.engine, stop_after)
        try:
            queued = await queue_nudges(s, district.settings, DAY_BEFORE)
            await s.commit()
        except Interrupted:
            return None, seen
    return queued, seen


async def test_nudge_planning_and_sending_commit_a_chunk_at_a_time(speaker, district, small_chunks):
    await speaker("jordan.reyes").say("meeting add lgbtq 2026-09-16 16:00 Room 204")
    queued, seen = await _nudge_job(district)
    assert queued == MEMBERS
    # The plan (two reminders and the meeting's horizon), then the 7 reminders two at a time;
    # before, all 10 rows were one transaction.
    assert seen.largest <= 3
    assert sum(1 for n in seen.added if n) >= 1 + MEMBERS // small_chunks
    assert len(await _keys(district, "nudge")) == MEMBERS


async def test_a_nudge_run_cut_off_between_chunks_is_finished_by_the_next_run_each_reminder_once(speaker, district, small_chunks):
    await speaker("jordan.reyes").say("meeting add lgbtq 2026-09-16 16:00 Room 204")
    # Cut off after the plan, the clearing of old plan rows and the first two reminders were committed.
    queued, _ = await _nudge_job(district, stop_after=3)
    assert queued is None
    partial = await _keys(district, "nudge")
    assert 0 < len(partial) < MEMBERS
    async with district.sessions() as s:
        assert (await s.execute(select(func.count()).select_from(NudgePlan).where(NudgePlan.state == "done"))).scalar() == 0
    queued, _ = await _nudge_job(district)
    assert queued == MEMBERS - len(partial)
    keys = await _keys(district, "nudge")
    assert len(keys) == len(set(keys)) == MEMBERS and set(partial) <= set(keys)
    assert {k.rsplit(":", 1)[1] for k in keys} == {"24h"}
    # Once finished, the due rows are done and the same minute again queues nothing.
    assert (await _nudge_job(district))[0] == 0


HEADER = "email,name,role,site,start_date,supervisor_email,language,timezone\n"
TODAY = date(2026, 9, 14)
NEW = [f"new.hire{n}@district.example" for n in range(5)]


async def _hire(district, tmp_path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text(HEADER + "".join(f"{e},New Hire{n},teacher,Lincoln Elementary,{TODAY.isoformat()},,en,America/Chicago\n" for n, e in enumerate(NEW)))
    async with district.sessions() as s:
        assert (await import_roster(s, path, district.today(), district.now())).ok
        await s.commit()


async def _onboarding_job(district, stop_after: int | None = None):
    async with district.sessions() as s:
        seen = await watch(s, district.engine, stop_after)
        try:
            queued = await queue_onboarding(s, district.settings, district.now())
            await s.commit()
        except Interrupted:
            return None, seen
    return queued, seen


async def _journeys(district) -> dict[int, int]:
    async with district.sessions() as s:
        return dict((await s.execute(select(OnboardingJourney.person_id, OnboardingJourney.steps_queued))).all())


async def test_onboarding_commits_a_chunk_of_journeys_at_a_time(district, tmp_path, small_chunks):
    await _hire(district, tmp_path)
    journeys = await _journeys(district)
    assert len(journeys) == 3 + len(NEW)  # the demo's three recent starters and the new hires
    queued, seen = await _onboarding_job(district)
    assert queued >= len(journeys)
    # One journey per transaction with chunks of two rows: its welcome and any step also due.
    assert seen.largest <= small_chunks
    assert sum(1 for n in seen.added if n) == len(journeys)


async def test_onboarding_cut_off_between_chunks_is_finished_by_the_next_run_each_step_once(district, tmp_path, small_chunks):
    await _hire(district, tmp_path)
    queued, _ = await _onboarding_job(district, stop_after=3)
    assert queued is None
    partial = await _keys(district, "onboarding")
    assert 0 < len(partial)
    queued, _ = await _onboarding_job(district)
    assert queued > 0
    keys = await _keys(district, "onboarding")
    assert len(keys) == len(set(keys)) and set(partial) <= set(keys)
    # Every journey's count of steps queued matches its items exactly, welcome first.
    steps = steps_of(district.settings.district)
    journeys = await _journeys(district)
    assert all(count >= 1 for count in journeys.values())
    assert sorted(step_key(person, step) for person, count in journeys.items() for step in steps[:count]) == keys
    assert (await _onboarding_job(district))[0] == 0


LGBTQ = ("jordan.reyes", "alex.morgan", "hannah.lee", "ethan.davis", "mei.chen", "noah.williams", "olivia.brown")


async def _intros_on(speaker, district) -> None:
    async with district.sessions() as s:
        await s.execute(delete(IntroOptIn))
        await s.commit()
    for who in LGBTQ:
        assert not (await speaker(who).say("intros on lgbtq-educators")).refused
    assert not (await speaker("jordan.reyes").say("groups intros lgbtq-educators on weekly")).refused


async def _intro_job(district, stop_after: int | None = None):
    async with district.sessions() as s:
        seen = await watch(s, district.engine, stop_after)
        try:
            queued = await run_intro_rounds(s, district.settings, district.now())
            await s.commit()
        except Interrupted:
            return None, seen
    return queued, seen


async def _round_pairs(district) -> dict[int, tuple[int, ...]]:
    async with district.sessions() as s:
        rows = (await s.execute(select(IntroPairMember.pair_id, IntroPairMember.person_id))).all()
    pairs: dict[int, list[int]] = {}
    for pair_id, person_id in rows:
        pairs.setdefault(pair_id, []).append(person_id)
    return {pair_id: tuple(sorted(people)) for pair_id, people in pairs.items()}


async def _intros(district) -> dict[str, tuple[int, ...]]:
    async with district.sessions() as s:
        return {i.key: tuple(i.people) for i in (await s.execute(select(OutboxItem).where(OutboxItem.kind == "intro"))).scalars()}


async def test_an_intro_round_writes_its_messages_a_chunk_at_a_time_after_the_pairs(speaker, district, monkeypatch):
    monkeypatch.setattr(batches, "ROWS", 1)
    await _intros_on(speaker, district)
    queued, seen = await _intro_job(district)
    assert queued == 3  # two pairs and a trio
    # The round with its 3 pairs and 7 answers, then each message in a transaction of its own
    # (before: all 14 rows in one).
    assert [n for n in seen.added if n] == [11, 1, 1, 1]


async def test_an_intro_round_cut_off_between_chunks_is_finished_by_the_next_run_each_pair_once(speaker, district, monkeypatch, clock):
    monkeypatch.setattr(batches, "ROWS", 1)
    await _intros_on(speaker, district)
    queued, _ = await _intro_job(district, stop_after=2)  # the round and one message
    assert queued is None
    assert len(await _intros(district)) == 1
    queued, _ = await _intro_job(district)
    assert queued == 2
    pairs = await _round_pairs(district)
    sent = await _intros(district)
    assert sorted(sent.values()) == sorted(pairs.values()) and len(pairs) == 3
    assert (await _intro_job(district))[0] == 0
    async with district.sessions() as s:
        assert (await s.execute(select(func.count()).select_from(IntroRound))).scalar() == 1
    # A week later the follow-ups (no new round: intros turned off): cut off after the first
    # two of the seven, finished by the next run, each person asked once.
    async with district.sessions() as s:
        await s.execute(update(Group).values(intros_enabled=False))
        await s.commit()
    clock.advance(days=7)
    monkeypatch.setattr(batches, "ROWS", 2)
    assert (await _intro_job(district, stop_after=1))[0] is None
    assert len(await _followups(district)) == 2
    assert (await _intro_job(district))[0] == 5
    assert await _followups(district) == sorted(p for people in pairs.values() for p in people)
    assert (await _intro_job(district))[0] == 0


async def _followups(district) -> list[int]:
    async with district.sessions() as s:
        return sorted((await s.execute(select(OutboxItem.person_id).where(OutboxItem.kind == "intro_followup"))).scalars())
