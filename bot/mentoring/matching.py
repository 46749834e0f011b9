"""Mentor matching: the optimal, explainable assignment of mentees to mentors under capacity.

How a plan is made
------------------
* Every (mentee, mentor) pair earns a compatibility score: the sum of the `MatchWeights` of the
  traits they share (each shared affinity group the mentee chose to be matched on, same site, same
  job role, each shared subject, same grade band, each shared language, a mentor experienced by at
  least `experience_gap_years` more years, and each growth theme the mentee asked for on which the
  mentor stands at a higher level).  Each part of the score is returned as a `Reason` key with its
  parameters, so the core can say it in any language.
* Weights are honoured to a thousandth of a point: scores are summed as whole milli-points, which
  keeps the optimisation exact (no floating-point ties decided by rounding).
* Never paired: a person with themselves, a person with their recorded supervisor (either way
  round), and any (mentee_id, mentor_id) in `excluded_pairs` (declined or ended before).  An
  excluded pair is directional, as it was recorded.
* A pair that shares nothing (score 0) may still be proposed: a mentor with a free place is better
  than no mentor.  Such a pair carries no reasons.
* The plan maximises the total score under every mentor's capacity (an optimal assignment, not a
  greedy one).  Among plans with the same total it matches as many mentees as possible: a pair is
  worth `score * K + 1` with K larger than any possible number of pairs, so the bonus for one more
  pair never outweighs a thousandth of a point.
* Same input, same plan: people are sorted by id before anything else, so the order they arrive
  in does not matter; the solver itself is deterministic.

Unmatched mentees are listed with a reason key: ``no_mentors`` (nobody offered to mentor),
``only_excluded_mentors`` (every mentor is excluded for them), or ``no_capacity`` (every mentor
they could have had is full with pairs that score at least as well in total).

The solver
----------
The scores form a dense mentors x mentees matrix, computed in one matrix product of trait
indicators (every part of the score is "the mentee has trait t and the mentor has trait t'", so the
score is bilinear in the traits).  Mentors are expanded into one row per place and the assignment
is solved exactly by `scipy.optimize.linear_sum_assignment` (shortest augmenting paths) on that
matrix, with cost -(score * K + 1) for a pair and 0 for a forbidden pair (a place left empty).
Grouping people by identical profile would shrink the problem only if profiles repeated; with
set-valued traits (groups, subjects, languages, themes) and years they hardly do, and the dense
solve already takes a few seconds and well under a gigabyte for 10,000 mentees and 6,000 places,
so the plain exact solve is used.  Memory is 8 bytes per (place, mentee).  See bench/matching.py.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import AbstractSet, Iterable, Mapping, Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment

#: The growth themes of the advocacy competency framework.
THEMES = (
    "advocacy_practice",
    "relationships_partnerships",
    "social_justice_lens",
    "policy_reform",
    "political_advocacy",
    "data_driven_planning",
)
#: 1 foundational, 2 mobilizing, 3 agenda-driving.
THEME_LEVELS = (1, 2, 3)
MAX_CAPACITY = 5
#: Keeps every sum the solver forms an exact whole number in float64 (see `_pair_bonus`).
MAX_WEIGHT = 1000.0

_MILLI = 1000


@dataclass(frozen=True)
class _Traits:
    """What a person can be matched on (shared by mentees and mentors)."""

    person_id: int
    site: str | None = None
    job_role: str | None = None
    subjects: frozenset[str] = frozenset()
    grade_band: str | None = None
    languages: frozenset[str] = frozenset()
    match_groups: frozenset[int] = frozenset()
    #: Theme -> level 1..3.  For a mentee: the themes they want to grow in, at their current level;
    #: for a mentor: the themes they can help with, at their own level.
    themes: Mapping[str, int] = field(default_factory=dict)
    years_experience: int | None = None
    supervisor_id: int | None = None

    def __post_init__(self) -> None:
        for name in ("subjects", "languages", "match_groups"):
            if isinstance(getattr(self, name), str):
                raise ValueError(f"{name} must be a set, not one string")
            object.__setattr__(self, name, frozenset(getattr(self, name)))
        themes = dict(self.themes)
        for theme, level in themes.items():
            if theme not in THEMES:
                raise ValueError(f"unknown theme {theme!r}")
            if level not in THEME_LEVELS:
                raise ValueError(f"theme {theme!r} has level {level!r}, expected 1, 2 or 3")
        object.__setattr__(self, "themes", MappingProxyType({t: themes[t] for t in THEMES if t in themes}))
        if self.years_experience is not None and self.years_experience < 0:
            raise ValueError("years_experience must not be negative")

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.person_id))


@dataclass(frozen=True)
class Mentee(_Traits):
    """A person who asked for a mentor."""

    __hash__ = _Traits.__hash__


@dataclass(frozen=True)
class Mentor(_Traits):
    """A person who offered to mentor up to `capacity` mentees at once."""

    capacity: int = 1

    def __post_init__(self) -> None:
        super().__post_init__()
        if isinstance(self.capacity, bool) or not isinstance(self.capacity, int) or not 1 <= self.capacity <= MAX_CAPACITY:
            raise ValueError(f"capacity must be a whole number from 1 to {MAX_CAPACITY}")

    __hash__ = _Traits.__hash__


@dataclass(frozen=True)
class MatchWeights:
    """How many points each shared trait is worth (configurable; see `from_mapping`)."""

    shared_group: float = 4.0
    same_site: float = 3.0
    same_role: float = 2.0
    shared_subject: float = 2.0
    same_grade_band: float = 1.5
    shared_language: float = 1.0
    experience_gap: float = 2.0
    #: How many more years a mentor needs for `experience_gap` to count (a margin, not a weight).
    experience_gap_years: int = 3
    theme_growth: float = 1.5

    def __post_init__(self) -> None:
        for f in fields(self):
            _check_weight(f.name, getattr(self, f.name))
        if self.experience_gap_years != int(self.experience_gap_years):
            raise ValueError("experience_gap_years: must be a whole number of years")
        object.__setattr__(self, "experience_gap_years", int(self.experience_gap_years))

    @classmethod
    def from_mapping(cls, values: Mapping[str, object]) -> "MatchWeights":
        """Weights from configuration (e.g. YAML); unknown keys and bad values name the key."""
        known = {f.name for f in fields(cls)}
        for key in values:
            if key not in known:
                raise ValueError(f"{key}: unknown weight (known: {', '.join(sorted(known))})")
        for key, value in values.items():
            _check_weight(str(key), value)
        return cls(**dict(values))  # type: ignore[arg-type]

    def _milli(self, name: str) -> int:
        return round(getattr(self, name) * _MILLI)


def _check_weight(key: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{key}: must be a number, not {value!r}")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{key}: must be a finite number of at least 0, not {value!r}")
    if value > MAX_WEIGHT:
        raise ValueError(f"{key}: must be at most {MAX_WEIGHT:g}, not {value!r}")


@dataclass(frozen=True)
class Reason:
    """One part of a pair's score, as a catalogue key and its parameters."""

    key: str
    params: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))

    def __hash__(self) -> int:
        return hash((self.key, tuple(sorted(self.params.items()))))


