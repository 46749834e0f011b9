"""Mentor matching at district scale: time, peak memory, and optimal against greedy.

    python -m bench.matching                           # 10,000 mentees x 3,000 mentors, and the 300 x 100 check
    python -m bench.matching --mentees 2000 --mentors 600 --seed 3

Peak memory is the process's resident-set high-water mark (resource.getrusage ru_maxrss), so it
includes the interpreter, numpy and scipy; it is read after each stage.
"""

from __future__ import annotations

import argparse
import random
import resource
import time

import numpy as np
from scipy.optimize import linear_sum_assignment

from bot.mentoring.matching import THEMES, MatchWeights, Mentee, Mentor, plan_greedy, plan_matches, score_pair

ROLES = ("teacher",) * 14 + ("counselor", "paraprofessional", "specialist", "librarian", "nurse", "instructional_coach")
SUBJECTS = ("math", "ela", "science", "social_studies", "art", "music", "pe", "sped", "esl", "cs", "spanish", "french", "health", "cte", "reading")
GRADE_BANDS = ("elementary", "middle", "high")
LANGUAGES = ("es",) * 20 + ("vi", "zh", "ar", "so", "ht", "tl")
SITES = tuple(f"school-{n:02d}" for n in range(80)) + ("central-office",)
GROUPS = 60


def _skewed(rng: random.Random, items: tuple, power: float = 1.3):
    # A few big schools and popular groups, a long tail of small ones.
    return items[min(int(len(items) * rng.random() ** power), len(items) - 1)]


def _traits(rng: random.Random, mentor: bool) -> dict:
    role = rng.choice(ROLES)
    subjects = frozenset(rng.sample(SUBJECTS, rng.choice((1, 1, 2)))) if role in ("teacher", "instructional_coach") else frozenset()
    languages = {"en"}
    if rng.random() < 0.3:
        languages.add(rng.choice(LANGUAGES))
    groups = frozenset(_skewed(rng, tuple(range(1, GROUPS + 1)), 2.0) for _ in range(rng.choice((0, 1, 1, 2, 3))))
    themes = {t: rng.choice((2, 3, 3) if mentor else (1, 1, 2)) for t in rng.sample(THEMES, rng.choice((0, 1, 2, 3)))}
    return dict(
        site=_skewed(rng, SITES) if rng.random() > 0.02 else None,
        job_role=role,
        subjects=subjects,
        grade_band=rng.choice(GRADE_BANDS) if rng.random() > 0.1 else None,
        languages=frozenset(languages),
        match_groups=groups,
        themes=themes,
        years_experience=(rng.randint(4, 30) if mentor else rng.randint(0, 4)) if rng.random() > 0.05 else None,
    )


