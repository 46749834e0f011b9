"""What the `meeting` and `rsvp` commands do: schedule, list, cancel, and answer."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import outbox
from bot.cards import card_reply
from bot.catalogue import Translator
from bot.hours import zone_of
from bot.meetings import agenda, recurrence
from bot.meetings.agenda import Occurrence, viewer_zone
from bot.meetings.commands import AddMeeting, AnswerRsvp, CancelMeeting, ListMeetings
from bot.meetings.nudges import KIND as NUDGE, occurrence_prefix
from bot.meetings.wording import cadence, occurrence_card, when
from bot.roles import FACILITATOR
from bot.turn import Turn
from bot.types import Card, Fact, Reply
from storage.models import Group, Meeting, MeetingSkip, Membership, OutboxItem, Person, Rsvp

#: A meeting is scheduled at most this far ahead, which also keeps every date well inside what
#: the calendar code can count.
FURTHEST = timedelta(days=366)
#: What `meeting list` shows: the coming eight weeks, at most this many occurrences.
LIST_WEEKS = 8
LIST_LIMIT = 10
PER_MEETING = 3


async def _find_group(turn: Turn, words: str) -> Group | Reply:
    # bot.groups shows meeting schedules from this package, so it is imported when first needed.
    from bot.groups.handlers import find_group

    return await find_group(turn, words)


def _may_schedule(turn: Turn, group_id: int) -> bool:
    return turn.roles.admin or turn.roles.facilitator_of(group_id)


async def _meeting(turn: Turn, meeting_id: int) -> tuple[Meeting, Group] | Reply:
    meeting = await turn.session.get(Meeting, meeting_id)
    if meeting is None:
        return turn.refuse("meetings.not_found", id=meeting_id)
    group = await turn.session.get(Group, meeting.group_id)
    assert group is not None
    return meeting, group


async def _named_date(turn: Turn, meeting: Meeting, day: date, skipped: str) -> Occurrence | Reply:
    """The occurrence of `meeting` on `day`, if it has one that has not begun; `skipped` names the
    refusal for a date already cancelled."""
    occurrence = await agenda.on_day(turn.session, meeting, day)
    if occurrence is None:
        return turn.refuse("meetings.no_occurrence_on", id=meeting.id, day=day.isoformat())
    if occurrence.at <= turn.now:
        return turn.refuse("meetings.occurrence_started", id=meeting.id, day=day.isoformat())
    if await agenda.is_skipped(turn.session, occurrence):
        return turn.refuse(skipped, id=meeting.id, day=day.isoformat())
    return occurrence


async def _needs_facilitator(turn: Turn, group: Group) -> Reply:
    # An unlisted group is not named to someone who could not see it otherwise.
    return turn.needs_role(FACILITATOR, group.name if await agenda.may_see(turn, group) else None)


async def add_meeting(cmd: AddMeeting, turn: Turn) -> Reply:
    t = turn.t
    group = await _find_group(turn, cmd.group)
    if isinstance(group, Reply):
        return group
    if not _may_schedule(turn, group.id):
        return turn.needs_role(FACILITATOR, group.name)
    zone_name = cmd.timezone or turn.settings.timezone.key
    zone = ZoneInfo(zone_name)
    if cmd.day > turn.today + FURTHEST:
        return turn.refuse("meetings.too_far", days=FURTHEST.days)
    if cmd.day < turn.today - timedelta(days=2):
        # Long past, and perhaps too early for the calendar to count in every zone.
        return turn.refuse("meetings.in_past", when=f"{cmd.day.isoformat()} {cmd.at:%H:%M}")
    local_start = datetime.combine(cmd.day, cmd.at)
    first = recurrence.instant(local_start, zone)
    if first <= turn.now:
        return turn.refuse("meetings.in_past", when=when(t, first, zone))
    if first > turn.now + FURTHEST:
        return turn.refuse("meetings.too_far", days=FURTHEST.days)
    same = await turn.session.execute(
        select(Meeting.id).where(
            Meeting.group_id == group.id, Meeting.local_start == local_start, Meeting.timezone == zone_name, Meeting.cancelled_at.is_(None)
        )
    )
    existing = same.scalar()
    if existing is not None:
        return turn.refuse("meetings.duplicate", id=existing, group=group.name)
    meeting = Meeting(
        group_id=group.id, local_start=local_start, timezone=zone_name, recurrence=cmd.recurrence, duration_minutes=60,
        location=cmd.location, created_by=turn.person.id, created_at=turn.now,
    )
    turn.session.add(meeting)
    await turn.session.flush()
    turn.audit("meeting_added", group_id=group.id, detail=f"meeting {meeting.id}")
    fields = [
        # Said in the same zone as the date beside it, so the weekday and day agree with it.
        Fact(t("meetings.field_repeats"), cadence(t, cmd.recurrence, first.astimezone(zone))),
        Fact(t("meetings.field_first"), when(t, first, zone)),
    ]
    if cmd.location:
        fields.append(Fact(t("meetings.field_where"), cmd.location))
    body = t("meetings.added_body", id=meeting.id)
    return card_reply(Card(title=t("meetings.added_title", id=meeting.id, group=group.name), body=body, fields=tuple(fields)))


async def _groups_of(session: AsyncSession, person_id: int, facilitates: frozenset[int]) -> set[int]:
    rows = await session.execute(select(Membership.group_id).where(Membership.person_id == person_id, Membership.status == "active"))
    return set(rows.scalars()) | set(facilitates)


async def list_meetings(cmd: ListMeetings, turn: Turn) -> Reply:
    t, here = turn.t, viewer_zone(turn)
    mine = await _groups_of(turn.session, turn.person.id, turn.roles.facilitates)
    if cmd.group:
        group = await _find_group(turn, cmd.group)
        if isinstance(group, Reply):
            return group
        if not await agenda.may_see(turn, group):
            return turn.refuse("meetings.private_group")
        group_ids = {group.id}
    else:
        group = None
        group_ids = mine
    meetings = await agenda.live_meetings(turn.session, group_ids, turn.now)
    found = _first_few(await agenda.upcoming(turn.session, meetings, turn.now, turn.now + timedelta(weeks=LIST_WEEKS)))
    if not found:
        if group is not None:
            return turn.reply("meetings.list_none_group", group=group.name)
        return turn.reply("meetings.list_none")
    shown = found[:LIST_LIMIT]
    names = dict((await turn.session.execute(select(Group.id, Group.name).where(Group.id.in_({o.meeting.group_id for o in shown})))).all())
    answers = await _answers(turn.session, turn.person.id, shown)
    counts = await _yes_counts(turn.session, [o for o in shown if _may_schedule(turn, o.meeting.group_id)])
    sections = []
    for o in shown:
        # In the reader's zone, as "When" is: a Thursday evening in Chicago is a Friday in Tokyo.
        extra: tuple[Fact, ...] = (Fact(t("meetings.field_repeats"), cadence(t, o.meeting.recurrence, o.at.astimezone(here))),)
        if (o.meeting.id, o.at) in counts:
            extra += (Fact(t("meetings.field_yes_count"), str(counts[(o.meeting.id, o.at)])),)
        sections.append(
            occurrence_card(
                t, meeting_id=o.meeting.id, group=names[o.meeting.group_id], at=o.at, day=o.day, zone=here, location=o.meeting.location,
                answer=answers.get((o.meeting.id, o.at)), title=t("meetings.item_title", id=o.meeting.id, group=names[o.meeting.group_id]),
                lead="", buttons=o.meeting.group_id in mine, extra=extra,
            )
        )
    more = t("meetings.list_more", count=len(found) - len(shown)) if len(found) > len(shown) else ""
    title = t("meetings.list_title_group", group=group.name) if group is not None else t("meetings.list_title")
    return card_reply(Card(title=title, body=more, sections=tuple(sections)))


def _first_few(occurrences: list[Occurrence]) -> list[Occurrence]:
    """The next few dates of each meeting, so one weekly meeting does not fill the whole list."""
    seen: dict[int, int] = {}
    kept = []
    for o in occurrences:
        seen[o.meeting.id] = seen.get(o.meeting.id, 0) + 1
        if seen[o.meeting.id] <= PER_MEETING:
            kept.append(o)
    return kept


async def _answers(session: AsyncSession, person_id: int, occurrences: list[Occurrence]) -> dict[tuple[int, datetime], str]:
    if not occurrences:
        return {}
    rows = await session.execute(
        select(Rsvp.meeting_id, Rsvp.occurs_at, Rsvp.answer).where(
            Rsvp.person_id == person_id, Rsvp.meeting_id.in_({o.meeting.id for o in occurrences}), Rsvp.occurs_at.in_({o.at for o in occurrences})
        )
    )
    return {(m, at): answer for m, at, answer in rows}


async def _yes_counts(session: AsyncSession, occurrences: list[Occurrence]) -> dict[tuple[int, datetime], int]:
    """How many said yes, for the facilitators who plan the room (a count, never names)."""
    if not occurrences:
        return {}
    rows = await session.execute(
        select(Rsvp.meeting_id, Rsvp.occurs_at, func.count())
        .where(Rsvp.answer == "yes", Rsvp.meeting_id.in_({o.meeting.id for o in occurrences}), Rsvp.occurs_at.in_({o.at for o in occurrences}))
        .group_by(Rsvp.meeting_id, Rsvp.occurs_at)
    )
    counts = {(m, at): n for m, at, n in rows}
    return {(o.meeting.id, o.at): counts.get((o.meeting.id, o.at), 0) for o in occurrences}


async def cancel_meeting(cmd: CancelMeeting, turn: Turn) -> Reply:
    t = turn.t
    found = await _meeting(turn, cmd.meeting_id)
    if isinstance(found, Reply):
        return found
    meeting, group = found
    if not _may_schedule(turn, group.id):
        return await _needs_facilitator(turn, group)
    if meeting.cancelled_at is not None:
        return turn.refuse("meetings.already_cancelled", id=meeting.id)
    if cmd.day is not None:
        occurrence = await _named_date(turn, meeting, cmd.day, skipped="meetings.already_skipped")
        if isinstance(occurrence, Reply):
            return occurrence
        turn.session.add(MeetingSkip(meeting_id=meeting.id, occurs_at=occurrence.at, cancelled_at=turn.now))
        told = await _tell_and_forget(turn, meeting, group, occurrence)
        turn.audit("meeting_occurrence_cancelled", group_id=group.id, detail=f"meeting {meeting.id} {occurrence.at.isoformat()}")
        return turn.reply("meetings.cancelled_one", id=meeting.id, group=group.name, when=when(t, occurrence.at, viewer_zone(turn)), told=told)
    if await agenda.next_of(turn.session, meeting, turn.now) is None:
        return turn.refuse("meetings.nothing_ahead", id=meeting.id)
    meeting.cancelled_at = turn.now
    told = await _tell_and_forget(turn, meeting, group, None)
    turn.audit("meeting_cancelled", group_id=group.id, detail=f"meeting {meeting.id}")
    return turn.reply("meetings.cancelled_series", id=meeting.id, group=group.name, told=told)


async def _tell_and_forget(turn: Turn, meeting: Meeting, group: Group, occurrence: Occurrence | None) -> int:
    """Tell those who said yes (only they), then drop the answers and the reminders still queued.

    `occurrence` None means every occurrence still to come.
    """
    which = Rsvp.occurs_at == occurrence.at if occurrence is not None else Rsvp.occurs_at > turn.now
    rows = (
        await turn.session.execute(
            select(Person, func.min(Rsvp.occurs_at))
            .join(Rsvp, Rsvp.person_id == Person.id)
            .where(Rsvp.meeting_id == meeting.id, Rsvp.answer == "yes", which)
            .group_by(Person.id)
        )
    ).all()
    for person, first_yes in rows:
        pt = Translator(person.language)
        at = first_yes if first_yes.tzinfo else first_yes.replace(tzinfo=turn.now.tzinfo)
        moment = when(pt, at, zone_of(person.timezone, turn.settings.timezone))
        if occurrence is not None:
            text, what = pt("meetings.cancelled_one_note", group=group.name, when=moment), at.isoformat()
        else:
            text, what = pt("meetings.cancelled_series_note", group=group.name, when=moment), "series"
        await outbox.enqueue(
            turn.session, key=f"meeting-cancelled:{meeting.id}:{what}:{person.id}", kind="meeting_cancelled",
            reply=Reply(text=text, ephemeral=False), now=turn.now, person_id=person.id, group_id=group.id,
        )
    await turn.session.execute(delete(Rsvp).where(Rsvp.meeting_id == meeting.id, which))
    await _withdraw(turn.session, group.id, occurrence_prefix(meeting.id, occurrence.at if occurrence is not None else None))
    return len(rows)


async def _withdraw(session: AsyncSession, group_id: int, prefix: str) -> None:
    """Reminders not yet sent for what no longer takes place (or for someone who said no)."""
    await session.execute(
        delete(OutboxItem).where(
            OutboxItem.group_id == group_id, OutboxItem.kind == NUDGE, OutboxItem.state == "queued", OutboxItem.key.startswith(prefix, autoescape=True)
        )
    )


async def answer_rsvp(cmd: AnswerRsvp, turn: Turn) -> Reply:
    t = turn.t
    found = await _meeting(turn, cmd.meeting_id)
    if isinstance(found, Reply):
        return found
    meeting, group = found
    if not (turn.roles.facilitator_of(group.id) or await agenda.active_member(turn.session, turn.person.id, group.id)):
        if group.listed:
            return turn.refuse("meetings.members_only", group=group.name, slug=group.slug)
        return turn.refuse("meetings.not_found", id=meeting.id)
    if meeting.cancelled_at is not None:
        return turn.refuse("meetings.already_cancelled", id=meeting.id)
    if cmd.day is not None:
        occurrence = await _named_date(turn, meeting, cmd.day, skipped="meetings.occurrence_cancelled")
        if isinstance(occurrence, Reply):
            return occurrence
    else:
        occurrence = await agenda.next_of(turn.session, meeting, turn.now)
        if occurrence is None:
            return turn.refuse("meetings.nothing_ahead", id=meeting.id)
    answer = "yes" if cmd.yes else "no"
    await _record(turn, meeting.id, occurrence.at, answer)
    if not cmd.yes:
        await _withdraw(turn.session, group.id, occurrence_prefix(meeting.id, occurrence.at) + f"{turn.person.id}:")
    here = viewer_zone(turn)
    card = occurrence_card(
        t, meeting_id=meeting.id, group=group.name, at=occurrence.at, day=occurrence.day, zone=here, location=meeting.location,
        answer=answer, title=t("meetings.rsvp_title", group=group.name),
        lead=t("meetings.rsvp_yes" if cmd.yes else "meetings.rsvp_no", group=group.name, when=when(t, occurrence.at, here)),
    )
    return card_reply(card)


async def _record(turn: Turn, meeting_id: int, at: datetime, answer: str) -> None:
    """One answer per person and occurrence: a second answer replaces the first, in one statement."""
    dialect = turn.session.bind.dialect.name if turn.session.bind else "sqlite"
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    values = dict(meeting_id=meeting_id, occurs_at=at, person_id=turn.person.id, answer=answer, answered_at=turn.now)
    statement = insert(Rsvp).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=["meeting_id", "occurs_at", "person_id"], set_={"answer": statement.excluded.answer, "answered_at": statement.excluded.answered_at}
    )
    await turn.session.execute(statement)


HANDLERS = {AddMeeting: add_meeting, ListMeetings: list_meetings, CancelMeeting: cancel_meeting, AnswerRsvp: answer_rsvp}

__all__ = ["HANDLERS"]