@dataclass(frozen=True)
class ProposedMatch:
    mentee_id: int
    mentor_id: int
    score: float
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Unmatched:
    person_id: int
    reason_key: str


@dataclass(frozen=True)
class MatchPlan:
    """Pairs sorted by (mentee_id, mentor_id); unmatched mentees sorted by id."""

    pairs: tuple[ProposedMatch, ...]
    unmatched: tuple[Unmatched, ...]

    @property
    def total_score(self) -> float:
        return round(sum(p.score for p in self.pairs), 3)


# --- scoring one pair -------------------------------------------------------------------------


def score_pair(mentee: Mentee, mentor: Mentor, weights: MatchWeights = MatchWeights()) -> tuple[float, tuple[Reason, ...]]:
    """The pair's score and the reasons that add up to it (in a fixed order)."""
    milli, reasons = _score_milli(mentee, mentor, weights)
    return milli / _MILLI, reasons


def _score_milli(mentee: Mentee, mentor: Mentor, weights: MatchWeights) -> tuple[int, tuple[Reason, ...]]:
    reasons: list[Reason] = []
    total = 0

    def credit(weight: str, key: str, **params: object) -> None:
        nonlocal total
        total += weights._milli(weight)
        reasons.append(Reason(key, params))

    for group_id in sorted(mentee.match_groups & mentor.match_groups):
        credit("shared_group", "shared_group", group_id=group_id)
    if mentee.site is not None and mentee.site == mentor.site:
        credit("same_site", "same_site")
    if mentee.job_role is not None and mentee.job_role == mentor.job_role:
        credit("same_role", "same_role")
    for subject in sorted(mentee.subjects & mentor.subjects):
        credit("shared_subject", "shared_subject", subject=subject)
    if mentee.grade_band is not None and mentee.grade_band == mentor.grade_band:
        credit("same_grade_band", "same_grade_band")
    for language in sorted(mentee.languages & mentor.languages):
        credit("shared_language", "shared_language", language=language)
    if (
        mentee.years_experience is not None
        and mentor.years_experience is not None
        and mentor.years_experience - mentee.years_experience >= weights.experience_gap_years
    ):
        credit("experience_gap", "experience_gap", mentee_years=mentee.years_experience, mentor_years=mentor.years_experience)
    for theme, level in mentee.themes.items():
        mentor_level = mentor.themes.get(theme, 0)
        if mentor_level > level:
            credit("theme_growth", "theme", theme=theme, mentee_level=level, mentor_level=mentor_level)
    return total, tuple(reasons)


