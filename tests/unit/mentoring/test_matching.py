"""Mentor matching: optimal against brute force, never a forbidden pair, deterministic, explained."""

from __future__ import annotations

import math
import random
from dataclasses import fields

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.mentoring.matching import (
    THEMES,
    MatchPlan,
    MatchWeights,
    Mentee,
    Mentor,
    ProposedMatch,
    Reason,
    Unmatched,
    _score_matrix,
    plan_greedy,
    plan_matches,
    score_pair,
)

WEIGHT_NAMES = [f.name for f in fields(MatchWeights)]

# Small vocabularies so that people often share traits (and often tie).
_traits = dict(
    site=st.sampled_from(["north", "south", None]),
    job_role=st.sampled_from(["teacher", "counselor", None]),
    subjects=st.frozensets(st.sampled_from(["math", "ela", "art"]), max_size=2),
    grade_band=st.sampled_from(["elementary", "high", None]),
    languages=st.frozensets(st.sampled_from(["en", "es", "vi"]), max_size=2),
    match_groups=st.frozensets(st.integers(1, 3), max_size=2),
    themes=st.dictionaries(st.sampled_from(THEMES[:3]), st.integers(1, 3), max_size=2),
    years_experience=st.none() | st.integers(0, 12),
    supervisor_id=st.none() | st.integers(1, 9),
)


def _people(kind, ids, **extra):
    return st.tuples(*[st.builds(kind, person_id=st.just(pid), **_traits, **extra) for pid in ids]).map(list)


@st.composite
def cases(draw, max_mentees=6, max_mentors=4):
    # Ids come from one small pool, so a person can be both mentee and mentor, and supervisors exist.
    mentee_ids = draw(st.lists(st.integers(1, 9), max_size=max_mentees, unique=True))
    mentor_ids = draw(st.lists(st.integers(1, 9), max_size=max_mentors, unique=True))
    mentees = draw(_people(Mentee, mentee_ids))
    mentors = draw(_people(Mentor, mentor_ids, capacity=st.integers(1, 3)))
    excluded = draw(st.frozensets(st.tuples(st.sampled_from(mentee_ids or [1]), st.sampled_from(mentor_ids or [1])), max_size=6))
    weights = draw(weight_sets())
    return mentees, mentors, weights, excluded


def weight_sets():
    amounts = st.one_of(st.sampled_from([0, 1, 2, 0.5]), st.integers(0, 5000).map(lambda v: v / 1000))
    return st.fixed_dictionaries({}, optional={name: amounts for name in WEIGHT_NAMES if name != "experience_gap_years"}).map(
        MatchWeights.from_mapping
    )


def _never(mentee, mentor, excluded):
    return (
        mentee.person_id == mentor.person_id
        or mentee.supervisor_id == mentor.person_id
        or mentor.supervisor_id == mentee.person_id
        or (mentee.person_id, mentor.person_id) in excluded
    )


def _milli(plan: MatchPlan) -> int:
    return sum(round(p.score * 1000) for p in plan.pairs)


def _brute_force(mentees, mentors, weights, excluded) -> tuple[int, int]:
    """Best (total milli-points, number of pairs) over every feasible assignment."""
    worth = [[None if _never(e, r, excluded) else round(score_pair(e, r, weights)[0] * 1000) for r in mentors] for e in mentees]
    left = [r.capacity for r in mentors]
    best = (0, 0)

    def visit(i, total, pairs):
        nonlocal best
        if i == len(mentees):
            best = max(best, (total, pairs))
            return
        visit(i + 1, total, pairs)
        for j, w in enumerate(worth[i]):
            if w is not None and left[j]:
                left[j] -= 1
                visit(i + 1, total + w, pairs + 1)
                left[j] += 1

    visit(0, 0, 0)
    return best


