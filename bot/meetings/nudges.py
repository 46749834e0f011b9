"""Meeting reminders ("nudges"): who gets one, for which occurrence, and when it may be sent.

For each occurrence and each configured offset (24h and 1h before by default), every active member
who allows reminders — in the group and in their own settings — and has not answered "no" gets
one, at the occurrence minus the offset, moved earlier out of quiet hours where they are.

The work comes in two steps, both in the one job that runs every minute:

1. **Planning** (about once a week per meeting). For each meeting whose reminders are not yet
   planned a day or more ahead, its occurrences of the next week or so are expanded, and for each
   occurrence, offset and time zone that people are in, one `nudge_plan` row says when that
   reminder is due there. A row names nobody. A reminder whose moment came before the meeting was
   made is not planned — unless every one of that occurrence's reminders did (a meeting made an
   hour ahead), in which case the latest of them goes as soon as the meeting exists, outside quiet
   hours.
2. **Sending** (when a planned row comes due). The members who should have it are read then —
   so whoever left the group, said no or turned reminders off meanwhile is left out — and each
   gets an outbox item under their own key, `nudge:<meeting>:<occurrence>:<person>:<offset>`.
   A reminder found late (the bot was down) is still sent as long as the meeting has not
   started; when several of one occurrence's reminders are due at once, only the latest goes.
   Someone in a time zone nobody was in at planning time gets theirs with the district's zone's
   row: at once if their own moment has passed and it is not quiet hours where they are, when
   their quiet hours end if that is before the meeting, or at their own moment from a row planned
   then; and the next run plans every meeting again, with their zone.

A run with nothing to plan and nothing due reads two short index ranges and writes nothing. The
plan follows the configuration it was made with: a change to offsets or quiet hours reaches the
reminders planned after it (within a week), while an offset no longer configured is not sent.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import batches
from bot.cards import card_reply
from bot.catalogue import Translator
from bot.config import Settings
from bot.hours import before_quiet_hours, in_window, zone_of
from bot.meetings import agenda, recurrence
from bot.meetings.offsets import offsets
from bot.meetings.wording import occurrence_card, when
from bot.outbox import Outgoing
from bot.types import Reply
from storage.models import Group, Meeting, Membership, NudgeHorizon, NudgePlan, Person, Rsvp
from storage.upsert import add_missing

KIND = "nudge"
#: How far beyond its longest reminder a meeting's occurrences are planned at a time.
AHEAD = timedelta(days=7)
#: A meeting is planned again once less than this is left beyond its longest reminder.
MARGIN = timedelta(days=1)
#: The horizon of a one-off meeting once its one occurrence is planned: never again.
DONE = datetime(9999, 12, 31, tzinfo=timezone.utc)
_NOBODY: dict[int, str] = {}


def occurrence_prefix(meeting_id: int, at: datetime | None = None) -> str:
    """The start every nudge key of one occurrence (or of every occurrence) shares.

    A whole key is `nudge:<meeting id>:<occurrence, UTC ISO>:<person id>:<offset>`.
    """
    return f"nudge:{meeting_id}:" + (f"{at.isoformat()}:" if at is not None else "")


def quiet_span(start: time, end: time) -> timedelta:
    """How long quiet hours last: the furthest a reminder can move earlier is this and a minute."""
    minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    return timedelta(minutes=minutes % (24 * 60))


def is_quiet(moment: datetime, zone: ZoneInfo, quiet_start: time, quiet_end: time) -> bool:
    return quiet_start != quiet_end and in_window(moment.astimezone(zone).time().replace(tzinfo=None), quiet_start, quiet_end)


def after_quiet_hours(moment: datetime, zone: ZoneInfo, quiet_start: time, quiet_end: time) -> datetime:
    """The end of the quiet spell `moment` falls in, where the person is."""
    local = moment.astimezone(zone)
    day = local.date()
    if quiet_start > quiet_end and local.time().replace(tzinfo=None) >= quiet_start:
        day += timedelta(days=1)
    return datetime.combine(day, quiet_end, tzinfo=zone).astimezone(moment.tzinfo)


def moments(
    at: datetime, created_at: datetime, zone: ZoneInfo, lengths: list[tuple[timedelta, str]], quiet_start: time, quiet_end: time
) -> list[tuple[str, datetime]]:
    """(offset label, due) of each reminder of the occurrence at `at` for people in `zone`.

    A reminder due before the meeting was made is dropped; if all of them were, the latest goes
    when the meeting was made, unless that was in quiet hours there or the meeting had begun.
    """
    found = []
    for length, label in lengths:
        due = before_quiet_hours(at - length, zone, quiet_start, quiet_end)
        if due >= created_at:
            found.append((label, due))
    if not found and lengths and at > created_at and not is_quiet(created_at, zone, quiet_start, quiet_end):
        found.append((lengths[-1][1], created_at))
    return found


# --- planning -----------------------------------------------------------------------------------

#: What a run needs to know before doing anything, in one statement of small counts and index ends:
#: every meeting has a horizon once planned (so equal counts mean no meeting is new), the soonest
#: horizon, and the soonest planned reminder.
_PROBE = select(
    select(func.count()).select_from(Meeting).scalar_subquery().label("meetings"),
    select(func.count()).select_from(NudgeHorizon).scalar_subquery().label("horizons"),
    select(func.min(NudgeHorizon.planned_until)).scalar_subquery().label("replan_at"),
    select(func.min(NudgePlan.due_at)).where(NudgePlan.state == "planned").scalar_subquery().label("due_at"),
)


class _Probe(NamedTuple):
    meetings: int
    horizons: int
    replan_at: datetime | None
    due_at: datetime | None


async def probe(session: AsyncSession) -> _Probe:
    row = (await (await session.connection()).execute(_PROBE)).one()
    # SQLite hands aggregates of instants back as text.
    return _Probe(row.meetings, row.horizons, _instant(row.replan_at), _instant(row.due_at))


def _instant(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value if value is None or value.tzinfo else value.replace(tzinfo=timezone.utc)
    return datetime.fromisoformat(str(value)).replace(tzinfo=timezone.utc)


async def plan(session: AsyncSession, settings: Settings, now: datetime, lengths: list[tuple[timedelta, str]], probed: _Probe | None = None) -> int:
    """Plan the reminders of every meeting not yet planned far enough ahead; returns rows written."""
    district = settings.district
    reach = lengths[0][0] + quiet_span(district.quiet_start, district.quiet_end) + timedelta(minutes=1)
    stale = now + reach + MARGIN
    connection = await session.connection()
    probed = probed or await probe(session)
    if probed.meetings == probed.horizons and (probed.replan_at is None or probed.replan_at >= stale):
        return 0
    rows = (
        await connection.execute(
            select(Meeting.id, Meeting.local_start, Meeting.timezone, Meeting.recurrence, Meeting.created_at, Meeting.cancelled_at,
                   NudgeHorizon.planned_until)
            .outerjoin(NudgeHorizon, NudgeHorizon.meeting_id == Meeting.id)
            .where(or_(NudgeHorizon.planned_until.is_(None), NudgeHorizon.planned_until < stale))
        )
    ).all()
    if not rows:
        return 0
    until = now + reach + AHEAD
    zones = await _zones(session, settings)
    meeting_zones: dict[str, ZoneInfo] = {}
    planned: list[dict[str, Any]] = []
    horizons: list[dict[str, Any]] = []
    written = 0
    # Everything is read above; the rows go a few meetings at a time, each meeting's plan and
    # horizon in the same transaction (bot/batches.py): a meeting whose horizon was written is
    # planned, the others are planned by the next run.
    for row in rows:
        if row.cancelled_at is not None:
            horizons.append(dict(meeting_id=row.id, planned_until=DONE, known=row.planned_until is not None))
        else:
            zone = meeting_zones.get(row.timezone) or meeting_zones.setdefault(row.timezone, ZoneInfo(row.timezone))
            after = max(row.planned_until, now) if row.planned_until is not None else now
            for at, _local in recurrence.in_window(row.recurrence, row.local_start, zone, after, until):
                for person_zone in zones:
                    for label, due in moments(at, row.created_at, person_zone, lengths, district.quiet_start, district.quiet_end):
                        planned.append(dict(meeting_id=row.id, occurs_at=at, label=label, zone=person_zone.key, due_at=due, state="planned"))
            once = row.recurrence == recurrence.ONCE and recurrence.instant(row.local_start, zone) <= until
            horizon = DONE if once else until
            horizons.append(dict(meeting_id=row.id, planned_until=horizon, known=row.planned_until is not None))
        if len(planned) + len(horizons) >= batches.ROWS:
            written += await _write_plan(session, planned, horizons)
            planned, horizons = [], []
    written += await _write_plan(session, planned, horizons)
    # Rows of occurrences long past are of no further use.
    await (await session.connection()).execute(delete(NudgePlan).where(NudgePlan.occurs_at < now - timedelta(days=2)))
    # Committed before the sending step reads who is due, which can take seconds.
    await batches.commit(session)
    return written


async def _write_plan(session: AsyncSession, planned: list[dict[str, Any]], horizons: list[dict[str, Any]]) -> int:
    """One chunk of the plan and the horizons of its meetings, in one transaction of their own."""
    if not planned and not horizons:
        return 0
    connection = await session.connection()
    await _insert_plans(session, planned)
    known = [h for h in horizons if h["known"]]
    if known:
        await connection.execute(
            update(NudgeHorizon).where(NudgeHorizon.meeting_id == bindparam("id")).values(planned_until=bindparam("until")),
            [dict(id=h["meeting_id"], until=h["planned_until"]) for h in known],
        )
    new = [dict(meeting_id=h["meeting_id"], planned_until=h["planned_until"]) for h in horizons if not h["known"]]
    if new:
        await connection.execute(NudgeHorizon.__table__.insert(), new)
    await batches.commit(session)
    return len(planned)


async def _zones(session: AsyncSession, settings: Settings) -> list[ZoneInfo]:
    """The district's zone and every other valid zone someone is in."""
    names = (await session.execute(select(Person.timezone).where(Person.timezone.is_not(None)).distinct())).scalars()
    others = {zone_of(name, settings.timezone) for name in names} - {settings.timezone}
    return [settings.timezone, *sorted(others, key=lambda z: z.key)]


