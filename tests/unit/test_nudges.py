"""Meeting reminders: who gets one, when (quiet hours, downtime, late meetings), and who never does."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event, select, update

from bot.config import ConfigError, District, district_from_mapping
from bot.meetings.nudges import queue_nudges
from bot.meetings.offsets import offsets, parse_offset
from bot.registry import jobs
from bot.types import Reply
from storage.models import Group, Membership, NudgePlan, OutboxItem, Person, Rsvp

UTC = timezone.utc
#: The members of LGBTQ+ Educators in the sample district (Jordan facilitates and belongs too).
LGBTQ = ("jordan", "alex", "hannah", "ethan", "mei", "noah", "olivia")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


async def run(district, now: datetime, settings=None) -> int:
    async with district.sessions() as s:
        queued = await queue_nudges(s, settings or district.settings, now)
        await s.commit()
    return queued


async def ids(district, *firsts: str) -> dict[str, int]:
    async with district.sessions() as s:
        rows = await s.execute(select(Person.email, Person.id))
        found = {email.split(".")[0]: pid for email, pid in rows}
    return {f: found[f] for f in firsts}


async def nudges(district) -> list[OutboxItem]:
    async with district.sessions() as s:
        return list((await s.execute(select(OutboxItem).where(OutboxItem.kind == "nudge").order_by(OutboxItem.id))).scalars())


async def keys(district) -> set[str]:
    return {n.key for n in await nudges(district)}


def expected(meeting_id: int, at: datetime, people: dict[str, int], offset: str) -> set[str]:
    return {f"nudge:{meeting_id}:{at.isoformat()}:{pid}:{offset}" for pid in people.values()}


async def _person(district, first: str, **values) -> None:
    async with district.sessions() as s:
        await s.execute(update(Person).where(Person.email.startswith(f"{first}.")).values(**values))
        await s.commit()


# Meeting #1 in most tests: Wednesday 16 September 2026, 16:00 in Chicago (21:00 UTC), made on Monday.
WEDNESDAY = utc(2026, 9, 16, 21)


async def test_a_reminder_a_day_and_an_hour_before_each_once_with_rsvp_buttons(speaker, district):
    await speaker("jordan.reyes").say("meeting add lgbtq 2026-09-16 16:00 Room 204")
    members = await ids(district, *LGBTQ)
    assert await run(district, utc(2026, 9, 15, 20, 59)) == 0
    assert await run(district, utc(2026, 9, 15, 21, 0)) == 7
    assert await keys(district) == expected(1, WEDNESDAY, members, "24h")
    assert await run(district, utc(2026, 9, 15, 21, 1)) == 0  # nothing twice
    assert await run(district, utc(2026, 9, 15, 21, 0)) == 0  # the same minute again, as a second process would
    assert await run(district, utc(2026, 9, 16, 19, 59)) == 0
    assert await run(district, utc(2026, 9, 16, 20, 0)) == 7
    assert await keys(district) == expected(1, WEDNESDAY, members, "24h") | expected(1, WEDNESDAY, members, "1h")
    assert await run(district, utc(2026, 9, 16, 21, 0)) == 0
    first = (await nudges(district))[0]
    assert first.group_id is not None and first.state == "queued"
    reply = Reply.from_payload(first.payload)
    assert "LGBTQ+ Educators meets Wednesday, September 16, 2026 at 4:00 PM CDT." in reply.text
    assert "Room 204" in reply.text and "`settings nudges off`" in reply.text
    assert [b.value for b in reply.card.actions] == ["rsvp 1 yes 2026-09-16", "rsvp 1 no 2026-09-16"]
    assert jobs()["meetings.queue_nudges"] is queue_nudges


async def test_each_member_reads_it_in_their_language_and_zone_and_sees_their_answer(speaker, district):
    await _person(district, "olivia", language="es", timezone="America/New_York")
    await speaker("jordan.reyes").say("meeting add lgbtq 2026-09-16 16:00 Room 204")
    await speaker("alex.morgan").say("rsvp 1 yes")
    await run(district, utc(2026, 9, 15, 21, 0))
    people = await ids(district, "olivia", "alex", "ethan")
    by_person = {n.person_id: Reply.from_payload(n.payload) for n in await nudges(district)}
    assert "LGBTQ+ Educators se reúne el miércoles 16 de septiembre de 2026, a las 17:00 EDT." in by_person[people["olivia"]].text
    assert [b.label for b in by_person[people["olivia"]].card.actions] == ["Ahí estaré", "No puedo ir"]
    assert "You said you'd come." in by_person[people["alex"]].text
    assert "You said you'd come." not in by_person[people["ethan"]].text


async def test_quiet_hours_move_a_reminder_earlier_in_each_persons_zone(speaker, district):
    await _person(district, "hannah", timezone="America/Los_Angeles")
    # Thursday 07:30 in Chicago: an hour before is 06:30, inside quiet hours (20:00–07:00).
    await speaker("jordan.reyes").say("meeting add lgbtq 2026-09-17 07:30 Breakfast club")
    at = utc(2026, 9, 17, 12, 30)
    chicago = await ids(district, "jordan", "alex", "ethan", "mei", "noah", "olivia")
    hannah = await ids(district, "hannah")
    # In Los Angeles the day-before reminder (05:30) moves to 19:59 on Tuesday, 02:59 UTC.
    assert await run(district, utc(2026, 9, 16, 2, 58)) == 0
    assert await run(district, utc(2026, 9, 16, 2, 59)) == 1
    assert await keys(district) == expected(1, at, hannah, "24h")
    assert await run(district, utc(2026, 9, 16, 12, 30)) == 6  # 07:30 in Chicago is not quiet
    # The hour-before reminder moves to 19:59 on Wednesday: 00:59 UTC in Chicago, 02:59 UTC in LA.
    assert await run(district, utc(2026, 9, 17, 0, 58)) == 0
    assert await run(district, utc(2026, 9, 17, 0, 59)) == 6
    assert await run(district, utc(2026, 9, 17, 2, 58)) == 0
    assert await run(district, utc(2026, 9, 17, 2, 59)) == 1
    assert await keys(district) == expected(1, at, chicago | hannah, "24h") | expected(1, at, chicago | hannah, "1h")
    assert await run(district, utc(2026, 9, 17, 12, 0)) == 0  # nothing at 07:00 on the day itself


async def test_a_meeting_made_three_hours_ahead_gets_only_the_hour_before(speaker, district, clock):
    # Monday 10:00 in Chicago; the meeting is at 13:00 the same day.
    await speaker("jordan.reyes").say("meeting add lgbtq 2026-09-14 13:00 Room 1")
    assert await run(district, clock()) == 0
    assert await run(district, utc(2026, 9, 14, 16, 59)) == 0
    assert await run(district, utc(2026, 9, 14, 17, 0)) == 7
    assert {k.rsplit(":", 1)[1] for k in await keys(district)} == {"1h"}


async def test_late_after_downtime_sent_if_not_started_else_skipped(speaker, district):
    jordan = speaker("jordan.reyes")
    await jordan.say("meeting add lgbtq 2026-09-16 16:00 Room 1")  # #1, Wednesday 21:00 UTC
    await jordan.say("meeting add lgbtq 2026-09-17 16:00 Room 2")  # #2, Thursday 21:00 UTC
    await jordan.say("meeting add lgbtq 2026-09-18 16:00 Room 3")  # #3, Friday 21:00 UTC
    members = await ids(district, *LGBTQ)
    # Down from Monday until half an hour before #1: both of its reminders are due, only the
    # latest is sent.
    assert await run(district, utc(2026, 9, 16, 20, 30)) == 7
    assert await keys(district) == expected(1, WEDNESDAY, members, "1h")
    # Down again until Thursday 19:00: #2's day-before reminder is 22 hours late but #2 has not
    # started, so it goes; its hour-before one follows at 20:00.
    assert await run(district, utc(2026, 9, 17, 19, 0)) == 7
    assert await run(district, utc(2026, 9, 17, 20, 0)) == 7
    thursday = utc(2026, 9, 17, 21)
    assert {k for k in await keys(district) if k.startswith("nudge:2:")} == expected(2, thursday, members, "24h") | expected(2, thursday, members, "1h")
    # Down from then until #3 has begun: nothing for #3 at all.
    assert await run(district, utc(2026, 9, 18, 21, 0)) == 0
    assert await run(district, utc(2026, 9, 18, 23, 0)) == 0
    assert not [k for k in await keys(district) if k.startswith("nudge:3:")]


async def test_nobody_who_turned_reminders_off_or_said_no_gets_one(speaker, district):
    await speaker("jordan.reyes").say("meeting add lgbtq 2026-09-16 16:00 Room 204")
    assert not (await speaker("alex.morgan").say("settings nudges off")).refused
    await speaker("mei.chen").say("rsvp 1 no")
    hannah = (await ids(district, "hannah"))["hannah"]
    async with district.sessions() as s:
        group_id = (await s.execute(select(Group.id).where(Group.slug == "lgbtq-educators"))).scalar_one()
        await s.execute(update(Membership).where(Membership.person_id == hannah, Membership.group_id == group_id).values(nudges_ok=False))
        await s.commit()
    assert await run(district, utc(2026, 9, 15, 21, 0)) == 4
    assert await run(district, utc(2026, 9, 16, 20, 0)) == 4
    assert {n.person_id for n in await nudges(district)} == set((await ids(district, "jordan", "ethan", "noah", "olivia")).values())


async def test_turning_reminders_off_withdraws_those_not_yet_delivered(speaker, district):
    await speaker("jordan.reyes").say("meeting add lgbtq 2026-09-16 16:00 Room 204")
    assert await run(district, utc(2026, 9, 15, 21, 0)) == 7
    alex = (await ids(district, "alex"))["alex"]
    assert alex in {n.person_id for n in await nudges(district)}
    assert not (await speaker("alex.morgan").say("settings nudges off")).refused
    assert alex not in {n.person_id for n in await nudges(district)}
    assert len(await nudges(district)) == 6, "only Alex's were withdrawn"
    assert await run(district, utc(2026, 9, 16, 20, 0)) == 6


async def test_saying_no_after_a_reminder_was_queued_withdraws_the_rest(speaker, district):
    await speaker("jordan.reyes").say("meeting add lgbtq 2026-09-16 16:00 Room 204")
    await run(district, utc(2026, 9, 15, 21, 0))
    mei_id = (await ids(district, "mei"))["mei"]
    reminder = Reply.from_payload(next(n.payload for n in await nudges(district) if n.person_id == mei_id))
    await speaker("mei.chen").press("Can't make it", reminder)
    async with district.sessions() as s:
        answers = [(a, at) for a, at in await s.execute(select(Rsvp.answer, Rsvp.occurs_at))]
    assert answers == [("no", WEDNESDAY)]
    assert len(await nudges(district)) == 6  # Mei's queued reminder went with her answer
    assert await run(district, utc(2026, 9, 16, 20, 0)) == 6


async def test_rsvp_by_the_reminders_button(speaker, district):
    await speaker("jordan.reyes").say("meeting add lgbtq 2026-09-16 16:00 Room 204")
    await run(district, utc(2026, 9, 15, 21, 0))
    alex_id = (await ids(district, "alex"))["alex"]
    reminder = Reply.from_payload(next(n.payload for n in await nudges(district) if n.person_id == alex_id))
    reply = await speaker("alex.morgan").press("I'll be there", reminder)
    assert not reply.refused and "coming to LGBTQ+ Educators on Wednesday, September 16, 2026" in reply.text
    async with district.sessions() as s:
        assert [tuple(r) for r in await s.execute(select(Rsvp.person_id, Rsvp.occurs_at, Rsvp.answer))] == [(alex_id, WEDNESDAY, "yes")]


async def test_leaving_the_group_stops_its_reminders(speaker, district):
    await speaker("jordan.reyes").say("meeting add lgbtq 2026-09-16 16:00 Room 204")
    await run(district, utc(2026, 9, 15, 21, 0))
    ethan = (await ids(district, "ethan"))["ethan"]
    await speaker("ethan.davis").say("groups leave lgbtq")
    assert ethan not in {n.person_id for n in await nudges(district)}
    assert await run(district, utc(2026, 9, 16, 20, 0)) == 6
    assert ethan not in {n.person_id for n in await nudges(district)}


async def test_cancelled_dates_and_series_get_no_reminders(speaker, district):
    jordan = speaker("jordan.reyes")
    await jordan.say("meeting add lgbtq 2026-09-16 16:00 weekly Room 204")
    await run(district, utc(2026, 9, 15, 21, 0))
    assert len(await nudges(district)) == 7
    await jordan.say("meeting cancel 1 2026-09-16")
    assert await nudges(district) == []  # the queued reminders went with the date
    assert await run(district, utc(2026, 9, 16, 20, 0)) == 0
    assert await run(district, utc(2026, 9, 22, 21, 0)) == 7  # the next Wednesday is still on
    await jordan.say("meeting cancel 1")
    assert await nudges(district) == []
    assert await run(district, utc(2026, 9, 23, 20, 0)) == 0


async def test_a_week_is_planned_at_once_and_a_quiet_run_reads_no_one(speaker, district, clock):
    await speaker("jordan.reyes").say("meeting add lgbtq 2026-09-16 16:00 weekly Room 204")
    statements: list[str] = []

    def remember(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(district.engine.sync_engine, "before_cursor_execute", remember)
    try:
        assert await run(district, clock()) == 0
        assert any("INSERT INTO nudge_plan" in s for s in statements) and not any("FROM membership" in s for s in statements)
        async with district.sessions() as s:
            plans = (await s.execute(select(NudgePlan.occurs_at, NudgePlan.label, NudgePlan.zone).order_by(NudgePlan.due_at))).all()
        # A week beyond the longest reminder and quiet hours: this Wednesday, not the next; nobody is named.
        assert [(at, label) for at, label, _ in plans] == [(WEDNESDAY, "24h"), (WEDNESDAY, "1h")]
        assert {zone for *_, zone in plans} == {"America/Chicago"}
        statements.clear()
        for minute in range(1, 6):
            assert await run(district, clock() + timedelta(minutes=minute)) == 0
        assert not any("FROM membership" in s or "INSERT" in s or "person.timezone" in s for s in statements)
        assert await run(district, utc(2026, 9, 15, 21, 0)) == 7
        assert any("FROM membership" in s for s in statements)
        statements.clear()
        # A day before the plan runs out, the next week is planned: once, not every minute.
        await run(district, utc(2026, 9, 20, 14, 59))
        assert not any("INSERT" in s for s in statements)
        await run(district, utc(2026, 9, 20, 15, 2))
        assert any("INSERT INTO nudge_plan" in s for s in statements)
        statements.clear()
        await run(district, utc(2026, 9, 20, 15, 3))
        assert not any("INSERT" in s for s in statements)
    finally:
        event.remove(district.engine.sync_engine, "before_cursor_execute", remember)
    async with district.sessions() as s:
        later = set((await s.execute(select(NudgePlan.occurs_at))).scalars())
    assert WEDNESDAY + timedelta(days=7) in later and WEDNESDAY not in later, "rows of long-past meetings are cleared"


async def test_a_meeting_made_minutes_ahead_gets_one_reminder_at_once_but_not_in_quiet_hours(speaker, district, clock):
    # Monday 10:00 in Chicago: a meeting at 10:10 has both its reminders in the past.
    await speaker("jordan.reyes").say("meeting add lgbtq 2026-09-14 10:10 Room 1")
    assert await run(district, clock()) == 7
    assert {k.rsplit(":", 1)[1] for k in await keys(district)} == {"1h"}
    assert await run(district, clock() + timedelta(minutes=1)) == 0
    # Monday 22:00 in Chicago, quiet hours: a meeting at 22:30 gets no reminder at all.
    clock.now = utc(2026, 9, 15, 3, 0)
    await speaker("jordan.reyes").say("meeting add lgbtq 2026-09-14 22:30 Late call")
    assert await run(district, clock()) == 0
    assert not [k for k in await keys(district) if k.startswith("nudge:2:")]


async def test_offsets_are_configurable_and_bad_ones_are_refused_at_start_up(speaker, district):
    assert parse_offset("24h") == timedelta(hours=24) and parse_offset("90m") == timedelta(minutes=90)
    assert parse_offset("2d") == timedelta(days=2) and parse_offset(" 1h30m ") == timedelta(minutes=90)
    assert [label for _, label in offsets(["1d", "24h", "90m", "2d"])] == ["48h", "24h", "90m"]
    assert district_from_mapping({"nudge_offsets": ["2d", "90m"]}).nudge_offsets == ("2d", "90m")
    for bad, words in [(["24h", "soon"], "'soon'"), (["0m"], "between 1m and 30d"), (["31d"], "between 1m and 30d"), (["-1h"], "'-1h'"), ("24h", "a list")]:
        with pytest.raises(ConfigError) as raised:
            district_from_mapping({"nudge_offsets": bad})
        assert "nudge_offsets" in str(raised.value) and words in str(raised.value)
    await speaker("jordan.reyes").say("meeting add lgbtq 2026-09-16 16:00 Room 204")
    custom = replace(district.settings, district=District(nudge_offsets=("2d", "90m")))
    assert await run(district, utc(2026, 9, 14, 21, 0), custom) == 7
    assert await run(district, utc(2026, 9, 16, 19, 30), custom) == 7
    assert {k.rsplit(":", 1)[1] for k in await keys(district)} == {"48h", "90m"}
    with pytest.raises(ConfigError):
        await run(district, utc(2026, 9, 16, 19, 31), replace(district.settings, district=District(nudge_offsets=("later",))))
    assert await run(district, utc(2026, 9, 16, 20, 0), replace(district.settings, district=District(nudge_offsets=()))) == 0


async def test_someone_in_a_zone_the_plan_did_not_know_still_gets_theirs(speaker, district, clock):
    await speaker("jordan.reyes").say("meeting add lgbtq 2026-09-16 16:00 Room 204")
    assert await run(district, clock()) == 0  # planned for Chicago only
    # Then Hannah moves to Los Angeles and Mei to Tokyo.
    await _person(district, "hannah", timezone="America/Los_Angeles")
    await _person(district, "mei", timezone="Asia/Tokyo")
    people = await ids(district, *LGBTQ)
    # The day-before reminder, Tuesday 21:00 UTC: 14:00 in Los Angeles goes at once; 06:00 in
    # Tokyo is quiet, so Mei's goes when her quiet hours end, 07:00 there (22:00 UTC).
    assert await run(district, utc(2026, 9, 15, 21, 0)) == 6
    assert people["mei"] not in {n.person_id for n in await nudges(district)}
    assert await run(district, utc(2026, 9, 15, 21, 59)) == 0
    assert await run(district, utc(2026, 9, 15, 22, 0)) == 1
    assert await keys(district) == expected(1, WEDNESDAY, people, "24h")
    # The next run plans every meeting again with both zones in it.
    await run(district, utc(2026, 9, 15, 22, 1))
    async with district.sessions() as s:
        zones = set((await s.execute(select(NudgePlan.zone).where(NudgePlan.label == "1h"))).scalars())
    assert zones == {"America/Chicago", "America/Los_Angeles", "Asia/Tokyo"}
    # The hour-before reminder, Wednesday 20:00 UTC: 05:00 in Tokyo is quiet, so Mei's moved to
    # 19:59 the evening before there (10:59 UTC).
    assert await run(district, utc(2026, 9, 16, 10, 59)) == 1
    assert await run(district, utc(2026, 9, 16, 20, 0)) == 6
    assert await keys(district) == expected(1, WEDNESDAY, people, "24h") | expected(1, WEDNESDAY, people, "1h")
