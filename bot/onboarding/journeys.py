"""Onboarding journeys: who is new enough to get one, and queuing each step on its day.

A journey is started once per person: when they appear on a platform, or when a roster import
gives them a recent start date. Day 0 is the roster start date, or else the day they appeared.
Staff whose start date is more than NEW_STAFF_DAYS old never get one, however they appear.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Iterable, Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import batches, outbox
from bot.config import Settings
from bot.hours import next_working_moment, zone_of
from bot.onboarding.messages import groups_taken, groups_to_offer, listed_groups, step_reply
from bot.onboarding.steps import Step, steps_of
from storage.models import Group, OnboardingJourney, OutboxItem, Person
from storage.upsert import add_missing

#: A start date at most this many days ago (or still to come) makes someone new staff.
NEW_STAFF_DAYS = 30
KIND = "onboarding"


def step_key(person_id: int, step: Step) -> str:
    return f"onboarding:{person_id}:{step.name}"


def journey_anchor(start_date: date | None, created_on: date | None, today: date) -> date | None:
    """Day 0 for someone appearing `today`, or None when they are not new staff.

    A known start date decides: recent or future, it is day 0; older, there is no journey. Without
    one, a person the bot first met in the last NEW_STAFF_DAYS starts today.
    """
    earliest = today - timedelta(days=NEW_STAFF_DAYS)
    if start_date is not None:
        return start_date if start_date >= earliest else None
    if created_on is not None and created_on >= earliest:
        return today
    return None


async def start_journey(session: AsyncSession, settings: Settings, person: Person, source: str, now: datetime) -> int:
    """Start `person`'s journey if they are new and have none, and queue what is already due.

    Returns how many messages were queued (0 when no journey was started).
    """
    today = now.astimezone(zone_of(person.timezone, settings.timezone)).date()
    anchor = journey_anchor(person.start_date, person.created_on, today)
    if anchor is None:
        return 0
    if await session.get(OnboardingJourney, person.id) is not None:
        return 0  # nobody gets a second journey, even one they stopped
    await _insert_journeys(session, [dict(person_id=person.id, anchor_on=anchor, source=source[:16], steps_queued=0, started_at=now)])
    journey = await session.get(OnboardingJourney, person.id)
    if journey is None:
        return 0
    return await queue_due(session, settings, now, [(journey, person)])


async def start_roster_journeys(session: AsyncSession, started: Sequence[tuple[int, date]], today: date, now: datetime) -> None:
    """Journeys for imported staff with a start date, in bulk; a person with one keeps theirs."""
    earliest = today - timedelta(days=NEW_STAFF_DAYS)
    values = [
        dict(person_id=person_id, anchor_on=start, source="roster", steps_queued=0, started_at=now)
        for person_id, start in started
        if start >= earliest
    ]
    await _insert_journeys(session, values)


async def _insert_journeys(session: AsyncSession, values: list[dict]) -> None:
    # A person who already has a journey (from another platform, an earlier import, or a race
    # with one) keeps it, and the insert stays one statement per chunk.
    await add_missing(session, OnboardingJourney, ("person_id",), values)


async def queue_onboarding(session: AsyncSession, settings: Settings, now: datetime) -> int:
    """The scheduled job: queue every step that has come due, once, in working hours where the
    person is. Safe to run again for the same `now`: each step is one outbox key."""
    steps = steps_of(settings.district)
    if not steps:
        return 0
    # No zone is a full day ahead of UTC, so nothing anchored after tomorrow can be due anywhere.
    latest = now.astimezone(timezone.utc).date() + timedelta(days=1) - timedelta(days=steps[0].day)
    # A chunk of journeys per transaction (bot/batches.py): a chunk's outbox items and its
    # journeys' step counts are committed together, so a run stopped between chunks leaves every
    # journey either done for today or untouched, and the next run carries on.
    queued = 0
    after = 0
    size = max(1, batches.ROWS // 2)
    while True:
        rows = (
            await session.execute(
                select(OnboardingJourney, Person)
                .join(Person, Person.id == OnboardingJourney.person_id)
                .where(
                    OnboardingJourney.person_id > after,
                    OnboardingJourney.stopped_at.is_(None),
                    OnboardingJourney.steps_queued < len(steps),
                    OnboardingJourney.anchor_on <= latest,
                )
                .order_by(OnboardingJourney.person_id)
                .limit(size)
                # On PostgreSQL the journeys are locked until the chunk commits, so an opt-out at
                # the same moment either waits for it (and withdraws what it queued) or is seen
                # by it; a second process running the job skips them. SQLite serialises writers.
                .with_for_update(of=OnboardingJourney, skip_locked=True)
            )
        ).all()
        if not rows:
            return queued
        after = rows[-1][0].person_id
        queued += await queue_due(session, settings, now, [(journey, person) for journey, person in rows])
        await batches.commit(session)
        if len(rows) < size:
            return queued


async def queue_due(session: AsyncSession, settings: Settings, now: datetime, journeys: Iterable[tuple[OnboardingJourney, Person]]) -> int:
    """Queue the due steps of these journeys, in order; returns how many items were written.

    Everything a run needs is read in a few queries up front and written in bulk, so a first
    run over thousands of new staff stays a matter of seconds.
    """
    steps = steps_of(settings.district)
    district = settings.district
    pending = [(journey, person) for journey, person in journeys if journey.stopped_at is None]
    listed: list[Group] = []
    taken: dict[int, set[int]] = {}
    if any(step.name == "welcome" for step in steps) and pending:
        listed = await listed_groups(session)
        taken = await groups_taken(session, [person.id for _, person in pending])
    outgoing: list[outbox.Outgoing] = []
    for journey, person in pending:
        zone = zone_of(person.timezone, settings.timezone)
        today = now.astimezone(zone).date()
        moment = next_working_moment(now, zone, district.work_start, district.work_end)
        while journey.steps_queued < len(steps):
            step = steps[journey.steps_queued]
            if journey.anchor_on + timedelta(days=step.day) > today:
                break
            offered = groups_to_offer(person, today, listed, taken.get(person.id, set())) if step.name == "welcome" else []
            outgoing.append(
                outbox.Outgoing(key=step_key(person.id, step), kind=KIND, reply=step_reply(step, person, offered), person_id=person.id, not_before=moment)
            )
            journey.steps_queued += 1
            # Steps found due together (a late start, or time the bot was down) go one working
            # day apart, so nobody gets the welcome and the check-in in the same minute.
            following = datetime.combine(moment.astimezone(zone).date() + timedelta(days=1), district.work_start, tzinfo=zone)
            moment = next_working_moment(following, zone, district.work_start, district.work_end).astimezone(now.tzinfo)
    if not outgoing:
        return 0
    return await outbox.enqueue_many(session, outgoing, now)


async def stop_journey(session: AsyncSession, settings: Settings, journey: OnboardingJourney, now: datetime) -> int:
    """The person opted out: no more steps, and what is still queued is withdrawn.

    A withdrawn step counts as not sent, so `onboarding on` would queue it again.
    """
    steps = steps_of(settings.district)
    journey.stopped_at = now
    queued = list(
        (
            await session.execute(
                select(OutboxItem.key).where(OutboxItem.person_id == journey.person_id, OutboxItem.kind == KIND, OutboxItem.state == "queued")
            )
        ).scalars()
    )
    if not queued:
        return 0
    await session.execute(
        delete(OutboxItem).where(OutboxItem.person_id == journey.person_id, OutboxItem.kind == KIND, OutboxItem.state == "queued")
    )
    positions = [i for i, step in enumerate(steps) if step_key(journey.person_id, step) in queued]
    if positions:
        journey.steps_queued = min(journey.steps_queued, min(positions))
    return len(queued)