def _check_valid(plan: MatchPlan, mentees, mentors, weights, excluded):
    mentee_by_id = {m.person_id: m for m in mentees}
    mentor_by_id = {m.person_id: m for m in mentors}
    paired = [p.mentee_id for p in plan.pairs]
    assert len(paired) == len(set(paired)), "a mentee was paired twice"
    assert sorted(paired + [u.person_id for u in plan.unmatched]) == sorted(mentee_by_id), "every mentee is paired or unmatched, once"
    for mentor in mentors:
        assert sum(p.mentor_id == mentor.person_id for p in plan.pairs) <= mentor.capacity
    for pair in plan.pairs:
        assert not _never(mentee_by_id[pair.mentee_id], mentor_by_id[pair.mentor_id], excluded)
        assert (pair.score, pair.reasons) == score_pair(mentee_by_id[pair.mentee_id], mentor_by_id[pair.mentor_id], weights)
    assert list(plan.pairs) == sorted(plan.pairs, key=lambda p: (p.mentee_id, p.mentor_id))
    assert list(plan.unmatched) == sorted(plan.unmatched, key=lambda u: u.person_id)
    load = {m: sum(p.mentor_id == m for p in plan.pairs) for m in mentor_by_id}
    for gap in plan.unmatched:
        mentee = mentee_by_id[gap.person_id]
        allowed = [r for r in mentors if not _never(mentee, r, excluded)]
        if not mentors:
            assert gap.reason_key == "no_mentors"
        elif not allowed:
            assert gap.reason_key == "only_excluded_mentors"
        else:
            assert gap.reason_key == "no_capacity"
            assert all(load[r.person_id] == r.capacity for r in allowed)


@settings(max_examples=150, deadline=None)
@given(cases())
def test_the_plan_is_as_good_as_every_possible_assignment(case):
    mentees, mentors, weights, excluded = case
    plan = plan_matches(mentees, mentors, weights, excluded)
    _check_valid(plan, mentees, mentors, weights, excluded)
    # Best total first, then the most pairs among plans with that total.
    assert (_milli(plan), len(plan.pairs)) == _brute_force(mentees, mentors, weights, excluded)


@settings(max_examples=50, deadline=None)
@given(cases(max_mentees=12, max_mentors=6), st.randoms(use_true_random=False))
def test_the_same_people_in_any_order_get_the_same_plan(case, rng):
    mentees, mentors, weights, excluded = case
    plan = plan_matches(mentees, mentors, weights, excluded)
    shuffled_mentees, shuffled_mentors = mentees[:], mentors[:]
    rng.shuffle(shuffled_mentees)
    rng.shuffle(shuffled_mentors)
    assert plan_matches(shuffled_mentees, shuffled_mentors, weights, frozenset(excluded)) == plan
    assert plan_greedy(shuffled_mentees, shuffled_mentors, weights, excluded) == plan_greedy(mentees, mentors, weights, excluded)


@settings(max_examples=60, deadline=None)
@given(cases(max_mentees=12, max_mentors=6))
def test_greedy_is_valid_and_never_beats_the_optimum(case):
    mentees, mentors, weights, excluded = case
    greedy = plan_greedy(mentees, mentors, weights, excluded)
    _check_valid(greedy, mentees, mentors, weights, excluded)
    assert _milli(greedy) <= _milli(plan_matches(mentees, mentors, weights, excluded))


@settings(max_examples=60, deadline=None)
@given(cases(max_mentees=8, max_mentors=8), st.integers(0, 6))
def test_every_pair_scores_the_same_one_at_a_time_and_all_at_once(case, gap_years):
    mentees, mentors, weights, _ = case
    weights = MatchWeights.from_mapping({f.name: getattr(weights, f.name) for f in fields(weights)} | {"experience_gap_years": gap_years})
    matrix = _score_matrix(mentees, mentors, weights)
    for j, mentor in enumerate(mentors):
        for i, mentee in enumerate(mentees):
            score, reasons = score_pair(mentee, mentor, weights)
            assert matrix[j, i] == round(score * 1000)
            # The reasons add up to the score: each is worth its weight.
            weight_of = {"theme": "theme_growth"}
            assert round(score * 1000) == sum(round(getattr(weights, weight_of.get(r.key, r.key)) * 1000) for r in reasons)


# --- examples -----------------------------------------------------------------------------------


