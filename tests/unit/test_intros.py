"""Peer intros: the pairing rules as properties over many rounds, and the commands around them."""

from __future__ import annotations

import itertools
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from bot import registry
from bot.intros.pairing import IntroRoundPlan, pair_round, round_seed
from storage.models import Group, IntroOptIn, IntroPair, IntroPairMember, IntroRound, MentorProfile, OutboxItem, Person
from tests.support.dump import dump_rows

# --- the pure pairing ----------------------------------------------------------------------------


def _pairs_of(groups):
    return {frozenset(p) for g in groups for p in itertools.combinations(g, 2)}


def _arrangements(people):
    """Every way to split `people` into pairs and (when odd) one trio."""
    people = list(people)
    if not people:
        yield []
        return
    first, rest = people[0], people[1:]
    for partner in rest:
        others = [p for p in rest if p != partner]
        for tail in _arrangements(others):
            yield [(first, partner), *tail]
    if len(people) % 2 == 1:
        for a, b in itertools.combinations(rest, 2):
            others = [p for p in rest if p not in (a, b)]
            if len(others) % 2 == 0:
                for tail in _arrangements_even(others):
                    yield [(first, a, b), *tail]


def _arrangements_even(people):
    people = list(people)
    if not people:
        yield []
        return
    first, rest = people[0], people[1:]
    for partner in rest:
        for tail in _arrangements_even([p for p in rest if p != partner]):
            yield [(first, partner), *tail]


def _allowed(arrangement, banned):
    return not (_pairs_of(arrangement) & banned)


def _check_cover(plan: IntroRoundPlan, people):
    placed = [p for g in plan.groups for p in g] + list(plan.alone)
    assert sorted(placed) == sorted(set(people)), "everyone exactly once"
    assert all(len(g) in (2, 3) for g in plan.groups)
    assert sum(len(g) == 3 for g in plan.groups) <= 1, "at most one trio"
    if len(set(people)) % 2 == 0:
        assert all(len(g) == 2 for g in plan.groups) or plan.alone


@st.composite
def small_cases(draw):
    people = draw(st.lists(st.integers(1, 9), min_size=0, max_size=7, unique=True))
    past = st.lists(st.tuples(st.sampled_from(people or [1]), st.sampled_from(people or [1])).filter(lambda t: t[0] != t[1]), max_size=4)
    history = draw(st.lists(past, max_size=4))
    avoid = draw(st.lists(st.tuples(st.sampled_from(people or [1]), st.sampled_from(people or [1])), max_size=2))
    seed = draw(st.integers(0, 2**32))
    return people, history, avoid, seed


@given(small_cases())
@settings(max_examples=300, deadline=None)
def test_small_rounds_match_an_exhaustive_search(case):
    """relaxed is the fewest oldest rounds that must be set aside, and nobody is alone needlessly."""
    people, history, avoid, seed = case
    plan = pair_round(people, history, avoid, seed)
    _check_cover(plan, people)
    never = {frozenset(a) for a in avoid if a[0] != a[1]}
    assert not (_pairs_of(plan.groups) & never), "do-not-pair is never set aside"
    everyone = sorted(set(people))
    arrangements = list(_arrangements(everyone)) if len(everyone) >= 2 else []
    fewest = None
    for relaxed in range(len(history) + 1):
        banned = never | {frozenset(p) for past in history[: len(history) - relaxed] for p in past}
        if any(_allowed(a, banned) for a in arrangements):
            fewest = relaxed
            break
    if fewest is None:
        assert plan.alone or not people, "someone is alone only when no arrangement exists"
    else:
        assert plan.alone == () and plan.relaxed == fewest
        kept = {frozenset(p) for past in history[: len(history) - fewest] for g in past for p in itertools.combinations(g, 2)}
        assert not (_pairs_of(plan.groups) & kept)


@given(
    size=st.integers(2, 40),
    avoid_rounds=st.integers(0, 6),
    rounds=st.integers(1, 30),
    seed=st.integers(0, 1000),
    snoozed_share=st.sampled_from([0.0, 0.1, 0.3]),
)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_many_simulated_rounds_never_repeat_within_n_and_leave_nobody_out(size, avoid_rounds, rounds, seed, snoozed_share):
    rng = random.Random(seed)
    members = list(range(100, 100 + size))
    past: list[tuple[tuple[int, ...], ...]] = []
    for number in range(1, rounds + 1):
        # Some people snooze a round: the round is paired among the others.
        present = [p for p in members if rng.random() >= snoozed_share]
        remembered = past[:avoid_rounds]
        plan = pair_round(present, remembered, (), round_seed(7, number))
        _check_cover(plan, present)
        if len(present) >= 2:
            assert plan.alone == ()
        kept = remembered[: len(remembered) - plan.relaxed]
        assert not (_pairs_of(plan.groups) & {p for r in kept for p in _pairs_of(r)})
        if len(present) >= 4 * avoid_rounds + 2:
            # Each person has at most 2N recent partners, so a pairing without them always exists.
            assert plan.relaxed == 0
        past.insert(0, plan.groups)