# --- scoring every pair at once -----------------------------------------------------------------


def _score_matrix(mentees: Sequence[Mentee], mentors: Sequence[Mentor], weights: MatchWeights) -> np.ndarray:
    """Milli-point scores, mentors x mentees, equal to `_score_milli` for every pair.

    Whole numbers held as floats (float32 whenever that is exact), ready for the solver.

    Every part of the score is "mentee has trait t and mentor has trait t'", so the whole score is
    X @ Y.T with X the mentees' weighted trait indicators and Y the mentors' 0/1 ones.
    """
    columns: dict[tuple, int] = {}
    x_rows: list[int] = []
    x_cols: list[int] = []
    x_vals: list[int] = []
    y_rows: list[int] = []
    y_cols: list[int] = []

    def column(trait: tuple) -> int:
        return columns.setdefault(trait, len(columns))

    mentee_traits: list[list[tuple[tuple, int]]] = []
    for mentee in mentees:
        traits: list[tuple[tuple, int]] = []
        traits += [(("group", g), weights._milli("shared_group")) for g in mentee.match_groups]
        traits += [(("subject", s), weights._milli("shared_subject")) for s in mentee.subjects]
        traits += [(("language", s), weights._milli("shared_language")) for s in mentee.languages]
        if mentee.site is not None:
            traits.append((("site", mentee.site), weights._milli("same_site")))
        if mentee.job_role is not None:
            traits.append((("role", mentee.job_role), weights._milli("same_role")))
        if mentee.grade_band is not None:
            traits.append((("grade", mentee.grade_band), weights._milli("same_grade_band")))
        if mentee.years_experience is not None:
            traits.append((("years_at_least", mentee.years_experience + weights.experience_gap_years), weights._milli("experience_gap")))
        traits += [(("theme_above", t, level), weights._milli("theme_growth")) for t, level in mentee.themes.items()]
        mentee_traits.append(traits)
    wanted = {trait for traits in mentee_traits for trait, _ in traits}
    needed_years = sorted({t[1] for t in wanted if t[0] == "years_at_least"})

    for i, traits in enumerate(mentee_traits):
        for trait, value in traits:
            if value:
                x_rows.append(i)
                x_cols.append(column(trait))
                x_vals.append(value)

    for j, mentor in enumerate(mentors):
        traits_j: list[tuple] = [("group", g) for g in mentor.match_groups]
        traits_j += [("subject", s) for s in mentor.subjects]
        traits_j += [("language", s) for s in mentor.languages]
        if mentor.site is not None:
            traits_j.append(("site", mentor.site))
        if mentor.job_role is not None:
            traits_j.append(("role", mentor.job_role))
        if mentor.grade_band is not None:
            traits_j.append(("grade", mentor.grade_band))
        if mentor.years_experience is not None:
            traits_j += [("years_at_least", y) for y in needed_years if mentor.years_experience >= y]
        traits_j += [("theme_above", t, level) for t, mentor_level in mentor.themes.items() for level in THEME_LEVELS if level < mentor_level]
        for trait in traits_j:
            if trait in columns:
                y_rows.append(j)
                y_cols.append(columns[trait])

    width = max(len(columns), 1)
    x = np.zeros((len(mentees), width))
    x[x_rows, x_cols] = x_vals
    y = np.zeros((len(mentors), width))
    y[y_rows, y_cols] = 1.0
    # A mentee's row sum bounds every partial sum of the product, so float32 is exact below 2**24.
    exact_in_float32 = x.sum(axis=1).max(initial=0) < 2**24
    dtype = np.float32 if exact_in_float32 else np.float64
    return y.astype(dtype) @ x.astype(dtype).T