def test_reasons_name_what_the_pair_shares():
    mentee = Mentee(
        1,
        site="lincoln-elementary",
        job_role="teacher",
        subjects={"math", "art"},
        grade_band="elementary",
        languages={"en", "es"},
        match_groups={7, 9},
        themes={"policy_reform": 1, "advocacy_practice": 2, "political_advocacy": 1},
        years_experience=1,
    )
    mentor = Mentor(
        2,
        site="lincoln-elementary",
        job_role="teacher",
        subjects={"math", "science"},
        grade_band="elementary",
        languages={"es", "en"},
        match_groups={7, 3},
        themes={"policy_reform": 3, "advocacy_practice": 2},
        years_experience=12,
        capacity=2,
    )
    score, reasons = score_pair(mentee, mentor, MatchWeights())
    assert reasons == (
        Reason("shared_group", {"group_id": 7}),
        Reason("same_site", {}),
        Reason("same_role", {}),
        Reason("shared_subject", {"subject": "math"}),
        Reason("same_grade_band", {}),
        Reason("shared_language", {"language": "en"}),
        Reason("shared_language", {"language": "es"}),
        Reason("experience_gap", {"mentee_years": 1, "mentor_years": 12}),
        Reason("theme", {"theme": "policy_reform", "mentee_level": 1, "mentor_level": 3}),
    )
    assert score == 4 + 3 + 2 + 2 + 1.5 + 1 + 1 + 2 + 1.5
    assert len({*reasons}) == len(reasons)  # reasons are hashable values


def test_a_small_gap_in_experience_is_no_reason():
    weights = MatchWeights(experience_gap_years=5)
    assert score_pair(Mentee(1, years_experience=2), Mentor(2, years_experience=6), weights) == (0.0, ())
    assert score_pair(Mentee(1, years_experience=2), Mentor(2, years_experience=7), weights)[1] == (
        Reason("experience_gap", {"mentee_years": 2, "mentor_years": 7}),
    )
    assert score_pair(Mentee(1), Mentor(2, years_experience=30), weights) == (0.0, ())


def test_a_pair_that_shares_nothing_is_still_better_than_no_mentor():
    plan = plan_matches([Mentee(1, site="north")], [Mentor(2, site="south")])
    assert plan == MatchPlan(pairs=(ProposedMatch(1, 2, 0.0, ()),), unmatched=())


def test_nobody_is_paired_with_themselves_their_supervisor_or_a_past_pair():
    mentees = [Mentee(1, site="x"), Mentee(2, site="x", supervisor_id=20), Mentee(3, site="x"), Mentee(4, site="x")]
    mentors = [Mentor(1, site="x", capacity=5), Mentor(20, site="x", capacity=5), Mentor(30, site="x", supervisor_id=3, capacity=5)]
    plan = plan_matches(mentees, mentors, MatchWeights(), {(4, 1), (4, 20), (4, 30), (1, 20)})
    never = {(1, 1), (2, 20), (3, 30), (1, 20)}  # self, supervisor (each way round), past pair
    assert [p.mentee_id for p in plan.pairs] == [1, 2, 3]
    assert never.isdisjoint((p.mentee_id, p.mentor_id) for p in plan.pairs)
    assert plan.unmatched == (Unmatched(4, "only_excluded_mentors"),)


def test_an_excluded_pair_is_excluded_only_the_way_round_it_was_recorded():
    plan = plan_matches([Mentee(2)], [Mentor(1)], MatchWeights(), {(1, 2)})
    assert [(p.mentee_id, p.mentor_id) for p in plan.pairs] == [(2, 1)]


def test_unmatched_mentees_say_why():
    assert plan_matches([Mentee(1)], []).unmatched == (Unmatched(1, "no_mentors"),)
    plan = plan_matches([Mentee(1, site="a"), Mentee(2, site="b")], [Mentor(9, site="b")])
    assert [(p.mentee_id, p.mentor_id) for p in plan.pairs] == [(2, 9)]
    assert plan.unmatched == (Unmatched(1, "no_capacity"),)