@given(st.lists(st.integers(1, 50), max_size=20, unique=True), st.integers(0, 99))
def test_the_same_input_in_any_order_gives_the_same_round(people, seed):
    shuffled = list(people)
    random.Random(seed).shuffle(shuffled)
    history = [[tuple(people[i : i + 2]) for i in range(0, len(people) - 1, 2)]]
    assert pair_round(people, history, (), seed) == pair_round(shuffled, history, (), seed)


def test_a_round_seed_differs_by_group_and_number_and_is_stable():
    assert round_seed(1, 1) != round_seed(1, 2) != round_seed(2, 1)
    assert round_seed(3, 4) == round_seed(3, 4)


def test_a_large_group_is_paired_in_one_pass():
    people = list(range(1, 5002))
    plan = pair_round(people, (), (), round_seed(1, 1))
    _check_cover(plan, people)
    assert plan.relaxed == 0 and sum(len(g) == 3 for g in plan.groups) == 1


# --- through the core ------------------------------------------------------------------------------

LGBTQ_OPTING_IN = ("alex.morgan", "hannah.lee", "ethan.davis", "mei.chen", "noah.williams")


async def _without_the_demo_pool(district) -> None:
    """The sample district comes with mentoring profiles and intro opt-ins; these tests build their own."""
    async with district.sessions() as s:
        await s.execute(delete(MentorProfile))
        await s.execute(delete(IntroOptIn))
        await s.commit()


async def _run_job(district) -> int:
    async with district.sessions() as s:
        queued = await registry.jobs()["intros.rounds"](s, district.settings, district.now())
        await s.commit()
    return queued


async def _ids(district, *who: str) -> dict[str, int]:
    async with district.sessions() as s:
        rows = dict((await s.execute(select(Person.email, Person.id))).all())
    return {w: rows[f"{w}@district.example"] for w in who}


async def _rounds(district) -> list[list[tuple[int, ...]]]:
    async with district.sessions() as s:
        rows = (
            await s.execute(
                select(IntroRound.number, IntroPairMember.pair_id, IntroPairMember.person_id)
                .join(IntroPair, IntroPair.round_id == IntroRound.id)
                .join(IntroPairMember, IntroPairMember.pair_id == IntroPair.id)
                .order_by(IntroRound.number, IntroPairMember.pair_id, IntroPairMember.person_id)
            )
        ).all()
    rounds: dict[int, dict[int, list[int]]] = {}
    for number, pair, person in rows:
        rounds.setdefault(number, {}).setdefault(pair, []).append(person)
    return [[tuple(g) for g in rounds[n].values()] for n in sorted(rounds)]


async def test_opting_in_is_per_group_and_only_where_one_belongs(speaker, district):
    await _without_the_demo_pool(district)
    assert (await speaker("maria.lopez").say("intros on lgbtq-educators")).refused
    assert not (await speaker("hannah.lee").say("intros on lgbtq-educators")).refused
    assert (await speaker("hannah.lee").say("intros on lgbtq-educators")).refused  # already
    assert not (await speaker("hannah.lee").say("intros on")).refused  # every group
    # Off in one group while on everywhere: the one row becomes the person's other groups.
    assert not (await speaker("hannah.lee").say("intros off lgbtq-educators")).refused
    ids = await _ids(district, "hannah.lee")
    async with district.sessions() as s:
        groups = dict((await s.execute(select(Group.id, Group.slug))).all())
        rows = list((await s.execute(select(IntroOptIn.group_id).where(IntroOptIn.person_id == ids["hannah.lee"]))).scalars())
    assert sorted(groups[g] for g in rows) == ["new-teachers"]
    assert (await speaker("hannah.lee").say("intros snooze 13")).refused
    assert "until" in (await speaker("hannah.lee").say("intros snooze 2")).text
    assert not (await speaker("hannah.lee").say("intros off")).refused
    assert (await speaker("hannah.lee").say("intros snooze 2")).refused


