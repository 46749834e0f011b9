"""The scheduled half of peer intros: a round per group on its cadence, and the "did you meet?" a week later."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import batches, outbox
from bot.cards import card_reply
from bot.catalogue import Translator
from bot.config import Settings
from bot.hours import next_working_moment
from bot.intros.commands import IntrosMet
from bot.intros.pairing import IntroRoundPlan, pair_round, round_seed
from bot.parsing import line
from bot.types import Button, Card, Reply
from storage.models import Group, IntroAvoid, IntroOptIn, IntroPair, IntroPairMember, IntroRound, Membership, OutboxItem, Person

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


#: A round whose messages were not all written (the job was stopped between chunks) is finished
#: by the runs within this long after it was held.
RESUME_WITHIN = timedelta(days=1)


async def run_intro_rounds(session: AsyncSession, settings: Settings, now: datetime) -> int:
    """Hold each due round and ask last week's pairs whether they met; returns the messages queued.

    A round is written in a few short transactions (bot/batches.py): the round with its pairs,
    then the pairs' messages a chunk at a time. A run stopped in between is finished by the next.
    """
    today = now.astimezone(settings.timezone).date()
    queued = await _finish_rounds(session, settings, now)
    for group in (await session.execute(select(Group).where(Group.intros_enabled.is_(True)).order_by(Group.id))).scalars().all():
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
    # On the connection, not through the ORM's bulk path: the round's transaction is the one
    # this job cannot split (a round is never left half-paired), so it is kept as short as can be.
    connection = await session.connection()
    await connection.execute(insert(IntroPair.__table__), [{"round_id": held.id} for _ in plan.groups])
    pair_ids = list((await connection.execute(select(IntroPair.id).where(IntroPair.round_id == held.id).order_by(IntroPair.id))).scalars())
    assert len(pair_ids) == len(plan.groups)
    pairs = list(zip(pair_ids, plan.groups))
    await connection.execute(insert(IntroPairMember.__table__), [{"pair_id": pair_id, "person_id": p, "met": None} for pair_id, members in pairs for p in members])
    # The round and who is paired with whom are one transaction (small rows of ids); the
    # messages follow a chunk at a time.
    await batches.commit(session)
    return await _send_round(session, settings, now, held.id, group, pairs)


async def _finish_rounds(session: AsyncSession, settings: Settings, now: datetime) -> int:
    """Write the messages of any recent round that has pairs without theirs (a run stopped between chunks)."""
    queued = 0
    recent = (await session.execute(select(IntroRound.id, IntroRound.group_id).where(IntroRound.held_at >= now - RESUME_WITHIN))).all()
    for round_id, group_id in recent:
        members: dict[int, list[int]] = {}
        for pair_id, person_id in await session.execute(
            select(IntroPairMember.pair_id, IntroPairMember.person_id).join(IntroPair, IntroPair.id == IntroPairMember.pair_id).where(IntroPair.round_id == round_id)
        ):
            members.setdefault(pair_id, []).append(person_id)
        # Pairs of two or more (forget-me can leave one alone, whose message was withdrawn),
        # looked up in the outbox by their exact keys (its unique index).
        whole = [(pair_id, tuple(sorted(people))) for pair_id, people in sorted(members.items()) if len(people) >= 2]
        keys = [f"intro:{round_id}:{pair_id}" for pair_id, _ in whole]
        written = 0
        for chunk in batches.chunks(keys):
            written += (await session.execute(select(func.count()).select_from(OutboxItem).where(OutboxItem.key.in_(chunk)))).scalar()
        if written >= len(keys):
            continue
        group = await session.get(Group, group_id)
        if group is not None:
            queued += await _send_round(session, settings, now, round_id, group, whole)
    return queued


async def _send_round(session, settings, now, round_id: int, group: Group, pairs) -> int:
    languages = dict((await session.execute(select(Person.id, Person.language).where(Person.id.in_([p for _, g in pairs for p in g])))).all())
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
        items.append(outbox.Outgoing(key=f"intro:{round_id}:{pair_id}", kind="intro", reply=reply, person_id=None, group_id=group.id, not_before=at, people=tuple(members)))
    return await batches.enqueue_in_chunks(session, items, now)


async def _follow_up(session: AsyncSession, settings: Settings, now: datetime) -> int:
    """Ask each pair of the rounds held a week ago whether they met: a chunk of messages per
    transaction, the round marked followed up once all are written (a stopped run is redone by
    the next, and the keys keep each message once)."""
    due = list((await session.execute(select(IntroRound).where(IntroRound.followed_up.is_(False), IntroRound.held_at <= now - FOLLOW_UP_AFTER))).scalars())
    queued = 0
    at = next_working_moment(now, settings.timezone, settings.district.work_start, settings.district.work_end)
    for held in due:
        group = await session.get(Group, held.group_id)
        rows = await session.execute(
            select(IntroPairMember.pair_id, Person.id, Person.language)
            .join(IntroPair, IntroPair.id == IntroPairMember.pair_id)
            .join(Person, Person.id == IntroPairMember.person_id)
            .where(IntroPair.round_id == held.id)
        )
        items = []
        for pair_id, person_id, language in rows:
            t = Translator(language)
            card = Card(
                title=t("intros.followup_title"),
                body=t("intros.followup_body", group=group.name if group else ""),
                actions=(Button(t("intros.button_met"), line(IntrosMet(pair_id, True)), style="primary"), Button(t("intros.button_not_met"), line(IntrosMet(pair_id, False)))),
            )
            items.append(
                outbox.Outgoing(
                    key=f"intro-followup:{pair_id}:{person_id}", kind="intro_followup", reply=card_reply(card, ephemeral=False),
                    person_id=person_id, group_id=held.group_id, not_before=at,
                )
            )
        queued += await batches.enqueue_in_chunks(session, items, now)
        held.followed_up = True
        await batches.commit(session)
    return queued