# --- who may be paired --------------------------------------------------------------------------


def _forbidden(mentees: Sequence[Mentee], mentors: Sequence[Mentor], excluded_pairs: AbstractSet[tuple[int, int]]) -> set[tuple[int, int]]:
    """(mentor index, mentee index) of every pair that must never be proposed."""
    mentee_at = {p.person_id: i for i, p in enumerate(mentees)}
    mentor_at = {p.person_id: j for j, p in enumerate(mentors)}
    pairs: set[tuple[int, int]] = set()
    for i, mentee in enumerate(mentees):
        if mentee.person_id in mentor_at:
            pairs.add((mentor_at[mentee.person_id], i))
        if mentee.supervisor_id in mentor_at:
            pairs.add((mentor_at[mentee.supervisor_id], i))
    for j, mentor in enumerate(mentors):
        if mentor.supervisor_id in mentee_at:
            pairs.add((j, mentee_at[mentor.supervisor_id]))
    for mentee_id, mentor_id in excluded_pairs:
        if mentee_id in mentee_at and mentor_id in mentor_at:
            pairs.add((mentor_at[mentor_id], mentee_at[mentee_id]))
    return pairs


def _sorted_people(mentees: Iterable[Mentee], mentors: Iterable[Mentor]) -> tuple[list[Mentee], list[Mentor]]:
    sorted_mentees = sorted(mentees, key=lambda p: p.person_id)
    sorted_mentors = sorted(mentors, key=lambda p: p.person_id)
    for people, kind in ((sorted_mentees, "mentee"), (sorted_mentors, "mentor")):
        ids = [p.person_id for p in people]
        if len(set(ids)) != len(ids):
            raise ValueError(f"a {kind} is listed twice")
    return sorted_mentees, sorted_mentors


def _pair_bonus(capacity_total: int, mentee_count: int, largest_score: int) -> int:
    """K in `score * K + 1`: more than the number of pairs any plan can have."""
    most_pairs = min(capacity_total, mentee_count)
    k = most_pairs + 1
    # Every sum the solver forms stays an exact integer in float64.
    if (largest_score * k + 1) * (most_pairs + 1) >= 2**53:
        raise ValueError("weights too large to match exactly")
    return k


# --- the plans ----------------------------------------------------------------------------------


def plan_matches(
    mentees: Iterable[Mentee],
    mentors: Iterable[Mentor],
    weights: MatchWeights = MatchWeights(),
    excluded_pairs: AbstractSet[tuple[int, int]] = frozenset(),
) -> MatchPlan:
    """The plan with the highest total score (then the most pairs) under every mentor's capacity."""
    sorted_mentees, sorted_mentors = _sorted_people(mentees, mentors)
    forbidden = _forbidden(sorted_mentees, sorted_mentors, excluded_pairs)
    chosen = _optimal_pairs(sorted_mentees, sorted_mentors, weights, forbidden)
    return _plan(sorted_mentees, sorted_mentors, weights, forbidden, chosen)


def plan_greedy(
    mentees: Iterable[Mentee],
    mentors: Iterable[Mentor],
    weights: MatchWeights = MatchWeights(),
    excluded_pairs: AbstractSet[tuple[int, int]] = frozenset(),
) -> MatchPlan:
    """Best pair first until nobody can be paired: the baseline the optimal plan is measured against."""
    sorted_mentees, sorted_mentors = _sorted_people(mentees, mentors)
    forbidden = _forbidden(sorted_mentees, sorted_mentors, excluded_pairs)
    chosen = _greedy_pairs(sorted_mentees, sorted_mentors, weights, forbidden)
    return _plan(sorted_mentees, sorted_mentors, weights, forbidden, chosen)


