"""The meetings groups hold, as upcoming occurrences read from the database, and who may see them.

A listed group's meetings are public, like its description; an unlisted group's are shown only to
its members, its facilitators and admins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Iterable, Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.hours import zone_of
from bot.meetings import recurrence
from bot.meetings.wording import schedule, when
from bot.turn import Turn
from bot.types import Fact
from storage.models import Group, Meeting, MeetingSkip, Membership, Rsvp

#: How far ahead "the next meeting" is looked for: a one-off meeting may be up to a year away.
HORIZON = timedelta(days=370)


@dataclass(frozen=True)
class Occurrence:
    """One time a meeting takes place: its UTC instant and its wall-clock time where it is held."""

    meeting: Meeting
    at: datetime
    local: datetime

    @property
    def day(self) -> date:
        return self.local.date()


def zone(meeting: Meeting) -> ZoneInfo:
    return ZoneInfo(meeting.timezone)


def viewer_zone(turn: Turn) -> ZoneInfo:
    return zone_of(turn.person.timezone, turn.settings.timezone)


def between(meeting: Meeting, skipped: set[tuple[int, datetime]], after: datetime, before: datetime) -> list[Occurrence]:
    """Occurrences with after < instant <= before that are neither skipped nor cancelled."""
    if meeting.cancelled_at is not None:
        before = min(before, meeting.cancelled_at)
    found = recurrence.occurrences(meeting.recurrence, meeting.local_start, zone(meeting), after, before)
    return [Occurrence(meeting, at, local) for at, local in found if (meeting.id, at) not in skipped] if found else []


async def skips(session: AsyncSession, meeting_ids: Iterable[int], after: datetime, before: datetime) -> set[tuple[int, datetime]]:
    ids = list(set(meeting_ids))
    if not ids:
        return set()
    rows = await session.execute(
        select(MeetingSkip.meeting_id, MeetingSkip.occurs_at).where(
            MeetingSkip.meeting_id.in_(ids), MeetingSkip.occurs_at > after, MeetingSkip.occurs_at <= before
        )
    )
    return {(meeting_id, at) for meeting_id, at in rows}


# Built once with an expanding list of group ids, so SQLAlchemy compiles it once per process
# rather than once per listing.
_LIVE = (
    select(Meeting)
    .where(Meeting.group_id.in_(bindparam("group_ids", expanding=True)), Meeting.cancelled_at.is_(None))
    .where((Meeting.recurrence != recurrence.ONCE) | (Meeting.local_start >= bindparam("since")))
    .order_by(Meeting.id)
)


async def live_meetings(session: AsyncSession, group_ids: Iterable[int], now: datetime) -> list[Meeting]:
    """Meetings of these groups that may still take place: not cancelled, not a one-off long gone."""
    ids = sorted(set(group_ids))
    if not ids:
        return []
    yesterday = (now - timedelta(days=2)).replace(tzinfo=None)
    rows = await session.execute(_LIVE, {"group_ids": ids, "since": yesterday})
    return list(rows.scalars())


async def upcoming(session: AsyncSession, meetings: Sequence[Meeting], now: datetime, until: datetime) -> list[Occurrence]:
    """Every occurrence of `meetings` after now and up to `until`, soonest first."""
    skipped = await skips(session, (m.id for m in meetings), now, until)
    found = [o for m in meetings for o in between(m, skipped, now, until)]
    return sorted(found, key=lambda o: (o.at, o.meeting.id))


async def next_of(session: AsyncSession, meeting: Meeting, now: datetime) -> Occurrence | None:
    found = await upcoming(session, [meeting], now, now + HORIZON)
    return found[0] if found else None


async def on_day(session: AsyncSession, meeting: Meeting, day: date) -> Occurrence | None:
    """The occurrence held on a local date (in the meeting's zone), skipped or not."""
    local = recurrence.on_day(meeting.recurrence, meeting.local_start, day)
    if local is None:
        return None
    return Occurrence(meeting, recurrence.instant(local, zone(meeting)), local)


async def is_skipped(session: AsyncSession, occurrence: Occurrence) -> bool:
    found = await skips(session, [occurrence.meeting.id], occurrence.at - timedelta(seconds=1), occurrence.at)
    return bool(found)


async def next_per_group(session: AsyncSession, group_ids: Iterable[int], now: datetime) -> dict[int, Occurrence]:
    """The soonest occurrence of each group's meetings, for groups that have one."""
    return (await next_per_group_until(session, group_ids, now))[0]


async def next_per_group_until(
    session: AsyncSession, group_ids: Iterable[int], now: datetime, keep_at_most: timedelta = timedelta(hours=1)
) -> tuple[dict[int, Occurrence], datetime]:
    """`next_per_group`, and until when that answer holds (at most `keep_at_most` from now):
    the moment the soonest of those occurrences takes place, or a later meeting comes within
    the horizon for a group that has none before it. Nothing else changes it but a change to
    the meetings themselves."""
    meetings = await live_meetings(session, group_ids, now)
    # A weekly meeting's next time is within two weeks, so most groups are answered without
    # looking a year ahead; only the rest are looked for further out.
    soonest: dict[int, Occurrence] = {}
    for horizon in (timedelta(days=40), HORIZON):
        waiting = [m for m in meetings if m.group_id not in soonest]
        for occurrence in await upcoming(session, waiting, now, now + horizon):
            soonest.setdefault(occurrence.meeting.group_id, occurrence)
    until = min([now + keep_at_most, *(o.at for o in soonest.values())])
    waiting = [m for m in meetings if m.group_id not in soonest]
    if waiting:
        beyond = await upcoming(session, waiting, now + HORIZON, now + HORIZON + keep_at_most)
        if beyond:
            until = min(until, beyond[0].at - HORIZON)
    return soonest, until


async def active_member(session: AsyncSession, person_id: int, group_id: int) -> bool:
    found = await session.execute(
        select(Membership.id).where(Membership.person_id == person_id, Membership.group_id == group_id, Membership.status == "active")
    )
    return found.first() is not None


async def may_see(turn: Turn, group: Group) -> bool:
    """Whether this person may see the group's meetings (see the module's rule)."""
    if group.listed or turn.roles.admin or turn.roles.facilitator_of(group.id):
        return True
    return await active_member(turn.session, turn.person.id, group.id)


# --- what `groups` shows about meetings -------------------------------------------------------


async def next_meeting_facts(turn: Turn, groups: Sequence[Group]) -> dict[int, tuple[Fact, ...]]:
    """For `groups list`: each listed group's next meeting, as a field of its card."""
    return (await next_meeting_facts_until(turn, groups))[0]


async def next_meeting_facts_until(turn: Turn, groups: Sequence[Group]) -> tuple[dict[int, tuple[Fact, ...]], datetime]:
    """`next_meeting_facts`, and until when they hold (see `next_per_group_until`)."""
    shown = [g for g in groups if g.listed]
    nexts, until = await next_per_group_until(turn.session, (g.id for g in shown), turn.now)
    zone_here = viewer_zone(turn)
    return {gid: (Fact(turn.t("meetings.field_next"), when(turn.t, o.at, zone_here)),) for gid, o in nexts.items()}, until


async def meeting_facts(turn: Turn, group: Group) -> list[Fact]:
    """For `groups info`: the group's schedule and its next meeting, when the person may see them."""
    if not await may_see(turn, group):
        return []
    t, zone_here = turn.t, viewer_zone(turn)
    meetings = await live_meetings(turn.session, [group.id], turn.now)
    facts = []
    nexts = {}
    for meeting in meetings:
        following = await next_of(turn.session, meeting, turn.now)
        if following is not None:
            nexts[meeting.id] = following
    lines = []
    for meeting in sorted((m for m in meetings if m.id in nexts), key=lambda m: nexts[m.id].at):
        line = t("meetings.schedule_line", id=meeting.id, schedule=schedule(t, meeting.recurrence, meeting.local_start, meeting.timezone, zone_here))
        lines.append(f"{line} — {meeting.location}" if meeting.location else line)
    if lines:
        facts.append(Fact(t("meetings.field_schedule"), "; ".join(lines)))
        soonest = min(nexts.values(), key=lambda o: o.at)
        facts.append(Fact(t("meetings.field_next"), when(t, soonest.at, zone_here)))
    else:
        facts.append(Fact(t("meetings.field_schedule"), t("meetings.none_scheduled")))
    return facts


async def mine_facts(turn: Turn, groups: Sequence[Group]) -> list[Fact]:
    """For `groups mine`: the next meeting of each group the person belongs to."""
    nexts = await next_per_group(turn.session, (g.id for g in groups), turn.now)
    zone_here = viewer_zone(turn)
    names = {g.id: g.name for g in groups}
    ordered = sorted(nexts.values(), key=lambda o: o.at)
    return [Fact(turn.t("meetings.field_next_of", group=names[o.meeting.group_id]), when(turn.t, o.at, zone_here)) for o in ordered]


async def drop_future_rsvps(session: AsyncSession, person_id: int, group_id: int, now: datetime) -> None:
    """Leaving a group takes back the person's answers for its meetings still to come."""
    meeting_ids = select(Meeting.id).where(Meeting.group_id == group_id).scalar_subquery()
    await session.execute(delete(Rsvp).where(Rsvp.person_id == person_id, Rsvp.meeting_id.in_(meeting_ids), Rsvp.occurs_at > now))
