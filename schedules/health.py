"""The outbox as an admin sees it (`affinity-bot outbox status`): counts by kind and state, and what needs a look.

Only kinds, states, ids, ages and the dispatcher's own error notes are shown: never a message's
text, its key or who it was for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from schedules.dispatcher import DEAD, OUTBOX, STATES, UNREACHABLE

#: How many dead and unreachable items are listed (the counts cover them all).
LISTED = 50


@dataclass(frozen=True)
class Problem:
    """A dead or unreachable item."""

    id: int
    kind: str
    state: str
    created_at: datetime
    last_error: str


@dataclass(frozen=True)
class OutboxHealth:
    counts: dict[tuple[str, str], int]
    problems: tuple[Problem, ...]
    now: datetime

    @property
    def kinds(self) -> list[str]:
        return sorted({kind for kind, _ in self.counts})

    def count(self, kind: str, state: str) -> int:
        return self.counts.get((kind, state), 0)

    def total(self, state: str) -> int:
        return sum(n for (_, s), n in self.counts.items() if s == state)

    def lines(self) -> list[str]:
        """The report as text lines, for the command line."""
        if not self.counts:
            return ["The outbox is empty: nothing has been queued yet."]
        width = max(12, *(len(k) for k in self.kinds))
        header = f"{'kind':<{width}}" + "".join(f"{state:>13}" for state in STATES)
        lines = [header]
        for kind in self.kinds:
            lines.append(f"{kind:<{width}}" + "".join(f"{self.count(kind, state):>13}" for state in STATES))
        lines.append(f"{'all':<{width}}" + "".join(f"{self.total(state):>13}" for state in STATES))
        for state, title in ((DEAD, "Dead: given up on after the last try, or in doubt"), (UNREACHABLE, "Unreachable: no platform could take them")):
            listed = [p for p in self.problems if p.state == state]
            if not listed:
                continue
            more = f", the {len(listed)} most recent shown" if self.total(state) > len(listed) else ""
            lines += ["", f"{title} ({self.total(state)}{more}; see docs/delivery.md):"]
            for problem in listed:
                lines.append(f"  #{problem.id:<8} {problem.kind:<{width}} {age(self.now, problem.created_at):>9} old   {problem.last_error}")
        return lines


def age(now: datetime, then: datetime) -> str:
    seconds = max(0, int((now - then).total_seconds()))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"


async def outbox_health(session: AsyncSession, now: datetime, listed: int = LISTED) -> OutboxHealth:
    rows = await session.execute(select(OUTBOX.c.kind, OUTBOX.c.state, func.count()).group_by(OUTBOX.c.kind, OUTBOX.c.state))
    counts = {(kind, state): int(n) for kind, state, n in rows}
    problems: list[Problem] = []
    for state in (DEAD, UNREACHABLE):
        found = await session.execute(
            select(OUTBOX.c.id, OUTBOX.c.kind, OUTBOX.c.created_at, OUTBOX.c.last_error)
            .where(OUTBOX.c.state == state)
            .order_by(OUTBOX.c.created_at.desc(), OUTBOX.c.id.desc())
            .limit(listed)
        )
        problems += [Problem(id, kind, state, created_at, last_error or "") for id, kind, created_at, last_error in found]
    return OutboxHealth(counts, tuple(problems), now)


__all__ = ["OutboxHealth", "Problem", "age", "outbox_health"]
