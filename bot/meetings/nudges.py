"""Meeting reminders ("nudges"): who gets one, for which occurrence, and when it may be sent.

For each occurrence that has not started and each configured offset (24h and 1h before by
default), every active member who allows reminders — in the group and in their own settings — and
has not answered "no" gets one, at the occurrence minus the offset, moved earlier out of quiet
hours where they are. A reminder is skipped when that moment came before the meeting was created
or before the person joined the group; one found late (the bot was down) is still sent as long as
the meeting has not started. When several of one person's reminders for one occurrence are due at
once, only the latest is sent.

The job runs every minute. To stay cheap it does not look again at reminders that an earlier run
already considered: the newest nudge in the outbox says when the last run that queued anything
ran, and every run covers every reminder due up to its own `now`, in one transaction. Only
reminders due since then (and, for meetings created just before it, a few minutes more) are
looked at. A run that queued nothing moves nothing on, so after a quiet spell or downtime the next
run simply looks further back; outbox keys make any overlap harmless. Which time zones people are
in is read only in runs where a reminder moved out of quiet hours could be due.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from sqlalchemy import case, null, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cards import card_reply
from bot.catalogue import Translator
from bot.config import Settings
from bot.hours import before_quiet_hours, zone_of
from bot.meetings import agenda, recurrence
from bot.meetings.offsets import offsets
from bot.meetings.wording import occurrence_card, when
from bot.outbox import Outgoing, enqueue_many
from bot.types import Reply
from storage.models import Group, Meeting, Membership, OutboxItem, Person, Rsvp

KIND = "nudge"
_NOBODY: dict[int, str] = {}
#: How far before the last run's `now` a run looks again at meetings created meanwhile, for a
#: facilitator's transaction that committed after that run read the meetings.
RECHECK = timedelta(minutes=5)


def occurrence_prefix(meeting_id: int, at: datetime | None = None) -> str:
    """The start every nudge key of one occurrence (or of every occurrence) shares.

    A whole key is `nudge:<meeting id>:<occurrence, UTC ISO>:<person id>:<offset>`.
    """
    return f"nudge:{meeting_id}:" + (f"{at.isoformat()}:" if at is not None else "")


def quiet_span(start: time, end: time) -> timedelta:
    """How long quiet hours last: the furthest a reminder can move earlier is this and a minute."""
    minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    return timedelta(minutes=minutes % (24 * 60))


@dataclass
class _Due:
    """One offset of one occurrence that may be due in this run, for people in some zone."""

    occurrence: agenda.Occurrence
    group_name: str
    label: str
    length: timedelta
    created_at: datetime
    # zone name → the moment the reminder is due for people there, or None: not in this run.
    sends: dict[str, datetime | None] = field(default_factory=dict)

    @cached_property
    def prefix(self) -> str:
        return occurrence_prefix(self.occurrence.meeting.id, self.occurrence.at)


@dataclass(frozen=True)
class _Run:
    """What one run covers: reminders due by `now` that no run up to `last` could have queued."""

    now: datetime
    last: datetime | None
    quiet_start: time
    quiet_end: time

    def send(self, due: _Due, zone: ZoneInfo) -> datetime | None:
        """When `due` is due for someone in `zone`, if that is in this run."""
        if zone.key not in due.sends:
            moment = before_quiet_hours(due.occurrence.at - due.length, zone, self.quiet_start, self.quiet_end)
            fresh = due.created_at <= moment <= self.now and _unseen(moment, due.created_at, self.last)
            due.sends[zone.key] = moment if fresh else None
        return due.sends[zone.key]

    def may_shift_into(self, since: datetime | None) -> bool:
        """Whether a reminder moved out of quiet hours, in any zone, can be due in (since, now].

        Moved reminders go at the minute before quiet hours begin, local time; every zone's offset
        is a multiple of 15 minutes, so in UTC that minute comes round only every 15 minutes. Other
        runs need not know which zones people are in beyond the district's own.
        """
        if quiet_span(self.quiet_start, self.quiet_end) == timedelta(0):
            return False
        if since is None or self.now - since >= timedelta(minutes=15):
            return True
        wanted = (self.quiet_start.minute - 1) % 15
        minute = since.replace(second=0, microsecond=0) + timedelta(minutes=1)
        while minute <= self.now:
            if minute.minute % 15 == wanted:
                return True
            minute += timedelta(minutes=1)
        return False


async def _last_queued(session: AsyncSession) -> datetime | None:
    # The newest rows are at the end of the primary key, and nearly every row is a nudge, so this
    # reads a handful of rows whatever the size of the outbox.
    found = await session.execute(select(OutboxItem.created_at).where(OutboxItem.kind == KIND).order_by(OutboxItem.id.desc()).limit(1))
    return found.scalar()


def _unseen(moment: datetime, created_at: datetime, last: datetime | None) -> bool:
    """Whether no earlier run can have queued a reminder due at `moment`.

    The run at `last` covered everything due by then, except a meeting whose transaction was
    still open while it read: so reminders due shortly before `last` are looked at again for
    meetings created just then.
    """
    if last is None or moment > last:
        return True
    return moment > last - RECHECK and created_at > last - RECHECK


async def due_nudges(session: AsyncSession, settings: Settings, now: datetime) -> list[Outgoing]:
    """Every reminder that has come due by `now` and that no earlier run has queued."""
    district = settings.district
    lengths = offsets(district.nudge_offsets)
    if not lengths:
        return []
    last = await _last_queued(session)
    horizon = now + lengths[0][0] + quiet_span(district.quiet_start, district.quiet_end) + timedelta(minutes=1)
    latest_local = (horizon + timedelta(days=1)).replace(tzinfo=None)
    # Plain rows through the connection: the ORM's result machinery costs more than the query here.
    connection = await session.connection()
    rows = (
        await connection.execute(
            select(
                Meeting.id, Meeting.group_id, Meeting.local_start, Meeting.timezone, Meeting.recurrence, Meeting.location,
                Meeting.created_at, null().label("cancelled_at"), Group.name,
            )
            .join(Group, Group.id == Meeting.group_id)
            .where(Meeting.cancelled_at.is_(None), Meeting.local_start <= latest_local)
            .where((Meeting.recurrence != recurrence.ONCE) | (Meeting.local_start >= (now - timedelta(days=2)).replace(tzinfo=None)))
        )
    ).all()
    # Each meeting's dates up to the horizon; the zones are few, and looked up once per run.
    meeting_zones: dict[str, ZoneInfo] = {}
    soon = []
    for row in rows:
        zone = meeting_zones.get(row.timezone) or meeting_zones.setdefault(row.timezone, ZoneInfo(row.timezone))
        for at, local in recurrence.occurrences(row.recurrence, row.local_start, zone, now, horizon):
            soon.append((row, agenda.Occurrence(row, at, local)))
    if not soon:
        return []
    run = _Run(now, last, district.quiet_start, district.quiet_end)
    since = None if last is None else min(last - RECHECK if row.created_at > last - RECHECK else last for row, _ in soon)
    # A reminder goes at its moment or earlier, never more than quiet hours earlier, and never
    # before the meeting was made; whatever cannot fall in (since, now] is left at once.
    earliest_shift = quiet_span(district.quiet_start, district.quiet_end) + timedelta(minutes=1)
    moved = run.may_shift_into(since)
    pairs = [
        (row, o, length, label)
        for row, o in soon
        for length, label in lengths
        if row.created_at <= o.at - length
        and (since is None or o.at - length > since)
        and o.at - length - (earliest_shift if moved else timedelta(0)) <= now
    ]
    if not pairs:
        return []
    skipped = await agenda.skips(session, {row.id for row, *_ in pairs}, now, horizon)
    # Which zones people are in is needed only when a moved reminder could be due in this run;
    # otherwise the district's zone, and the unmoved moment for everyone else, decide.
    zones = [settings.timezone]
    if moved:
        others = Person.timezone.is_not(None) & (Person.timezone != settings.timezone.key)
        names = (await session.execute(select(Person.timezone).where(others).distinct())).scalars()
        zones += sorted({zone_of(name, settings.timezone) for name in names} - {settings.timezone}, key=lambda z: z.key)
    due: list[_Due] = []
    for row, occurrence, length, label in pairs:
        if (row.id, occurrence.at) in skipped:
            continue
        d = _Due(occurrence, row.name, label, length, row.created_at)
        unmoved = occurrence.at - length
        if any(run.send(d, zone) for zone in zones) or (unmoved <= now and _unseen(unmoved, row.created_at, last)):
            due.append(d)
    if not due:
        return []
    return await _for_members(session, settings, run, due)


async def _for_members(session: AsyncSession, settings: Settings, run: _Run, due: list[_Due]) -> list[Outgoing]:
    # One query for the members of every group with a reminder due; a group of 50,000 is read
    # once, then each member costs a few dictionary lookups.
    # A reminder is never due for anyone before its offset's moment less the length of quiet hours.
    earliest = min(d.occurrence.at - d.length for d in due) - quiet_span(run.quiet_start, run.quiet_end) - timedelta(minutes=1)
    members = await (await session.connection()).execute(
        select(
            Membership.person_id, Membership.group_id, Person.language, Person.timezone,
            # Only a recent joining date matters (reminders due before someone joined are not theirs).
            case((Membership.joined_at > earliest, Membership.joined_at), else_=None),
        )
        .join(Person, Person.id == Membership.person_id)
        .where(Membership.group_id.in_({d.occurrence.meeting.group_id for d in due}), Membership.status == "active",
               Membership.nudges_ok.is_(True), Person.nudges_ok.is_(True))
    )
    instants = [d.occurrence.at for d in due]
    answered: dict[tuple[int, datetime], dict[int, str]] = {}
    for meeting_id, at, person_id, answer in await session.execute(
        select(Rsvp.meeting_id, Rsvp.occurs_at, Rsvp.person_id, Rsvp.answer).where(
            Rsvp.meeting_id.in_({d.occurrence.meeting.id for d in due}), Rsvp.occurs_at >= min(instants), Rsvp.occurs_at <= max(instants)
        )
    ):
        answered.setdefault((meeting_id, at), {})[person_id] = answer
    # Per group, per occurrence: its due offsets, shortest first — the latest reminder wins when
    # several are due at once, and a shorter offset is never due before a longer one.
    slots: dict[int, dict[tuple[int, datetime], list[_Due]]] = {}
    for d in due:
        o = d.occurrence
        slots.setdefault(o.meeting.group_id, {}).setdefault((o.meeting.id, o.at), []).append(d)
    for occurrences in slots.values():
        for offsets_due in occurrences.values():
            offsets_due.reverse()
    zones: dict[str | None, ZoneInfo] = {}
    cards: dict[tuple, Reply] = {}
    found: list[Outgoing] = []
    for person_id, group_id, language, person_zone, joined_recently in members:
        zone = zones.get(person_zone)
        if zone is None:
            zone = zones[person_zone] = zone_of(person_zone, settings.timezone)
        for slot, offsets_due in slots[group_id].items():
            answer = answered.get(slot, _NOBODY).get(person_id)
            if answer == "no":
                continue
            for d in offsets_due:
                send = run.send(d, zone)
                if send is not None and (joined_recently is None or send >= joined_recently):
                    card_key = (slot, zone.key, language, answer)
                    card = cards.get(card_key)
                    if card is None:
                        card = cards[card_key] = _card(Translator(language), d, zone, answer)
                    found.append(Outgoing(f"{d.prefix}{person_id}:{d.label}", KIND, card, person_id, group_id))
                    break
    # In key order: the outbox index on keys then fills page by page instead of at random.
    found.sort(key=lambda item: item.key)
    return found


def _card(t: Translator, d: _Due, zone: ZoneInfo, answer: str | None) -> Reply:
    occurrence = d.occurrence
    meeting = occurrence.meeting
    lead = t("meetings.nudge_body", group=d.group_name, when=when(t, occurrence.at, zone))
    if answer == "yes":
        lead = f"{lead} {t('meetings.nudge_said_yes')}"
    card = occurrence_card(
        t, meeting_id=meeting.id, group=d.group_name, at=occurrence.at, day=occurrence.day, zone=zone, location=meeting.location,
        answer=None, title=t("meetings.nudge_title", group=d.group_name), lead=f"{lead}\n{t('meetings.nudge_footer')}",
    )
    return card_reply(card, ephemeral=False)


async def queue_nudges(session: AsyncSession, settings: Settings, now: datetime) -> int:
    """The scheduled job: queue every reminder due by `now`; returns how many were new."""
    return await enqueue_many(session, await due_nudges(session, settings, now), now)
