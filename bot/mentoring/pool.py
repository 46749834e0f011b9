"""The mentoring pool as the matcher sees it: who is free to be matched, and which pairs never may be."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.catalogue import Translator
from bot.mentoring.matching import THEMES, MatchWeights, Mentee, Mentor, Reason
from storage.models import Membership, MentorMatch, MentorProfile, Person

#: A match that holds a mentee, or one of a mentor's places.
LIVE = ("proposed", "accepted")
#: Pairs never proposed again: the person said no, let the offer lapse, or the match ended.
PAST = ("declined", "expired", "ended")

GRADE_BANDS = ("early_childhood", "elementary", "middle", "high", "all_grades")
LANGUAGES = ("en", "es", "vi", "zh", "ar", "so", "ht", "tl", "asl")


@dataclass(frozen=True)
class Pool:
    mentees: tuple[Mentee, ...]
    mentors: tuple[Mentor, ...]
    excluded: frozenset[tuple[int, int]]
    people: Mapping[int, Person]


def weights_of(district_weights: Mapping[str, Any]) -> MatchWeights:
    return MatchWeights.from_mapping(district_weights) if district_weights else MatchWeights()


def years_between(start: date | None, today: date) -> int | None:
    if start is None:
        return None
    return max(0, (today - start).days // 365)


async def active_group_ids(session: AsyncSession, person_id: int) -> set[int]:
    rows = await session.execute(select(Membership.group_id).where(Membership.person_id == person_id, Membership.status == "active"))
    return set(rows.scalars())


async def load_pool(session: AsyncSession, today: date, only_mentees: Iterable[int] | None = None) -> Pool:
    """Active profiles, minus mentees already matched and mentors' places already taken."""
    profiles = list((await session.execute(select(MentorProfile).where(MentorProfile.state == "active"))).scalars())
    person_ids = {p.person_id for p in profiles}
    people = {p.id: p for p in (await session.execute(select(Person).where(Person.id.in_(person_ids)))).scalars()} if person_ids else {}
    memberships: dict[int, set[int]] = {}
    if person_ids:
        rows = await session.execute(
            select(Membership.person_id, Membership.group_id).where(Membership.person_id.in_(person_ids), Membership.status == "active")
        )
        for person_id, group_id in rows:
            memberships.setdefault(person_id, set()).add(group_id)
    matches = list((await session.execute(select(MentorMatch.mentee_id, MentorMatch.mentor_id, MentorMatch.state))).all())
    held = {mentee for mentee, _, state in matches if state in LIVE}
    taken: dict[int, int] = {}
    for _, mentor, state in matches:
        if state in LIVE:
            taken[mentor] = taken.get(mentor, 0) + 1
    excluded = frozenset((mentee, mentor) for mentee, mentor, state in matches if state in PAST)
    wanted = set(only_mentees) if only_mentees is not None else None
    mentees: list[Mentee] = []
    mentors: list[Mentor] = []
    for profile in profiles:
        person = people.get(profile.person_id)
        if person is None:
            continue
        traits = dict(
            person_id=person.id,
            site=profile.site,
            job_role=(profile.job_role or "").strip().casefold() or None,
            subjects=frozenset(s.casefold() for s in profile.subjects or ()),
            grade_band=profile.grade_band,
            languages=frozenset(profile.languages or ()),
            # A group the person has since left no longer counts.
            match_groups=frozenset(g for g in profile.match_groups or () if g in memberships.get(person.id, ())),
            themes={t: int(v) for t, v in (profile.themes or {}).items() if t in THEMES and int(v) in (1, 2, 3)},
            years_experience=years_between(person.start_date, today),
            supervisor_id=person.supervisor_id,
        )
        if profile.role == "mentee":
            if person.id not in held and (wanted is None or person.id in wanted):
                mentees.append(Mentee(**traits))
        else:
            left = (profile.capacity or 1) - taken.get(person.id, 0)
            if left > 0:
                mentors.append(Mentor(capacity=left, **traits))
    return Pool(tuple(mentees), tuple(mentors), excluded, people)


def group_points(reasons: Iterable[Mapping[str, Any] | Reason], weights) -> float:
    """The part of a score that shared groups gave: left out of what a reader without sight of
    memberships is shown, so the number does not give away what the words leave out."""
    count = sum(1 for r in reasons if (r.key if isinstance(r, Reason) else r["key"]) == "shared_group")
    return count * weights.shared_group


def reasons_json(reasons: Iterable[Reason]) -> list[dict[str, Any]]:
    return [{"key": r.key, "params": dict(r.params)} for r in reasons]


def say_reasons(t: Translator, reasons: Iterable[Mapping[str, Any] | Reason], groups_visible: bool = False) -> str:
    """The reasons in the reader's language. A shared group is never named, and is not even
    mentioned unless the reader may see every group's members (`groups_visible`: an admin):
    "a shared affinity group" tells a mentor in one group that the mentee is in it, and tells the
    DEI office that both belong to some group (docs/privacy.md, "No membership by inference")."""
    said: list[str] = []
    groups = 0
    for reason in reasons:
        key, params = (reason.key, dict(reason.params)) if isinstance(reason, Reason) else (reason["key"], dict(reason.get("params", {})))
        if key == "shared_group":
            groups += 1
            continue
        if key == "shared_subject":
            said.append(t("mentoring.reason_shared_subject", subject=params["subject"]))
        elif key == "shared_language":
            said.append(t("mentoring.reason_shared_language", lang=language_name(t, params["language"])))
        elif key == "theme":
            said.append(
                t("mentoring.reason_theme", theme=t(f"mentoring.theme_{params['theme']}"), mentee_level=params["mentee_level"], mentor_level=params["mentor_level"])
            )
        elif key == "experience_gap":
            said.append(t("mentoring.reason_experience_gap", mentee_years=params["mentee_years"], mentor_years=params["mentor_years"]))
        else:
            said.append(t(f"mentoring.reason_{key}"))
    if groups and groups_visible:
        said.insert(0, t("mentoring.reason_shared_group") if groups == 1 else t("mentoring.reason_shared_groups", count=groups))
    return ", ".join(said) if said else t("mentoring.reason_none")


def language_name(t: Translator, code: str) -> str:
    return t(f"mentoring.language_{code}") if code in LANGUAGES else code
