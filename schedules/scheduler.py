"""When things happen: every minute each feature's jobs run, and every two seconds the outbox is drained.

APScheduler (3.x, `AsyncIOScheduler`) is only the trigger: its job store is the in-memory one and
holds nothing but these two recurring calls. What is due lives in the database, so a restart, a
missed tick or a second process changes nothing: the jobs are safe to run again for the same
moment (outbox keys make them so) and the dispatcher's claims keep two processes apart.

The jobs are the features' own (`bot.registry.jobs()`, `job(session, settings, now) -> int`); each
runs in its own session and transaction, committed after it. A failure is logged with the job's
name and the exception's type only: an exception's message can hold what people wrote.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timezone
from typing import Mapping

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock, system_clock
from bot.config import Settings
from bot.features import Job
from bot.metrics import Metrics
from schedules.dispatcher import Dispatcher

log = logging.getLogger("affinity.schedules")

TICK = 60.0
DRAIN_EVERY = 2.0
#: A tick or a drain found late (a busy machine, a suspended laptop) still runs, once.
TICK_GRACE = 600
DRAIN_GRACE = 60


class Scheduler:
    """Runs the features' jobs each minute and keeps the outbox drained, until `shutdown`."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        dispatcher: Dispatcher,
        clock: Clock = system_clock,
        *,
        jobs: Mapping[str, Job] | None = None,
        tick: float = TICK,
        drain_every: float = DRAIN_EVERY,
        metrics: Metrics | None = None,
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.dispatcher = dispatcher
        self.clock = clock
        self._jobs = dict(jobs) if jobs is not None else None
        self.tick_seconds = tick
        self.drain_every = drain_every
        self._stopping = False
        self._running: set[asyncio.Task] = set()
        #: The APScheduler instance while started (in-memory job store, two interval jobs).
        self.timers: AsyncIOScheduler | None = None
        #: When the jobs last ran or made progress (this scheduler's clock); `/readyz` reads it.
        self.last_tick: datetime | None = None
        self.metrics = metrics

    @property
    def jobs(self) -> Mapping[str, Job]:
        if self._jobs is None:
            from bot.registry import jobs

            self._jobs = jobs()
        return self._jobs

    # --- the work, callable directly (the piped console, tests) -----------------------------

    async def run_jobs(self, now: datetime | None = None) -> dict[str, int]:
        """Every job once for `now`, each in its own transaction; returns what each queued (failures left out)."""
        now = now if now is not None else self.clock()
        queued: dict[str, int] = {}
        if self.metrics is not None:
            self.metrics.know_jobs(self.jobs)
        self._ticked()
        for name, job in self.jobs.items():
            if self._stopping:
                break
            started = time.perf_counter()
            ok = False
            async with self.sessions() as session:
                try:
                    queued[name] = int(await job(session, self.settings, now) or 0)
                    await session.commit()
                    ok = True
                except Exception as exc:
                    try:
                        await session.rollback()
                    except Exception:  # noqa: BLE001 - a connection already gone has nothing to roll back
                        pass
                    log.error("job %s failed: %s", name, type(exc).__name__)
            if self.metrics is not None:
                self.metrics.job(name, ok, time.perf_counter() - started)
            self._ticked()
        return queued

    def _ticked(self) -> None:
        self.last_tick = self.clock()
        if self.metrics is not None:
            self.metrics.scheduler_last_tick.set(self.last_tick.timestamp())

    async def drain(self) -> int:
        """Dispatcher passes until one comes back short of a full batch; returns the items handled."""
        try:
            return await self.dispatcher.drain(lambda: self._stopping)
        except Exception as exc:
            # The database is away, say: the next drain tries again.
            log.error("outbox pass failed: %s", type(exc).__name__)
            return 0

    async def tick(self, now: datetime | None = None) -> int:
        """The jobs, then the outbox: what the piped console does after every line."""
        await self.run_jobs(now)
        return await self.drain()

    # --- on a timer -------------------------------------------------------------------------

    def start(self) -> None:
        """Start both timers on the running event loop; the first tick and drain run at once."""
        # APScheduler logs each run at INFO, and a drain that outlasts its 2-second interval as a
        # skipped run at WARNING; neither says anything the counts do not. Job errors never reach
        # it: both callables catch and log their own.
        logging.getLogger("apscheduler").setLevel(logging.ERROR)
        scheduler = AsyncIOScheduler(
            jobstores={"default": MemoryJobStore()},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": TICK_GRACE},
            timezone=timezone.utc,
        )
        first = datetime.now(timezone.utc)
        scheduler.add_job(self._guarded, IntervalTrigger(seconds=self.tick_seconds), args=(self.run_jobs,), id="jobs", name="jobs", next_run_time=first)
        scheduler.add_job(
            self._guarded, IntervalTrigger(seconds=self.drain_every), args=(self.drain,), id="outbox", name="outbox", next_run_time=first, misfire_grace_time=DRAIN_GRACE
        )
        scheduler.start()
        self.timers = scheduler

    async def _guarded(self, work) -> None:
        """Run `work` in a task of its own: APScheduler cancels the tasks it started when it shuts
        down, and a pass cut off mid-send would leave its items in doubt."""
        if self._stopping:
            return
        task = asyncio.ensure_future(self._logged(work))
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        await asyncio.shield(task)

    async def _logged(self, work) -> None:
        try:
            await work()
        except Exception as exc:
            log.error("scheduled %s failed: %s", getattr(work, "__name__", "work"), type(exc).__name__)

    async def shutdown(self) -> None:
        """Stop the timers and let a job or pass already running finish, so nothing is left half sent."""
        self._stopping = True
        if self.timers is not None:
            self.timers.pause()
        if self._running:
            await asyncio.gather(*list(self._running), return_exceptions=True)
        if self.timers is not None:
            self.timers.shutdown(wait=False)
            self.timers = None

__all__ = ["DRAIN_EVERY", "TICK", "Scheduler"]
