"""No scheduled job holds a write transaction for long: each writes a chunk of rows and commits
(bot/batches.py), and a job cut off between two chunks is finished by its next run, every
outbox item still written once. Counted in rows per transaction, never in time."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select

from bot import batches
from bot.imports import import_roster
from bot.meetings.nudges import queue_nudges
from bot.onboarding.journeys import queue_onboarding, step_key
from bot.onboarding.steps import steps_of
from storage.models import NudgePlan, OnboardingJourney, OutboxItem
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
    # Cut off after the plan and the first two reminders were committed.
    queued, _ = await _nudge_job(district, stop_after=2)
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