def test_capacity_goes_where_the_total_is_highest_not_to_the_first_comer():
    weights = MatchWeights()
    # Mentee 1 fits mentor 10 a little better than mentor 20, mentee 2 fits only mentor 10:
    # taking the best pair first (1 with 10) would leave mentee 2 with a poor match.
    mentees = [Mentee(1, site="a", job_role="teacher"), Mentee(2, site="a", subjects={"math"})]
    mentors = [Mentor(10, site="a", job_role="teacher", subjects={"math"}), Mentor(20, job_role="teacher")]
    plan = plan_matches(mentees, mentors, weights)
    assert [(p.mentee_id, p.mentor_id) for p in plan.pairs] == [(1, 20), (2, 10)]
    assert plan.total_score == 2 + 5
    assert plan_greedy(mentees, mentors, weights).total_score == 5 + 0


def test_among_equally_good_plans_the_one_matching_more_mentees_wins():
    # Both mentees fit mentor 10 equally; mentor 20 is mentee 2's supervisor. Giving 10 to
    # mentee 2 and 20 to mentee 1 has the same total and matches both.
    mentees = [Mentee(1, site="a"), Mentee(2, site="a", supervisor_id=20)]
    mentors = [Mentor(10, site="a"), Mentor(20, site="b")]
    plan = plan_matches(mentees, mentors)
    assert [(p.mentee_id, p.mentor_id) for p in plan.pairs] == [(1, 20), (2, 10)]
    assert plan.unmatched == ()


def test_no_mentees_or_no_mentors_is_an_empty_plan():
    assert plan_matches([], [Mentor(1)]) == MatchPlan((), ())
    assert plan_greedy([], []) == MatchPlan((), ())


def test_a_person_listed_twice_is_a_bug():
    with pytest.raises(ValueError, match="twice"):
        plan_matches([Mentee(1), Mentee(1)], [Mentor(2)])


def test_profiles_reject_unknown_themes_levels_and_capacities():
    with pytest.raises(ValueError, match="theme"):
        Mentee(1, themes={"charisma": 2})
    with pytest.raises(ValueError, match="level"):
        Mentee(1, themes={"policy_reform": 4})
    for capacity in (0, 6, 2.5, True):
        with pytest.raises(ValueError, match="capacity"):
            Mentor(1, capacity=capacity)


def test_weights_from_configuration():
    assert MatchWeights.from_mapping({}) == MatchWeights()
    weights = MatchWeights.from_mapping({"same_site": 5, "theme_growth": 0.25, "experience_gap_years": 4})
    assert (weights.same_site, weights.theme_growth, weights.experience_gap_years) == (5, 0.25, 4)


@pytest.mark.parametrize(
    "values, key",
    [
        ({"same_sight": 1}, "same_sight"),
        ({"same_site": -1}, "same_site"),
        ({"shared_language": "high"}, "shared_language"),
        ({"shared_group": None}, "shared_group"),
        ({"same_role": True}, "same_role"),
        ({"theme_growth": math.nan}, "theme_growth"),
        ({"experience_gap": math.inf}, "experience_gap"),
        ({"experience_gap_years": 2.5}, "experience_gap_years"),
        ({"same_grade_band": 10_000}, "same_grade_band"),
    ],
)
def test_bad_weights_are_refused_by_name(values, key):
    with pytest.raises(ValueError, match=key):
        MatchWeights.from_mapping(values)


def test_a_district_sized_plan_is_valid_and_beats_greedy():
    rng = random.Random(5)
    sites, roles = ["a", "b", "c", "d"], ["teacher", "counselor", "coach"]
    mentees = [Mentee(i, site=rng.choice(sites), job_role=rng.choice(roles), match_groups={rng.randint(1, 5)}, supervisor_id=rng.choice([None, 1001])) for i in range(1, 301)]
    mentors = [Mentor(1000 + j, site=rng.choice(sites), job_role=rng.choice(roles), match_groups={rng.randint(1, 5)}, capacity=rng.randint(1, 3)) for j in range(1, 81)]
    excluded = frozenset((rng.randint(1, 300), rng.randint(1001, 1080)) for _ in range(100))
    weights = MatchWeights()
    plan = plan_matches(mentees, mentors, weights, excluded)
    _check_valid(plan, mentees, mentors, weights, excluded)
    assert _milli(plan) >= _milli(plan_greedy(mentees, mentors, weights, excluded))
