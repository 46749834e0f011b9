"""Membership and retention figures, k-suppressed: counts only, never names, never a small cell."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Group, Membership, Person


@dataclass(frozen=True)
class MonthlyMembership:
    group: str
    months: tuple[date, ...]
    counts: tuple[int | None, ...]  # None: fewer than k, not shown


@dataclass(frozen=True)
class Retention:
    label: str  # a group's name, or "" for all staff
    cohort: int | None  # people who started at least a year ago; None when fewer than k
    retained: float | None  # share still employed a year after they started


def month_ends(today: date, months: int) -> tuple[date, ...]:
    """The first day of each of the last `months` months, oldest first (counts are taken at its end)."""
    firsts = []
    year, month = today.year, today.month
    for _ in range(months):
        firsts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return tuple(reversed(firsts))


def _end_of(first: date) -> datetime:
    following = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return datetime.combine(following, time(0), tzinfo=timezone.utc)


async def membership_by_month(session: AsyncSession, today: date, k: int, months: int = 12) -> list[MonthlyMembership]:
    """Members of each group at the end of each month (the current month: so far)."""
    firsts = month_ends(today, months)
    ends = [_end_of(f) for f in firsts]
    rows = (
        await session.execute(
            select(Group.name, Membership.joined_at, Membership.left_at)
            .join(Membership, Membership.group_id == Group.id)
            .where(Membership.joined_at.is_not(None))
        )
    ).all()
    names = sorted(set((await session.execute(select(Group.name))).scalars()))
    tallies = {name: [0] * len(ends) for name in names}
    for name, joined, left in rows:
        for i, end in enumerate(ends):
            if joined < end and (left is None or left >= end):
                tallies[name][i] += 1
    return [MonthlyMembership(name, firsts, tuple(c if c >= k else None for c in tallies[name])) for name in names]


async def retention(session: AsyncSession, today: date, k: int) -> list[Retention]:
    """One-year retention of group members (ever joined) against all staff, from roster dates."""
    year_ago = today - timedelta(days=365)
    people = {
        pid: (start, end)
        for pid, start, end in (await session.execute(select(Person.id, Person.start_date, Person.end_date).where(Person.start_date.is_not(None), Person.start_date <= year_ago))).all()
    }

    def share(ids) -> Retention:
        cohort = [people[i] for i in ids if i in people]
        if len(cohort) < k:
            return Retention("", None, None)
        kept = sum(1 for start, end in cohort if end is None or end >= start + timedelta(days=365))
        return Retention("", len(cohort), kept / len(cohort))

    results = [Retention("", *_fields(share(people.keys())))]
    members: dict[str, set[int]] = {}
    for name, person_id in (await session.execute(select(Group.name, Membership.person_id).join(Membership, Membership.group_id == Group.id).where(Membership.joined_at.is_not(None)))).all():
        members.setdefault(name, set()).add(person_id)
    for name in sorted(set((await session.execute(select(Group.name))).scalars())):
        results.append(Retention(name, *_fields(share(members.get(name, set())))))
    return results


def _fields(r: Retention) -> tuple[int | None, float | None]:
    return r.cohort, r.retained
