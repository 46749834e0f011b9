"""The scheduled half of mentoring: offers that lapse, the next best offer, introductions and check-ins."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import batches, outbox
from bot.cards import card_reply
from bot.catalogue import Translator
from bot.config import Settings
from bot.hours import next_working_moment, zone_of
from bot.mentoring.handlers import propose
from bot.mentoring.matching import plan_matches
from bot.mentoring.pool import load_pool, weights_of
from bot.types import Card, Reply
from storage.models import MentorMatch, Person

#: The check-in comes this long after both accepted.
CHECKIN_AFTER = timedelta(days=30)


async def run_mentoring(session: AsyncSession, settings: Settings, now: datetime) -> int:
    """Expire lapsed offers, offer the next best mentor, introduce accepted pairs, send check-ins."""
    queued = 0
    district = settings.district
    lapse = now - timedelta(days=district.mentor_accept_days)
    for match in (await session.execute(select(MentorMatch).where(MentorMatch.state == "proposed", MentorMatch.proposed_at <= lapse))).scalars():
        match.state, match.decided_at = "expired", now
    # Expired offers are whole on their own (the next run offers their mentees someone else), so
    # they are committed before the pool is read: no write transaction stays open while it is
    # (bot/batches.py).
    await batches.commit(session)
    queued += await _offer_next_best(session, settings, now)
    accepted = list((await session.execute(select(MentorMatch).where(MentorMatch.state == "accepted", MentorMatch.introduced_at.is_(None)))).scalars())
    for match in accepted:
        queued += await _introduce(session, settings, now, match)
    due = now - CHECKIN_AFTER
    for match in (
        await session.execute(
            select(MentorMatch).where(
                MentorMatch.state == "accepted", MentorMatch.checked_in_at.is_(None), MentorMatch.introduced_at.is_not(None), MentorMatch.decided_at <= due
            )
        )
    ).scalars():
        queued += await _check_in(session, settings, now, match)
    return queued


async def _offer_next_best(session: AsyncSession, settings: Settings, now: datetime) -> int:
    """Mentees whose offer was declined or lapsed get the best mentor still free for them, once."""
    lapsed = list((await session.execute(select(MentorMatch).where(MentorMatch.state.in_(("declined", "expired")), MentorMatch.replaced.is_(False)))).scalars())
    if not lapsed:
        return 0
    # Read and planned first; the offers and the marks that they were made are written together.
    pool = await load_pool(session, now.astimezone(settings.timezone).date(), only_mentees={m.mentee_id for m in lapsed})
    plan = plan_matches(pool.mentees, pool.mentors, weights_of(settings.district.mentor_weights), pool.excluded)
    for match in lapsed:
        match.replaced = True
    for pair in plan.pairs:
        await propose(session, settings, now, pool.people, pair)
    return 2 * len(plan.pairs)


def _both_languages(people: list[Person], key: str, **params) -> str:
    languages = sorted({p.language for p in people}, key=lambda code: (code != people[0].language, code))
    return "\n\n".join(Translator(code)(key, **params) for code in languages)


async def _introduce(session: AsyncSession, settings: Settings, now: datetime, match: MentorMatch) -> int:
    mentee, mentor = await session.get(Person, match.mentee_id), await session.get(Person, match.mentor_id)
    match.introduced_at = now
    if mentee is None or mentor is None:
        return 0
    # The group DM shows who is in it; the text names nobody, so a copy kept in the outbox does not either.
    text = _both_languages([mentee, mentor], "mentoring.intro_body", days=CHECKIN_AFTER.days)
    at = next_working_moment(now, zone_of(mentee.timezone, settings.timezone), settings.district.work_start, settings.district.work_end)
    written = await outbox.enqueue(
        session, key=f"mentor-intro:{match.id}", kind="mentor_intro", reply=card_reply(Card(title=Translator(mentee.language)("mentoring.intro_title"), body=text), ephemeral=False),
        now=now, people=[mentee.id, mentor.id], not_before=at,
    )
    return int(written)


async def _check_in(session: AsyncSession, settings: Settings, now: datetime, match: MentorMatch) -> int:
    match.checked_in_at = now
    written = 0
    for person_id in (match.mentee_id, match.mentor_id):
        person = await session.get(Person, person_id)
        if person is None:
            continue
        t = Translator(person.language)
        at = next_working_moment(now, zone_of(person.timezone, settings.timezone), settings.district.work_start, settings.district.work_end)
        written += int(
            await outbox.enqueue(
                session, key=f"mentor-checkin:{match.id}:{person_id}", kind="mentor_checkin",
                reply=Reply(text=t("mentoring.checkin", id=match.id), ephemeral=False), now=now, person_id=person_id, not_before=at,
            )
        )
    return written