async def test_only_a_facilitator_turns_intros_on_for_a_group(speaker, district):
    await _without_the_demo_pool(district)
    assert (await speaker("hannah.lee").say("groups intros lgbtq-educators on weekly")).refused
    assert (await speaker("jordan.reyes").say("groups intros lgbtq-educators weekly")).refused  # a cadence needs "on"
    on = await speaker("jordan.reyes").say("groups intros lgbtq-educators on weekly")
    assert not on.refused and "every week" in on.text
    async with district.sessions() as s:
        group = (await s.execute(select(Group).where(Group.slug == "lgbtq-educators"))).scalar_one()
        assert group.intros_enabled and group.intros_cadence == "weekly"


async def test_rounds_pair_everyone_who_opted_in_skip_the_snoozed_and_follow_up(speaker, district, clock):
    await _without_the_demo_pool(district)
    for who in LGBTQ_OPTING_IN + ("olivia.brown",):
        assert not (await speaker(who).say("intros on")).refused
    await speaker("olivia.brown").say("intros snooze 2")
    await speaker("jordan.reyes").say("groups intros lgbtq-educators on weekly")
    ids = await _ids(district, *LGBTQ_OPTING_IN, "olivia.brown")
    assert await _run_job(district) == 2  # a pair and the trio
    assert await _run_job(district) == 0  # not due again this week
    (first,) = await _rounds(district)
    assert sorted(p for g in first for p in g) == sorted(ids[w] for w in LGBTQ_OPTING_IN)
    assert sorted(len(g) for g in first) == [2, 3]
    async with district.sessions() as s:
        intros = list((await s.execute(select(OutboxItem).where(OutboxItem.kind == "intro"))).scalars())
    assert sorted(tuple(i.people) for i in intros) == sorted(first)
    assert all(i.group_id is not None and i.person_id is None for i in intros)
    clock.advance(days=7)
    await _run_job(district)
    async with district.sessions() as s:
        followups = list((await s.execute(select(OutboxItem).where(OutboxItem.kind == "intro_followup"))).scalars())
    assert sorted(f.person_id for f in followups) == sorted(ids[w] for w in LGBTQ_OPTING_IN)
    rounds = await _rounds(district)
    assert len(rounds) == 2
    hannah = next(f for f in followups if f.person_id == ids["hannah.lee"])
    yes = next(b["value"] for b in hannah.payload["card"]["actions"] if b["value"].endswith("yes"))
    assert not (await speaker("hannah.lee").say(yes)).refused
    assert (await speaker("maria.lopez").say(yes)).refused  # not her pair
    figures = await speaker("jordan.reyes").say("groups intros lgbtq-educators")
    assert "fewer than 5 of fewer than 5 pairs" in figures.text
    assert (await speaker("hannah.lee").say("groups intros lgbtq-educators")).refused


async def test_do_not_pair_and_recent_partners_hold_over_many_rounds(speaker, district, clock):
    await _without_the_demo_pool(district)
    for who in LGBTQ_OPTING_IN:
        await speaker(who).say("intros on lgbtq-educators")
    await speaker("alex.morgan").say("intros avoid hannah.lee@district.example")
    await speaker("jordan.reyes").say("groups intros lgbtq-educators on weekly")
    ids = await _ids(district, "alex.morgan", "hannah.lee")
    for _ in range(6):
        await _run_job(district)
        clock.advance(days=7)
    rounds = await _rounds(district)
    assert len(rounds) == 6
    for groups in rounds:
        assert all(not {ids["alex.morgan"], ids["hannah.lee"]} <= set(g) for g in groups)
        assert sorted(len(g) for g in groups) == [2, 3]


async def test_forget_me_removes_intro_rows(speaker, district):
    await _without_the_demo_pool(district)
    for who in LGBTQ_OPTING_IN:
        await speaker(who).say("intros on")
    await speaker("alex.morgan").say("intros avoid hannah.lee@district.example")
    await speaker("jordan.reyes").say("groups intros lgbtq-educators on weekly")
    await _run_job(district)
    ids = await _ids(district, "hannah.lee")
    await speaker("hannah.lee").say("forget-me")
    assert not (await speaker("hannah.lee").say("yes")).refused
    rows = await dump_rows(district)
    columns = ("person_id", "avoid_id", "about_id")
    assert [(t, r) for t, r in rows if any(r.get(c) == ids["hannah.lee"] for c in columns)] == []
    assert [r for t, r in rows if "Hannah Lee" in repr(r)] == []
