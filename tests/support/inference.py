"""No membership by inference (SPEC §4.8): random districts, and the mentoring messages about a
pair read by each of the pair and by the DEI office, checked to say the same whatever the
memberships their reader may not see.

A district here is the part matching reads: groups, people with roster and profile traits, their
memberships and the groups they chose to be matched on (always among their memberships), and who
facilitates which group or is an admin. For a message and its reader, a *variant* keeps everything
the reader may see — their own memberships; every membership if they are an admin; the members of
the groups they facilitate — and draws everything else again. A message whose text differs between
a district and one of its variants lets its reader tell the two apart: it says something about a
membership they could not see. `check_district(seed)` raises AssertionError on the first such
message and returns how many messages it compared; the suite runs it for a modest number of seeds,
`bench/inference.py` for thousands.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace

from bot.cards import card_reply
from bot.catalogue import LANGUAGES, Translator
from bot.mentoring.handlers import offer_card, pair_section
from bot.mentoring.matching import THEMES, MatchWeights, Mentee, Mentor, plan_matches, score_pair
from bot.mentoring.pool import reasons_json
from storage.models import Person

SITES = ("Lincoln", "Roosevelt", "Jefferson", None)
ROLES = ("teacher", "counselor", "principal", None)
SUBJECTS = ("math", "ela", "science", "art")
SPOKEN = ("en", "es", "vi")
#: How many variants of each district every message is compared across.
VARIANTS = 4


@dataclass
class District:
    groups: list[int]
    traits: dict[int, dict] = field(default_factory=dict)
    members: dict[int, frozenset[int]] = field(default_factory=dict)  # person -> groups
    chosen: dict[int, frozenset[int]] = field(default_factory=dict)  # person -> groups to match on
    mentors: set[int] = field(default_factory=set)
    facilitates: dict[int, frozenset[int]] = field(default_factory=dict)  # person -> groups
    admins: set[int] = field(default_factory=set)
    language: dict[int, str] = field(default_factory=dict)


def generate(rng: random.Random) -> District:
    groups = list(range(1, rng.randint(1, 6) + 1))
    district = District(groups=groups)
    for pid in range(1, rng.randint(2, 10) + 1):
        district.traits[pid] = {
            "site": rng.choice(SITES),
            "job_role": rng.choice(ROLES),
            "subjects": frozenset(rng.sample(SUBJECTS, rng.randint(0, 2))),
            "languages": frozenset(rng.sample(SPOKEN, rng.randint(0, 2))),
            "themes": {t: rng.randint(1, 3) for t in rng.sample(THEMES, rng.randint(0, 2))},
            "years_experience": rng.choice((None, 0, 1, 4, 12, 20)),
        }
        if rng.random() < 0.5:
            district.mentors.add(pid)
        if rng.random() < 0.15:
            district.admins.add(pid)
        district.facilitates[pid] = frozenset(g for g in groups if rng.random() < 0.15)
        district.language[pid] = rng.choice(LANGUAGES)
        _draw_memberships(district, pid, rng, keep=frozenset())
    return district


def _draw_memberships(district: District, pid: int, rng: random.Random, keep: frozenset[int]) -> None:
    """New memberships for `pid`, except in the groups of `keep`, which stay as they were; the
    groups to match on are drawn again among the memberships, the same rule for kept groups."""
    old, old_chosen = district.members.get(pid, frozenset()), district.chosen.get(pid, frozenset())
    fresh = {g for g in district.groups if g not in keep and rng.random() < 0.5}
    members = frozenset(fresh | (old & keep))
    chosen = {g for g in members - keep if rng.random() < 0.7} | (old_chosen & keep)
    district.members[pid], district.chosen[pid] = members, frozenset(chosen)


def visible_groups(district: District, reader: int | None, subject: int) -> frozenset[int]:
    """The groups in which the reader may see whether `subject` is a member (§4.2)."""
    if reader == subject or (reader is not None and reader in district.admins):
        return frozenset(district.groups)
    if reader is None:  # the DEI office as such: counts only
        return frozenset()
    return district.facilitates.get(reader, frozenset())


def variant(district: District, reader: int | None, rng: random.Random) -> District:
    """The district with every membership the reader may not see drawn again."""
    other = replace(district, members=dict(district.members), chosen=dict(district.chosen))
    for pid in district.traits:
        _draw_memberships(other, pid, rng, keep=visible_groups(district, reader, pid))
    return other


def _people(district: District, mentee_id: int, mentor_id: int) -> tuple[Mentee, Mentor]:
    def traits(pid):
        return {**district.traits[pid], "match_groups": district.chosen[pid]}

    return Mentee(mentee_id, **traits(mentee_id)), Mentor(mentor_id, capacity=2, **traits(mentor_id))


def _person(district: District, pid: int) -> Person:
    traits = district.traits[pid]
    return Person(id=pid, name=f"Person {pid}", job_role=traits["job_role"], site=traits["site"], language=district.language[pid])


@dataclass(frozen=True)
class _Pair:
    mentee_id: int
    mentor_id: int
    score: float
    reasons: tuple


def messages(district: District, mentee_id: int, mentor_id: int, reader: int | None, weights: MatchWeights) -> list[str]:
    """Every text about this pair the reader gets: their offer (one of the pair), or the dry run's
    line for the pair (the DEI office, `reader` None; or an admin)."""
    mentee, mentor = _people(district, mentee_id, mentor_id)
    score, reasons = score_pair(mentee, mentor, weights)
    said = []
    if reader in (mentee_id, mentor_id):
        as_role, other = ("mentee", mentor_id) if reader == mentee_id else ("mentor", mentee_id)
        card = offer_card(Translator(district.language[reader]), as_role, _person(district, other), reasons_json(reasons), 3, 1)
        said.append(card_reply(card).text)
    if reader is None or reader in district.admins:
        language = "en" if reader is None else district.language[reader]
        section = pair_section(Translator(language), "A", "B", _Pair(mentee_id, mentor_id, score, reasons), weights, reader is not None)
        said.append(f"{section.title}\n{section.body}")
    return said


def check_district(seed: int, variants: int = VARIANTS) -> int:
    """Compare every mentoring message about every planned pair of one random district with the
    same messages in variants its reader cannot tell apart; the number of messages compared."""
    rng = random.Random(seed)
    district = generate(rng)
    weights = MatchWeights()
    mentees = [m for m in _people_all(district) if isinstance(m, Mentee)]
    mentors = [m for m in _people_all(district) if isinstance(m, Mentor)]
    plan = plan_matches(mentees, mentors, weights)
    compared = 0
    for pair in plan.pairs:
        for reader in (pair.mentee_id, pair.mentor_id, None):
            expected = messages(district, pair.mentee_id, pair.mentor_id, reader, weights)
            for _ in range(variants):
                seen = messages(variant(district, reader, rng), pair.mentee_id, pair.mentor_id, reader, weights)
                assert seen == expected, (
                    f"seed {seed}: reader {reader} of the pair {pair.mentee_id}←{pair.mentor_id} can tell memberships "
                    f"they may not see apart:\n{expected}\n!=\n{seen}"
                )
                compared += len(seen)
    return compared


def _people_all(district: District):
    for pid in district.traits:
        mentee, mentor = _people(district, pid, pid)
        yield mentor if pid in district.mentors else mentee
