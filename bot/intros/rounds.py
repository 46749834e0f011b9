"""The scheduled half of peer intros: a round per group on its cadence, and the "did you meet?" a week later."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import outbox
from bot.cards import card_reply
from bot.catalogue import Translator
from bot.config import Settings
from bot.hours import next_working_moment
from bot.intros.commands import IntrosMet
from bot.intros.pairing import IntroRoundPlan, pair_round, round_seed
from bot.parsing import line
from bot.types import Button, Card, Reply
from storage.models import Group, IntroAvoid, IntroOptIn, IntroPair, IntroPairMember, IntroRound, Membership, Person

FOLLOW_UP_AFTER = timedelta(days=7)


def next_round_on(last: date, cadence: str) -> date:
    if cadence == "weekly":
        return last + timedelta(days=7)
    if cadence == "monthly":
        month = last.month % 12 + 1
        year = last.year + (last.month == 12)
        for day in (last.day, 30, 29, 28):
            try:
                return date(year, month, day)
            except ValueError:
                continue
    return last + timedelta(days=14)


async def participants(session: AsyncSession, group_id: int, today: date) -> list[int]:
    """Active members who opted in to this group's intros (or all of theirs), not snoozed or away."""
    rows = await session.execute(
        select(Membership.person_id)
        .join(IntroOptIn, IntroOptIn.person_id == Membership.person_id)
        .join(Person, Person.id == Membership.person_id)
        .where(
            Membership.group_id == group_id,
            Membership.status == "active",
            or_(IntroOptIn.group_id == group_id, IntroOptIn.group_id.is_(None)),
            or_(IntroOptIn.snooze_until.is_(None), IntroOptIn.snooze_until <= today),
            # Someone whose last day has passed is away for good.
            or_(Person.end_date.is_(None), Person.end_date >= today),
        )
        .distinct()
    )
    return sorted(rows.scalars())


async def history(session: AsyncSession, group_id: int, rounds: int) -> list[list[tuple[int, ...]]]:
    """The groups of the last `rounds` rounds, newest first."""
    if rounds <= 0:
        return []
    recent = list(
        (await session.execute(select(IntroRound.id).where(IntroRound.group_id == group_id).order_by(IntroRound.number.desc()).limit(rounds))).scalars()
    )
    if not recent:
        return []
    rows = await session.execute(
        select(IntroPair.round_id, IntroPairMember.pair_id, IntroPairMember.person_id)
        .join(IntroPair, IntroPair.id == IntroPairMember.pair_id)
        .where(IntroPair.round_id.in_(recent))
    )
    by_pair: dict[tuple[int, int], list[int]] = {}
    for round_id, pair_id, person_id in rows:
        by_pair.setdefault((round_id, pair_id), []).append(person_id)
    return [[tuple(sorted(members)) for (r, _), members in sorted(by_pair.items()) if r == round_id] for round_id in recent]


async def avoid_pairs(session: AsyncSession, people: list[int]) -> list[tuple[int, int]]:
    if not people:
        return []
    rows = await session.execute(select(IntroAvoid.person_id, IntroAvoid.avoid_id).where(IntroAvoid.person_id.in_(people)))
    return [(a, b) for a, b in rows]


async def plan_round(session: AsyncSession, settings: Settings, group_id: int, number: int, today: date) -> IntroRoundPlan:
    people = await participants(session, group_id, today)
    past = await history(session, group_id, settings.district.intro_avoid_rounds)
    return pair_round(people, past, await avoid_pairs(session, people), round_seed(group_id, number))


async def run_intro_rounds(session: AsyncSession, settings: Settings, now: datetime) -> int:
    """Hold each due round and ask last week's pairs whether they met; returns the messages queued."""
    today = now.astimezone(settings.timezone).date()
    queued = 0
    for group in (await session.execute(select(Group).where(Group.intros_enabled.is_(True)).order_by(Group.id))).scalars():
        last = (await session.execute(select(IntroRound).where(IntroRound.group_id == group.id).order_by(IntroRound.number.desc()).limit(1))).scalar_one_or_none()
        if last is not None and today < next_round_on(last.held_on, group.intros_cadence):
            continue
        number = (last.number if last else 0) + 1
        plan = await plan_round(session, settings, group.id, number, today)
        if not plan.groups:
            continue  # fewer than two people: try again at the next tick, nothing recorded
        queued += await _hold(session, settings, now, today, group, number, plan)
    queued += await _follow_up(session, settings, now)
    return queued


