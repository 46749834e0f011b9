"""Pairing one round of peer intros: everyone once, nobody with a recent partner or someone they avoid.

The rules
---------
* Every person given is placed exactly once: in pairs, and in one trio when the count is odd
  (nobody is silently left out).  One person alone cannot be introduced to anyone and is returned
  in `alone`.
* Nobody is paired with anyone they met in the remembered rounds (`history`, newest first) or with
  anyone on either person's do-not-pair list (`avoid`).
* When the history makes a full pairing impossible, the oldest remembered round is set aside first,
  then the next oldest, and so on; `relaxed` says how many were.  A do-not-pair wish is never set
  aside: if even with no history at all it leaves someone without a partner, that person is in
  `alone` (the facilitator is told a count, never a name).
* Deterministic: the same people, history, avoid list and seed give the same round, whatever order
  they come in.  `round_seed(group_id, number)` makes the seed, so each round of each group differs.

How
---
A search that places the first unplaced person (in a seeded shuffle) with the first allowed
partner, backtracking on a dead end, within a budget of steps.  The constraints are sparse (a
person has at most two partners per remembered round), so for groups of any size the first path
almost always succeeds; for small groups, where it may not, the budget is far above what an
exhaustive search of every arrangement takes, so the answer there is exact.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from typing import AbstractSet, Iterable, Sequence

#: Steps the search may take for one relaxation level before it gives up on it.
SEARCH_BUDGET = 200_000


@dataclass(frozen=True)
class IntroRoundPlan:
    """The groups of one round (each sorted; pairs and at most one trio), sorted by first id."""

    groups: tuple[tuple[int, ...], ...]
    #: How many of the oldest remembered rounds were set aside to pair everyone.
    relaxed: int = 0
    #: People no allowed arrangement could place (do-not-pair wishes, or a group of one).
    alone: tuple[int, ...] = ()


def round_seed(group_id: int, number: int) -> int:
    """A seed that differs for every round of every group and is the same on every machine."""
    digest = hashlib.sha256(f"intros:{group_id}:{number}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def pair_round(
    people: Iterable[int],
    history: Sequence[Iterable[Iterable[int]]] = (),
    avoid: Iterable[tuple[int, int]] = (),
    seed: int = 0,
) -> IntroRoundPlan:
    """One round for `people`.  `history`: past rounds, newest first, each a list of groups of ids."""
    everyone = sorted(set(people))
    rng = random.Random(seed)
    order = list(everyone)
    rng.shuffle(order)
    present = set(everyone)
    never: dict[int, set[int]] = {p: set() for p in everyone}
    for a, b in avoid:
        if a in present and b in present and a != b:
            never[a].add(b)
            never[b].add(a)
    rounds = [[tuple(g) for g in past] for past in history]
    if len(order) < 2:
        return IntroRoundPlan(groups=(), relaxed=0, alone=tuple(everyone))
    for relaxed in range(len(rounds) + 1):
        forbidden = {p: set(s) for p, s in never.items()}
        for past in rounds[: len(rounds) - relaxed]:
            for group in past:
                members = [p for p in group if p in present]
                for a in members:
                    forbidden[a].update(b for b in members if b != a)
        groups = _search(order, forbidden, SEARCH_BUDGET)
        if groups is not None:
            return IntroRoundPlan(groups=_sorted(groups), relaxed=relaxed)
    # Do-not-pair wishes leave someone out: place as many as can be, the rest are alone.
    groups, alone = _most(order, never)
    return IntroRoundPlan(groups=_sorted(groups), relaxed=len(rounds), alone=tuple(sorted(alone)))


def _sorted(groups: Iterable[tuple[int, ...]]) -> tuple[tuple[int, ...], ...]:
    return tuple(sorted(tuple(sorted(g)) for g in groups))


def _search(order: Sequence[int], forbidden: dict[int, AbstractSet[int]], budget: int) -> list[tuple[int, ...]] | None:
    """Pairs (and one trio if the count is odd) covering `order`, or None within `budget` steps.

    Depth-first, without recursion (a group of 5,000 is 2,500 levels deep).  The first unplaced
    person is always the one placed next, so every arrangement is reachable exactly once.
    """
    n = len(order)
    placed = [False] * n
    need_trio = n % 2 == 1
    state = {"trio_used": False, "remaining": n}

    def options(i: int, trio_left: bool, remaining: int):
        banned = forbidden[order[i]]
        if not (trio_left and remaining == 3):
            for j in range(i + 1, n):
                if not placed[j] and order[j] not in banned:
                    yield (j,)
        if trio_left:
            free = [j for j in range(i + 1, n) if not placed[j] and order[j] not in banned]
            for x, j in enumerate(free):
                j_banned = forbidden[order[j]]
                for k in free[x + 1 :]:
                    if order[k] not in j_banned:
                        yield (j, k)

    def frame(i: int) -> list:
        return [i, options(i, need_trio and not state["trio_used"], state["remaining"]), None]

    def move(group: tuple[int, ...], place: bool) -> None:
        for j in group:
            placed[j] = place
        state["remaining"] += -len(group) if place else len(group)
        if len(group) == 3:
            state["trio_used"] = place

    stack = [frame(0)]
    steps = 0
    while stack:
        steps += 1
        if steps > budget:
            return None
        top = stack[-1]
        if top[2] is not None:
            move(top[2], False)
            top[2] = None
        option = next(top[1], None)
        if option is None:
            stack.pop()
            continue
        top[2] = (top[0], *option)
        move(top[2], True)
        if state["remaining"] == 0:
            return [tuple(order[j] for j in f[2]) for f in stack]
        i = top[0] + 1
        while placed[i]:
            i += 1
        stack.append(frame(i))
    return None


def _most(order: Sequence[int], never: dict[int, set[int]]) -> tuple[list[tuple[int, ...]], list[int]]:
    """As many people placed as greedily can be, honouring do-not-pair only; the rest alone."""
    free = list(order)
    groups: list[tuple[int, ...]] = []
    alone: list[int] = []
    while free:
        p = free.pop(0)
        partner = next((q for q in free if q not in never[p]), None)
        if partner is None:
            alone.append(p)
            continue
        free.remove(partner)
        groups.append((p, partner))
    # Someone alone joins a pair that has room in its wishes: a trio rather than nobody.
    still_alone = []
    trio_made = False
    for p in alone:
        home = None if trio_made else next(
            (g for g in groups if len(g) == 2 and all(q not in never[p] for q in g)), None
        )
        if home is None:
            still_alone.append(p)
            continue
        groups[groups.index(home)] = (*home, p)
        trio_made = True
    return groups, still_alone