def _plan(
    mentees: Sequence[Mentee],
    mentors: Sequence[Mentor],
    weights: MatchWeights,
    forbidden: set[tuple[int, int]],
    chosen: Iterable[tuple[int, int]],
) -> MatchPlan:
    pairs = []
    matched: set[int] = set()
    for j, i in sorted(chosen, key=lambda ji: (ji[1], ji[0])):
        score, reasons = score_pair(mentees[i], mentors[j], weights)
        pairs.append(ProposedMatch(mentees[i].person_id, mentors[j].person_id, score, reasons))
        matched.add(i)
    excluded_count = [0] * len(mentees)
    for _, i in forbidden:
        excluded_count[i] += 1
    unmatched = []
    for i, mentee in enumerate(mentees):
        if i in matched:
            continue
        if not mentors:
            key = "no_mentors"
        elif excluded_count[i] == len(mentors):
            key = "only_excluded_mentors"
        else:
            key = "no_capacity"
        unmatched.append(Unmatched(mentee.person_id, key))
    return MatchPlan(tuple(pairs), tuple(unmatched))


def _optimal_pairs(
    mentees: Sequence[Mentee], mentors: Sequence[Mentor], weights: MatchWeights, forbidden: set[tuple[int, int]]
) -> list[tuple[int, int]]:
    """(mentor index, mentee index) of an optimal plan."""
    if not mentees or not mentors:
        return []
    capacity = np.array([m.capacity for m in mentors])
    scores = _score_matrix(mentees, mentors, weights)
    k = _pair_bonus(int(capacity.sum()), len(mentees), int(scores.max(initial=0)))
    place_mentor = np.repeat(np.arange(len(mentors)), capacity)
    first_place = np.concatenate(([0], np.cumsum(capacity)))
    # One row per place, one column per mentee; cost = -(score * K + 1), and 0 for a forbidden
    # pair, which the solver may "use" only as a place left empty.  Built in slices, in the
    # orientation the solver wants (fewer rows than columns), so it never copies the matrix.
    places_are_rows = len(place_mentor) <= len(mentees)
    cost = np.empty((len(place_mentor), len(mentees)) if places_are_rows else (len(mentees), len(place_mentor)))
    step = 256
    for start in range(0, cost.shape[0], step):
        rows = slice(start, start + step)
        block = scores[place_mentor[rows]] if places_are_rows else scores.T[rows][:, place_mentor]
        np.multiply(block, -k, out=cost[rows], dtype=np.float64)
        cost[rows] -= 1
    del scores
    for j, i in forbidden:
        if places_are_rows:
            cost[first_place[j] : first_place[j + 1], i] = 0
        else:
            cost[i, first_place[j] : first_place[j + 1]] = 0
    rows, cols = linear_sum_assignment(cost)
    used = cost[rows, cols] < 0
    places, mentee_at = (rows, cols) if places_are_rows else (cols, rows)
    return list(zip(place_mentor[places[used]].tolist(), mentee_at[used].tolist()))


def _greedy_pairs(
    mentees: Sequence[Mentee], mentors: Sequence[Mentor], weights: MatchWeights, forbidden: set[tuple[int, int]]
) -> list[tuple[int, int]]:
    """(mentor index, mentee index) taken best score first (ties: lower mentee, then mentor index)."""
    if not mentees or not mentors:
        return []
    scores = _score_matrix(mentees, mentors, weights).T  # mentees x mentors
    for j, i in forbidden:
        scores[i, j] = -1
    # Each mentee's mentors best first; a heap holds each mentee's best offer from a mentor with a
    # free place, so the best remaining pair overall is always on top.
    order = np.argsort(-scores, axis=1, kind="stable")
    full = np.zeros(len(mentors), dtype=bool)
    left = [m.capacity for m in mentors]
    position = [0] * len(mentees)
    heap = [(-float(scores[i, order[i, 0]]), i, int(order[i, 0])) for i in range(len(mentees))]
    heapq.heapify(heap)
    chosen = []
    while heap:
        negative_score, i, j = heapq.heappop(heap)
        if negative_score > 0:
            break  # only forbidden pairs are left
        if full[j]:
            free = np.flatnonzero(~full[order[i, position[i] :]])
            if free.size:
                position[i] += int(free[0])
                j = int(order[i, position[i]])
                heapq.heappush(heap, (-float(scores[i, j]), i, j))
            continue
        chosen.append((j, i))
        left[j] -= 1
        full[j] = left[j] == 0
    return chosen