async def _hold(session, settings, now, today, group: Group, number: int, plan: IntroRoundPlan) -> int:
    held = IntroRound(group_id=group.id, number=number, held_on=today, held_at=now, relaxed=plan.relaxed, followed_up=False)
    session.add(held)
    await session.flush()
    # In bulk: a round of a 5,000-member group is 2,500 pairs and 5,000 answers.
    # Core inserts without RETURNING, then the round's ids in order: ids grow in the order one
    # transaction inserts them (SQLite's rowid, PostgreSQL's sequence), and every pair of this
    # round is ours. Row-by-row RETURNING was most of the round's time.
    await session.execute(insert(IntroPair.__table__), [{"round_id": held.id} for _ in plan.groups])
    pair_ids = list((await session.execute(select(IntroPair.id).where(IntroPair.round_id == held.id).order_by(IntroPair.id))).scalars())
    assert len(pair_ids) == len(plan.groups)
    pairs = list(zip(pair_ids, plan.groups))
    await session.execute(insert(IntroPairMember.__table__), [{"pair_id": pair_id, "person_id": p, "met": None} for pair_id, members in pairs for p in members])
    languages = dict((await session.execute(select(Person.id, Person.language).where(Person.id.in_([p for g in plan.groups for p in g])))).all())
    at = next_working_moment(now, settings.timezone, settings.district.work_start, settings.district.work_end)
    # One reply per mix of languages and pair size, shared by every pair that has it, and the
    # whole round written in a few statements.
    replies: dict[tuple[tuple[str, ...], bool], Reply] = {}
    items = []
    for pair_id, members in pairs:
        spoken = tuple(sorted({languages.get(p, "en") for p in members}, key=lambda code: (code != "en", code)))
        trio = len(members) > 2
        reply = replies.get((spoken, trio))
        if reply is None:
            # The group DM shows who is in it; the text names only the group they all chose.
            body = "\n\n".join(Translator(code)("intros.intro_body", group=group.name, trio=Translator(code)("intros.trio_note") if trio else "") for code in spoken)
            reply = replies[(spoken, trio)] = card_reply(Card(title=Translator(spoken[0])("intros.intro_title", group=group.name), body=body), ephemeral=False)
        items.append(outbox.Outgoing(key=f"intro:{held.id}:{pair_id}", kind="intro", reply=reply, person_id=None, group_id=group.id, not_before=at, people=tuple(members)))
    return await outbox.enqueue_many(session, items, now)


async def _follow_up(session: AsyncSession, settings: Settings, now: datetime) -> int:
    due = list((await session.execute(select(IntroRound).where(IntroRound.followed_up.is_(False), IntroRound.held_at <= now - FOLLOW_UP_AFTER))).scalars())
    queued = 0
    at = next_working_moment(now, settings.timezone, settings.district.work_start, settings.district.work_end)
    for held in due:
        held.followed_up = True
        group = await session.get(Group, held.group_id)
        rows = await session.execute(
            select(IntroPairMember.pair_id, Person.id, Person.language)
            .join(IntroPair, IntroPair.id == IntroPairMember.pair_id)
            .join(Person, Person.id == IntroPairMember.person_id)
            .where(IntroPair.round_id == held.id)
        )
        for pair_id, person_id, language in rows:
            t = Translator(language)
            card = Card(
                title=t("intros.followup_title"),
                body=t("intros.followup_body", group=group.name if group else ""),
                actions=(Button(t("intros.button_met"), line(IntrosMet(pair_id, True)), style="primary"), Button(t("intros.button_not_met"), line(IntrosMet(pair_id, False)))),
            )
            queued += int(
                await outbox.enqueue(
                    session, key=f"intro-followup:{pair_id}:{person_id}", kind="intro_followup", reply=card_reply(card, ephemeral=False),
                    now=now, person_id=person_id, group_id=held.group_id, not_before=at,
                )
            )
    return queued