async def _insert_plans(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    await add_missing(session, NudgePlan, ("meeting_id", "occurs_at", "label", "zone"), rows)


# --- sending ------------------------------------------------------------------------------------


@dataclass
class _Due:
    """One occurrence's latest reminder due in this run, for the people in one zone."""

    meeting: Any  # the meeting's row
    group_name: str
    at: datetime
    local: datetime
    label: str
    due_at: datetime
    zone: ZoneInfo

    @property
    def prefix(self) -> str:
        return occurrence_prefix(self.meeting.id, self.at)


@dataclass
class _Sending:
    """What one run sends, and what it writes once everything is queued."""

    outgoing: list[Outgoing]
    done: list[int]  # the planned rows found due
    late_plans: list[dict[str, Any]]
    replan: bool  # someone is in a zone the plan did not know

    async def finish(self, session: AsyncSession) -> None:
        """Mark the rows done (a chunk per transaction), plan the late moments, and replan if asked.

        Only once every item is queued: a run stopped before this finds the same rows due again,
        and writing their items again changes nothing (the keys are kept)."""
        connection = await session.connection()
        await _insert_plans(session, self.late_plans)
        if self.replan:
            # A zone the plan did not know: plan every meeting again, with it, at the next run.
            await connection.execute(delete(NudgeHorizon))
        for chunk in batches.chunks(self.done):
            await (await session.connection()).execute(update(NudgePlan).where(NudgePlan.id.in_(chunk)).values(state="done"))
            await batches.commit(session)


async def sending(session: AsyncSession, settings: Settings, now: datetime, lengths: list[tuple[timedelta, str]] | None = None) -> _Sending:
    """Every reminder planned to be due by `now` that is still to go, one per member, read
    without writing anything."""
    district = settings.district
    lengths = offsets(district.nudge_offsets) if lengths is None else lengths
    connection = await session.connection()
    found = (
        await connection.execute(
            select(NudgePlan.id, NudgePlan.meeting_id, NudgePlan.occurs_at, NudgePlan.label, NudgePlan.zone, NudgePlan.due_at)
            .where(NudgePlan.state == "planned", NudgePlan.due_at <= now)
        )
    ).all()
    result = _Sending([], [r.id for r in found], [], False)
    if not found:
        return result
    length_of = {label: length for length, label in lengths}
    # Per occurrence and zone, the latest reminder (shortest offset) of those due now.
    latest: dict[tuple[int, datetime, str], Any] = {}
    for r in found:
        if r.label not in length_of or r.occurs_at <= now:
            continue
        key = (r.meeting_id, r.occurs_at, r.zone)
        if key not in latest or length_of[r.label] < length_of[latest[key].label]:
            latest[key] = r
    if not latest:
        return result
    meeting_ids = {m for m, _, _ in latest}
    meetings = {
        row.id: row
        for row in (
            await connection.execute(
                select(Meeting.id, Meeting.group_id, Meeting.local_start, Meeting.timezone, Meeting.recurrence, Meeting.location,
                       Meeting.created_at, Meeting.cancelled_at, Group.name)
                .join(Group, Group.id == Meeting.group_id)
                .where(Meeting.id.in_(meeting_ids), Meeting.cancelled_at.is_(None))
            )
        )
    }
    instants = [at for _, at, _ in latest]
    skipped = await agenda.skips(session, meetings, min(instants) - timedelta(seconds=1), max(instants))
    due: list[_Due] = []
    for (meeting_id, at, zone_name), r in latest.items():
        row = meetings.get(meeting_id)
        if row is None or (meeting_id, at) in skipped:
            continue
        local = at.astimezone(ZoneInfo(row.timezone)).replace(tzinfo=None)
        due.append(_Due(row, row.name, at, local, r.label, r.due_at, zone_of(zone_name, settings.timezone)))
    if not due:
        return result
    await _for_members(session, settings, now, lengths, due, result)
    return result


async def due_nudges(session: AsyncSession, settings: Settings, now: datetime, lengths: list[tuple[timedelta, str]] | None = None) -> list[Outgoing]:
    """Every reminder planned to be due by `now` that is still to go, one per member; the planned
    rows are marked done in the same transaction (the job itself writes in chunks: `queue_nudges`)."""
    found = await sending(session, settings, now, lengths)
    connection = await session.connection()
    await _insert_plans(session, found.late_plans)
    if found.replan:
        await connection.execute(delete(NudgeHorizon))
    if found.done:
        await connection.execute(update(NudgePlan).where(NudgePlan.id.in_(found.done)).values(state="done"))
    return found.outgoing


async def _for_members(
    session: AsyncSession, settings: Settings, now: datetime, lengths: list[tuple[timedelta, str]], due: list[_Due], result: _Sending
) -> None:
    district = settings.district
    connection = await session.connection()
    # One query for the members of every group with a reminder due; a group of 50,000 is read
    # once, then each member costs a few dictionary lookups.
    members = await connection.execute(
        select(Membership.person_id, Membership.group_id, Person.language, Person.timezone, Membership.joined_at)
        .join(Person, Person.id == Membership.person_id)
        .where(Membership.group_id.in_({d.meeting.group_id for d in due}), Membership.status == "active",
               Membership.nudges_ok.is_(True), Person.nudges_ok.is_(True))
    )
    slots = {(d.meeting.id, d.at) for d in due}
    answered: dict[tuple[int, datetime], dict[int, str]] = {}
    for meeting_id, at, person_id, answer in await connection.execute(
        select(Rsvp.meeting_id, Rsvp.occurs_at, Rsvp.person_id, Rsvp.answer).where(
            Rsvp.meeting_id.in_({m for m, _ in slots}), Rsvp.occurs_at >= min(a for _, a in slots), Rsvp.occurs_at <= max(a for _, a in slots)
        )
    ):
        answered.setdefault((meeting_id, at), {})[person_id] = answer
    # Which zones each occurrence was planned for: a member in any other zone is someone the plan
    # did not know of, and the district zone's row looks after them.
    planned_zones: dict[tuple[int, datetime], set[str]] = defaultdict(set)
    for meeting_id, at, zone_name in await connection.execute(
        select(NudgePlan.meeting_id, NudgePlan.occurs_at, NudgePlan.zone).where(NudgePlan.meeting_id.in_({m for m, _ in slots})).distinct()
    ):
        if (meeting_id, at) in slots:
            planned_zones[(meeting_id, at)].add(zone_name)
    by_group: dict[int, list[_Due]] = defaultdict(list)
    for d in due:
        by_group[d.meeting.group_id].append(d)
    district_zone = settings.timezone.key
    zones: dict[str | None, ZoneInfo] = {}
    cards: dict[tuple, Reply] = {}
    late_plans = result.late_plans
    unplanned: set[str] = set()
    outgoing = result.outgoing
    for person_id, group_id, language, person_zone, joined_at in members:
        zone = zones.get(person_zone)
        if zone is None:
            zone = zones[person_zone] = zone_of(person_zone, settings.timezone)
        for d in by_group[group_id]:
            slot = (d.meeting.id, d.at)
            if d.zone.key == zone.key:
                label, moment = d.label, d.due_at
            elif d.zone.key == district_zone and zone.key not in planned_zones[slot]:
                # Someone in a zone unknown when this was planned: their own moment decides.
                mine = [m for m in moments(d.at, d.meeting.created_at, zone, lengths, district.quiet_start, district.quiet_end) if m[0] == d.label]
                if not mine:
                    continue
                label, moment = mine[0]
                unplanned.add(zone.key)
                if moment <= now and is_quiet(now, zone, district.quiet_start, district.quiet_end):
                    # Too late to go before their quiet hours: at their end, if the meeting is later.
                    moment = after_quiet_hours(now, zone, district.quiet_start, district.quiet_end)
                    if moment >= d.at:
                        continue
                if moment > now:
                    late_plans.append(dict(meeting_id=d.meeting.id, occurs_at=d.at, label=label, zone=zone.key, due_at=moment, state="planned"))
                    continue
            else:
                continue
            if joined_at is not None and joined_at > moment:
                continue
            answer = answered.get(slot, _NOBODY).get(person_id)
            if answer == "no":
                continue
            card_key = (slot, zone.key, language, answer)
            card = cards.get(card_key)
            if card is None:
                card = cards[card_key] = _card(Translator(language), d, zone, answer)
            outgoing.append(Outgoing(f"{d.prefix}{person_id}:{label}", KIND, card, person_id, group_id))
    result.replan = bool(unplanned)
    # In key order: the outbox index on keys then fills page by page instead of at random.
    outgoing.sort(key=lambda item: item.key)


def _card(t: Translator, d: _Due, zone: ZoneInfo, answer: str | None) -> Reply:
    meeting = d.meeting
    lead = t("meetings.nudge_body", group=d.group_name, when=when(t, d.at, zone))
    if answer == "yes":
        lead = f"{lead} {t('meetings.nudge_said_yes')}"
    card = occurrence_card(
        t, meeting_id=meeting.id, group=d.group_name, at=d.at, day=d.local.date(), zone=zone, location=meeting.location,
        answer=None, title=t("meetings.nudge_title", group=d.group_name), lead=f"{lead}\n{t('meetings.nudge_footer')}",
    )
    return card_reply(card, ephemeral=False)


async def queue_nudges(session: AsyncSession, settings: Settings, now: datetime) -> int:
    """The scheduled job: plan what is not yet planned, then queue every reminder due by `now`;
    returns how many outbox items were new."""
    lengths = offsets(settings.district.nudge_offsets)
    if not lengths:
        return 0
    probed = await probe(session)
    if await plan(session, settings, now, lengths, probed):
        probed = await probe(session)
    if probed.due_at is None or probed.due_at > now:
        return 0
    # Read first, then written a chunk per transaction (bot/batches.py), the planned rows marked
    # done last: a run stopped in between is finished by the next one, each item still once.
    found = await sending(session, settings, now, lengths)
    written = await batches.enqueue_in_chunks(session, found.outgoing, now)
    await found.finish(session)
    return written
