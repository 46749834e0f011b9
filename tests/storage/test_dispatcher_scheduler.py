"""The scheduler: the features' jobs each in their own transaction, APScheduler only as a trigger, a clean stop."""

from __future__ import annotations

import asyncio

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.triggers.interval import IntervalTrigger

from bot import registry
from bot.outbox import enqueue
from bot.types import Reply
from schedules.dispatcher import Dispatcher
from schedules.scheduler import DRAIN_GRACE, TICK_GRACE, Scheduler
from tests.storage.test_dispatcher import Gate, Terminal, add_people, rows


def queueing_job(key: str, person_id: int | None = None, fail_with: Exception | None = None):
    async def job(session, settings, now) -> int:
        queued = await enqueue(session, key=key, kind="nudge", reply=Reply(text=f"Scheduled {key}", ephemeral=False), now=now, person_id=person_id)
        if fail_with is not None:
            raise fail_with
        return int(queued)

    return job


async def test_each_job_commits_on_its_own_and_a_failure_logs_only_its_name_and_type(runtime, clock, captured_logs):
    (person,) = await add_people(runtime, 1)
    jobs = {
        "nudges.meetings": queueing_job("good", person),
        "concerns.notices": queueing_job("bad", person, fail_with=ValueError("Staff Member 1 wrote: my supervisor yelled")),
        "onboarding.steps": queueing_job("also-good", person),
    }
    scheduler = Scheduler(runtime.sessions, runtime.settings, Dispatcher(runtime.sessions, {}, clock), clock, jobs=jobs)

    assert await scheduler.run_jobs(clock()) == {"nudges.meetings": 1, "onboarding.steps": 1}
    assert await scheduler.run_jobs(clock()) == {"nudges.meetings": 0, "onboarding.steps": 0}, "safe to run again"

    assert sorted(await rows(runtime)) == ["also-good", "good"], "the failed job's writes were rolled back"
    logged = [r.getMessage() for r in captured_logs.records]
    assert "job concerns.notices failed: ValueError" in logged
    assert not [line for line in logged if "supervisor" in line or "Staff Member" in line]


async def test_the_jobs_come_from_the_features_registry(runtime, clock):
    scheduler = Scheduler(runtime.sessions, runtime.settings, Dispatcher(runtime.sessions, {}, clock), clock)
    assert dict(scheduler.jobs) == registry.jobs()
    assert all("." in name for name in scheduler.jobs)


async def test_a_tick_runs_the_jobs_then_delivers_what_they_queued(runtime, clock):
    (person,) = await add_people(runtime, 1, slack=False, console=True)
    terminal = Terminal(runtime, "staff1@district.example")
    dispatcher = Dispatcher(runtime.sessions, {"console": terminal.gateway}, clock)
    scheduler = Scheduler(runtime.sessions, runtime.settings, dispatcher, clock, jobs={"meetings.nudges": queueing_job("nudge-1", person)})

    assert await scheduler.tick(clock()) == 1
    assert terminal.out.getvalue() == "✉ Scheduled nudge-1\n\n"
    assert (await rows(runtime))["nudge-1"].state == "sent"


async def test_started_it_fires_at_once_on_apschedulers_memory_store_with_safe_settings(runtime, clock):
    fired = asyncio.Event()

    async def job(session, settings, now) -> int:
        fired.set()
        return 0

    scheduler = Scheduler(runtime.sessions, runtime.settings, Dispatcher(runtime.sessions, {}, clock), clock, jobs={"test.fired": job})
    scheduler.start()
    try:
        await asyncio.wait_for(fired.wait(), timeout=30)
        timers = scheduler.timers
        assert isinstance(timers._lookup_jobstore("default"), MemoryJobStore)
        by_id = {j.id: j for j in timers.get_jobs()}
        assert set(by_id) == {"jobs", "outbox"}
        assert isinstance(by_id["jobs"].trigger, IntervalTrigger) and by_id["jobs"].trigger.interval.total_seconds() == 60
        assert by_id["outbox"].trigger.interval.total_seconds() == 2
        for found in by_id.values():
            assert found.coalesce is True and found.max_instances == 1
        assert (by_id["jobs"].misfire_grace_time, by_id["outbox"].misfire_grace_time) == (TICK_GRACE, DRAIN_GRACE)
    finally:
        await scheduler.shutdown()
    assert scheduler.timers is None


async def test_stopping_lets_a_pass_in_progress_finish_and_record(runtime, clock):
    (person,) = await add_people(runtime, 1)
    await enqueue_now(runtime, clock, person)
    gate = Gate(delivered=False)
    scheduler = Scheduler(runtime.sessions, runtime.settings, Dispatcher(runtime.sessions, {"slack": gate}, clock), clock, jobs={})
    scheduler.start()
    await asyncio.wait_for(gate.entered.wait(), timeout=30)

    stopping = asyncio.ensure_future(scheduler.shutdown())
    for _ in range(20):
        await asyncio.sleep(0)  # let the loop run: shutdown must still be waiting for the send
    assert not stopping.done()
    gate.open.set()
    await asyncio.wait_for(stopping, timeout=30)

    assert (await rows(runtime))["stop-test"].state == "sent"


async def enqueue_now(runtime, clock, person: int) -> None:
    async with runtime.sessions() as session:
        await enqueue(session, key="stop-test", kind="nudge", reply=Reply(text="hello", ephemeral=False), now=clock(), person_id=person)
        await session.commit()