def district(mentee_count: int, mentor_count: int, seed: int = 7) -> tuple[list[Mentee], list[Mentor], frozenset[tuple[int, int]]]:
    """Seeded random profiles: some mentors are the principals who supervise mentees, a few
    people are both mentee and mentor, and a few past pairs were declined or ended."""
    rng = random.Random(seed)
    mentor_ids = list(range(100_000, 100_000 + mentor_count))
    principals = mentor_ids[: max(1, mentor_count // 40)]
    mentors = [Mentor(person_id=pid, capacity=rng.randint(1, 3), **_traits(rng, True)) for pid in mentor_ids]
    # About 1% of mentees also mentor (a new counselor who taught for years elsewhere).
    both = rng.sample(mentor_ids, min(mentor_count, mentee_count // 100))
    mentee_ids = both + list(range(1, mentee_count - len(both) + 1))
    mentees = [Mentee(person_id=pid, supervisor_id=rng.choice(principals), **_traits(rng, False)) for pid in mentee_ids]
    excluded = frozenset((rng.choice(mentees).person_id, rng.choice(mentors).person_id) for _ in range(mentee_count // 5))
    return mentees, mentors, excluded


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _profile(person) -> tuple:
    return (person.site, person.job_role, person.subjects, person.grade_band, person.languages,
            person.match_groups, tuple(person.themes.items()), person.years_experience)


def straightforward_total(mentees, mentors, weights, excluded) -> tuple[float, int]:
    """Independent check: score every pair with `score_pair` and solve the expanded matrix."""
    mentees = sorted(mentees, key=lambda p: p.person_id)
    slots = [m for m in sorted(mentors, key=lambda p: p.person_id) for _ in range(m.capacity)]
    k = min(len(mentees), len(slots)) + 1
    worth = np.zeros((len(slots), len(mentees)))
    score = np.zeros_like(worth)
    for s, mentor in enumerate(slots):
        for i, mentee in enumerate(mentees):
            never = (
                mentee.person_id == mentor.person_id
                or mentee.supervisor_id == mentor.person_id
                or mentor.supervisor_id == mentee.person_id
                or (mentee.person_id, mentor.person_id) in excluded
            )
            if not never:
                score[s, i] = score_pair(mentee, mentor, weights)[0]
                worth[s, i] = round(score[s, i] * 1000) * k + 1
    rows, cols = linear_sum_assignment(worth, maximize=True)
    kept = worth[rows, cols] > 0
    return float(score[rows[kept], cols[kept]].sum()), int(kept.sum())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentees", type=int, default=10_000)
    parser.add_argument("--mentors", type=int, default=3_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-check", action="store_true", help="skip the 300 x 100 optimality check")
    args = parser.parse_args()
    weights = MatchWeights()

    if not args.skip_check:
        for seed in (args.seed, args.seed + 1, args.seed + 2):
            mentees, mentors, excluded = district(300, 100, seed=seed)
            plan = plan_matches(mentees, mentors, weights, excluded)
            expected, expected_pairs = straightforward_total(mentees, mentors, weights, excluded)
            verdict = "same" if (round(plan.total_score, 3), len(plan.pairs)) == (round(expected, 3), expected_pairs) else "DIFFERENT"
            print(f"check 300 x 100 (seed {seed}): plan_matches {plan.total_score:.3f} ({len(plan.pairs)} pairs), "
                  f"full expanded linear_sum_assignment {expected:.3f} ({expected_pairs} pairs): {verdict}")

    started = time.perf_counter()
    mentees, mentors, excluded = district(args.mentees, args.mentors, seed=args.seed)
    places = sum(m.capacity for m in mentors)
    print(f"district: {len(mentees)} mentees, {len(mentors)} mentors, {places} places, "
          f"{len(excluded)} excluded pairs (built in {time.perf_counter() - started:.1f} s); peak RSS {_peak_mb():.0f} MB")
    print(f"distinct profiles: {len({_profile(p) for p in mentees})} of {len(mentees)} mentees, "
          f"{len({_profile(p) for p in mentors})} of {len(mentors)} mentors")

    started = time.perf_counter()
    plan = plan_matches(mentees, mentors, weights, excluded)
    optimal_seconds = time.perf_counter() - started
    print(f"optimal: {optimal_seconds:.2f} s, total {plan.total_score:.1f}, {len(plan.pairs)} pairs; peak RSS {_peak_mb():.0f} MB")

    started = time.perf_counter()
    greedy = plan_greedy(mentees, mentors, weights, excluded)
    greedy_seconds = time.perf_counter() - started
    print(f"greedy:  {greedy_seconds:.2f} s, total {greedy.total_score:.1f}, {len(greedy.pairs)} pairs; peak RSS {_peak_mb():.0f} MB")
    better = 100 * (plan.total_score - greedy.total_score) / greedy.total_score if greedy.total_score else float("nan")
    print(f"optimal is {better:.2f}% better than greedy in total score "
          f"(mean score per pair {plan.total_score / max(len(plan.pairs), 1):.2f} vs {greedy.total_score / max(len(greedy.pairs), 1):.2f})")


if __name__ == "__main__":
    main()
