"""Scheduling, listing, cancelling and answering meetings through the core, on both backends."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings, strategies as st
from sqlalchemy import func, select

from bot.catalogue import text
from bot.meetings import agenda
from bot.meetings.commands import MAX_LOCATION, AddMeeting, read_add
from bot.meetings.recurrence import RECURRENCES, in_window, instant, local_occurrences, occurrences
from bot.parsing import Refusal, parse
from bot.registry import all_specs
from storage.models import AuditEntry, Group, Meeting, MeetingSkip, OutboxItem, Person, Rsvp

CHICAGO = ZoneInfo("America/Chicago")
UTC = timezone.utc


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


async def _count(district, model, *where) -> int:
    async with district.sessions() as s:
        return int((await s.execute(select(func.count()).select_from(model).where(*where))).scalar())


async def _person_id(district, first: str) -> int:
    async with district.sessions() as s:
        return (await s.execute(select(Person.id).where(Person.email.startswith(f"{first}.")))).scalar_one()


async def _rsvps(district) -> list[tuple[int, datetime, str]]:
    async with district.sessions() as s:
        return sorted((p, at, a) for p, at, a in await s.execute(select(Rsvp.person_id, Rsvp.occurs_at, Rsvp.answer)))


# --- recurrence: wall-clock times across daylight-saving changes --------------------------------


def test_a_weekly_meeting_stays_at_its_local_time_across_both_dst_changes():
    start = datetime(2026, 10, 25, 16, 0)  # a Sunday at 16:00 in Chicago
    found = [at for at, _ in occurrences("weekly", start, CHICAGO, utc(2026, 10, 1), utc(2027, 3, 15))]
    assert found[:2] == [utc(2026, 10, 25, 21), utc(2026, 11, 1, 22)]  # CDT, then CST from 1 November
    assert found[-2:] == [utc(2027, 3, 7, 22), utc(2027, 3, 14, 21)]  # CST, then CDT from 14 March
    assert {at.astimezone(CHICAGO).time() for at in found} == {time(16, 0)}
    assert len(found) == 21


def test_odd_local_times_on_dst_days_first_of_two_and_after_the_gap():
    # 01:30 happens twice on 1 November 2026: the first (still daylight time).
    assert instant(datetime(2026, 11, 1, 1, 30), CHICAGO) == utc(2026, 11, 1, 6, 30)
    # 02:30 does not exist on 14 March 2027: read with the offset before the change, i.e. 03:30 CDT.
    assert instant(datetime(2027, 3, 14, 2, 30), CHICAGO) == utc(2027, 3, 14, 8, 30)
    weekly = [at.astimezone(CHICAGO).strftime("%m-%d %H:%M %Z") for at, _ in occurrences("weekly", datetime(2027, 3, 7, 2, 30), CHICAGO, utc(2027, 3, 1), utc(2027, 3, 25))]
    assert weekly == ["03-07 02:30 CST", "03-14 03:30 CDT", "03-21 02:30 CDT"]


def test_monthly_on_the_31st_falls_on_the_last_day_of_shorter_months():
    days = [d.date() for d in local_occurrences("monthly", datetime(2026, 10, 31, 18, 0), datetime(2026, 10, 1), datetime(2028, 4, 1))]
    assert days[:6] == [date(2026, 10, 31), date(2026, 11, 30), date(2026, 12, 31), date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31)]
    assert date(2028, 2, 29) in days and len(days) == 18  # a leap year's February, and no month skipped
    thirtieth = [d.date() for d in local_occurrences("monthly", datetime(2027, 1, 30, 9, 0), datetime(2027, 1, 1), datetime(2027, 4, 1))]
    assert thirtieth == [date(2027, 1, 30), date(2027, 2, 28), date(2027, 3, 30)]


def test_biweekly_and_once():
    start = datetime(2026, 9, 21, 16, 0)
    assert [d.day for d in local_occurrences("biweekly", start, datetime(2026, 9, 1), datetime(2026, 10, 31))] == [21, 5, 19]
    assert local_occurrences("once", start, datetime(2026, 9, 1), datetime(2026, 10, 31)) == [start]
    assert local_occurrences("once", start, datetime(2026, 9, 22), datetime(2026, 10, 31)) == []


# --- meeting add --------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    recurrence=st.sampled_from(RECURRENCES),
    start=st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2027, 12, 31)),
    zone=st.sampled_from([CHICAGO, ZoneInfo("Europe/London"), ZoneInfo("Australia/Lord_Howe"), ZoneInfo("Asia/Kolkata")]),
    offset=st.timedeltas(min_value=timedelta(days=-40), max_value=timedelta(days=800)),
    length=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40)),
)
def test_a_short_window_walked_from_near_it_matches_the_years_kept(recurrence, start, zone, offset, length):
    start = start.replace(second=0, microsecond=0)
    after = instant(start, zone) + offset
    assert in_window(recurrence, start, zone, after, after + length) == occurrences(recurrence, start, zone, after, after + length)


async def test_a_facilitator_schedules_in_district_time_and_it_is_audited(speaker, district):
    jordan = speaker("jordan.reyes")
    reply = await jordan.say("meeting add lgbtq 2026-10-26 16:00 weekly Room 204, Jefferson High")
    assert not reply.refused, reply.text
    assert "Meeting #1 scheduled for LGBTQ+ Educators" in reply.text
    assert "every Monday" in reply.text and "Monday, October 26, 2026 at 4:00 PM CDT" in reply.text
    async with district.sessions() as s:
        meeting = (await s.execute(select(Meeting))).scalar_one()
        assert (meeting.local_start, meeting.timezone, meeting.recurrence, meeting.location) == (
            datetime(2026, 10, 26, 16, 0), "America/Chicago", "weekly", "Room 204, Jefferson High")
        audit = (await s.execute(select(AuditEntry).where(AuditEntry.action == "meeting_added"))).scalar_one()
        assert audit.group_id == meeting.group_id and audit.detail == "meeting 1"
        # The stored meeting, read back from the database, keeps 16:00 across 1 November.
        found = await agenda.upcoming(s, [meeting], utc(2026, 10, 1), utc(2026, 11, 3))
        assert [o.at for o in found] == [utc(2026, 10, 26, 21), utc(2026, 11, 2, 22)]
    listing = await jordan.say("meeting list")
    assert "Monday, October 26, 2026 at 4:00 PM CDT" in listing.text
    assert "Monday, November 2, 2026 at 4:00 PM CST" in listing.text


async def test_another_zone_with_tz_and_a_quoted_place(speaker, district):
    reply = await speaker("jordan.reyes").say('meeting add lgbtq-educators 2027-03-14 02:30 weekly "Daily Grind café" --tz America/Chicago')
    assert not reply.refused, reply.text
    assert "March 14, 2027 at 3:30 AM CDT" in reply.text  # 02:30 does not exist that night
    reply = await speaker("grace.kim").say("meeting add new-teachers 2026-10-05 15:00 --tz america/denver Zoom https://zoom.example/j/42")
    assert not reply.refused, reply.text
    async with district.sessions() as s:
        denver = (await s.execute(select(Meeting).where(Meeting.timezone == "America/Denver"))).scalar_one()
        assert denver.location == "Zoom https://zoom.example/j/42" and denver.recurrence == "once"
        café = (await s.execute(select(Meeting).where(Meeting.location == "Daily Grind café"))).scalar_one()
        assert café.recurrence == "weekly"
    # Shown to someone in Chicago in their own time: 15:00 in Denver is 4:00 PM in Chicago.
    assert "Monday, October 5, 2026 at 4:00 PM CDT" in (await speaker("priya.shah").say("meeting list")).text
    assert "lunes 5 de octubre de 2026, a las 16:00 CDT" in (await speaker("luis.hernandez").say("meeting list")).text


LONG_PLACE = "x" * (MAX_LOCATION + 1)


@pytest.mark.parametrize(
    ("who", "line", "sentence"),
    [
        ("jordan.reyes", "meeting add lgbtq 10/05/2026 16:00", "isn't a date I can read"),
        ("jordan.reyes", "meeting add lgbtq 2026-02-30 16:00", "2026-02-30 isn't a day on the calendar"),
        ("jordan.reyes", "meeting add lgbtq 2026-13-01 16:00", "isn't a day on the calendar"),
        ("jordan.reyes", "meeting add lgbtq 2026-10-05 25:00", "“25:00” isn't a time I can read"),
        ("jordan.reyes", "meeting add lgbtq 2026-10-05 4pm", "isn't a time I can read"),
        ("jordan.reyes", "meeting add lgbtq 2026-10-05 16:00 daily", "“daily” isn't a way meetings can repeat"),
        ("jordan.reyes", "meeting add lgbtq 2026-10-05 16:00 montly Room 1", "“montly” isn't a way meetings can repeat"),
        ("jordan.reyes", "meeting add no-such-group 2026-10-05 16:00", "I can't find a group called “no-such-group”"),
        ("maria.lopez", "meeting add lgbtq 2026-10-05 16:00 weekly", "Only a facilitator of LGBTQ+ Educators can do that"),
        ("aisha.bello", "meeting add lgbtq 2026-10-05 16:00", "Only a facilitator of LGBTQ+ Educators can do that"),
        ("jordan.reyes", f"meeting add lgbtq 2026-10-05 16:00 {LONG_PLACE}", f"{MAX_LOCATION + 1} characters long; the limit is {MAX_LOCATION}"),
        ("jordan.reyes", "meeting add lgbtq 2026-09-14 09:00", "That time has already passed"),
        ("jordan.reyes", "meeting add lgbtq 2026-09-14 10:00", "That time has already passed"),
        ("jordan.reyes", "meeting add lgbtq 2028-01-10 16:00", "up to 366 days ahead"),
        ("jordan.reyes", "meeting add lgbtq 9999-12-31 23:59", "up to 366 days ahead"),
        ("jordan.reyes", "meeting add lgbtq 0001-01-01 00:00 --tz Asia/Tokyo", "That time has already passed (0001-01-01 00:00)"),
        ("jordan.reyes", "meeting add lgbtq 2026-10-05 16:00 --tz Mars/Olympus", "“Mars/Olympus” isn't a time zone I know"),
        ("jordan.reyes", "meeting add lgbtq 2026-10-05 16:00 --tz", "`--tz` needs a time zone"),
        ("jordan.reyes", "meeting add lgbtq 2026-10-05", "Please give the group, the date and the time"),
        ("jordan.reyes", "meeting add", "Please give the group, the date and the time"),
    ],
)
async def test_bad_input_is_refused_with_a_sentence_and_nothing_is_stored(speaker, district, who, line, sentence):
    reply = await speaker(who).say(line)
    assert reply.refused
    assert sentence in reply.text
    assert await _count(district, Meeting) == 0
    assert await _count(district, AuditEntry, AuditEntry.action == "meeting_added") == 0


def test_a_group_named_in_several_words_needs_no_quotes():
    found = read_add("New Teachers Circle 2026-10-05 15:00 weekly Library, 2nd floor")
    assert (found.group, found.day, found.recurrence, found.location) == ("New Teachers Circle", date(2026, 10, 5), "weekly", "Library, 2nd floor")
    assert read_add("New Teachers 10/05/2026 15:00") == Refusal("meetings.bad_date", {"value": "10/05/2026"})


async def test_the_same_meeting_twice_is_refused(speaker, district):
    jordan = speaker("jordan.reyes")
    assert not (await jordan.say("meeting add lgbtq 2026-10-05 16:00 weekly")).refused
    again = await jordan.say("meeting add lgbtq 2026-10-05 16:00 weekly Room 2")
    assert again.refused and "already has meeting #1" in again.text
    assert await _count(district, Meeting) == 1


async def test_an_admin_may_schedule_for_any_group(speaker, district):
    assert not (await speaker("sam.okafor").say("meeting add veteran-educators 2026-11-11 11:00")).refused


# --- meeting list and who sees what -------------------------------------------------------------


async def test_members_see_their_groups_meetings_and_listed_groups_are_public(speaker, district):
    await speaker("jordan.reyes").say("meeting add lgbtq 2026-09-21 16:00 weekly Room 204")
    await speaker("grace.kim").say("meeting add new-teachers 2026-09-22 15:30 biweekly Library")
    maria = speaker("maria.lopez")  # in no group yet
    assert "None of your groups has a meeting" in (await maria.say("meeting list")).text
    public = await maria.say("meeting list lgbtq")
    assert not public.refused and "Monday, September 21, 2026 at 4:00 PM CDT" in public.text
    assert all(not s.actions for s in public.card.sections)  # answering is for members
    assert "Said yes" not in public.text  # counts are for facilitators
    noah = speaker("noah.williams")  # in both groups
    mine = await noah.say("meeting list")
    assert "LGBTQ+ Educators" in mine.text and "New Teachers Circle" in mine.text
    assert len(mine.card.sections) == 6  # the next three dates of each meeting, soonest first
    assert [b.value for b in mine.card.sections[0].actions] == ["rsvp 1 yes 2026-09-21", "rsvp 1 no 2026-09-21"]
    assert "Said yes: 0" in (await speaker("jordan.reyes").say("meeting list lgbtq")).text


async def test_an_unlisted_groups_meetings_are_only_for_its_members(speaker, district):
    async with district.sessions() as s:
        group = (await s.execute(select(Group).where(Group.slug == "staff-voices"))).scalar_one()
        group.listed = False
        await s.commit()
    await speaker("lena.fischer").say("meeting add staff-voices 2026-09-24 15:00 monthly Room 9")
    outsider = speaker("maria.lopez")
    refused = await outsider.say("meeting list staff-voices")
    assert refused.refused and "only to its members and facilitators" in refused.text
    info = await outsider.say("groups info staff-voices")
    assert "Room 9" not in info.text and "Next meeting" not in info.text
    assert (await outsider.say("rsvp 1 yes")).text.startswith("There is no meeting #1")
    member = speaker("tom.becker")
    assert "Thursday, September 24, 2026 at 3:00 PM CDT" in (await member.say("meeting list staff-voices")).text
    assert "Next meeting: Thursday, September 24, 2026" in (await member.say("groups info staff-voices")).text


async def test_groups_commands_show_the_schedule_and_next_meetings(speaker, district):
    await speaker("jordan.reyes").say("meeting add lgbtq 2026-09-21 16:00 weekly Room 204")
    await speaker("jordan.reyes").say("meeting add lgbtq 2026-09-16 12:00 Cafeteria")
    info = await speaker("maria.lopez").say("groups info lgbtq")
    assert "Meetings: #2 Wednesday, September 16, 2026 at 12:00 PM CDT — Cafeteria; #1 every Monday at 4:00 PM — Room 204" in info.text
    assert "Next meeting: Wednesday, September 16, 2026 at 12:00 PM CDT" in info.text
    listing = await speaker("maria.lopez").say("groups")
    lgbtq = next(s for s in listing.card.sections if s.title.startswith("LGBTQ+"))
    assert [f.value for f in lgbtq.fields if f.label == "Next meeting"] == ["Wednesday, September 16, 2026 at 12:00 PM CDT"]
    veterans = next(s for s in listing.card.sections if s.title.startswith("Veteran"))
    assert not [f for f in veterans.fields if f.label == "Next meeting"]
    mine = await speaker("alex.morgan").say("groups mine")
    assert "Next meeting of LGBTQ+ Educators: Wednesday, September 16, 2026 at 12:00 PM CDT" in mine.text
    assert "Meetings: none scheduled" in (await speaker("maria.lopez").say("groups info veteran-educators")).text


async def test_spanish_speakers_read_times_in_their_language_and_zone(speaker, district):
    await speaker("rosa.martinez").say("meeting add bilingual 2026-10-31 18:00 monthly Zoom")
    rosa = speaker("rosa.martinez")
    await rosa.say("settings language es")
    await rosa.say("settings timezone America/New_York")
    reply = await rosa.say("meeting list")
    assert "sábado 31 de octubre de 2026, a las 19:00 EDT" in reply.text
    assert "cada mes, el día 31 (o el último día en los meses más cortos)" in reply.text


# --- rsvp ---------------------------------------------------------------------------------------


async def test_rsvp_by_command_then_by_button_is_one_answer_per_date(speaker, district):
    await speaker("jordan.reyes").say("meeting add lgbtq 2026-09-21 16:00 weekly Room 204")
    alex = speaker("alex.morgan")
    alex_id = await _person_id(district, "alex")
    yes = await alex.say("rsvp 1 yes")
    assert not yes.refused and "coming to LGBTQ+ Educators on Monday, September 21, 2026" in yes.text
    assert await _rsvps(district) == [(alex_id, utc(2026, 9, 21, 21), "yes")]
    no = await alex.press("Can't make it")
    assert not no.refused and "not coming" in no.text
    assert await _rsvps(district) == [(alex_id, utc(2026, 9, 21, 21), "no")]
    await alex.say("rsvp #1 sí 2026-10-05")
    listing = await alex.say("meeting list")
    second = next(s for s in listing.card.sections if "October 5" in as_text(s))
    await alex.press("Can't make it", listing)  # the first date's button: still that date
    assert await _rsvps(district) == [(alex_id, utc(2026, 9, 21, 21), "no"), (alex_id, utc(2026, 10, 5, 21), "yes")]
    assert "Your answer: coming" in as_text(second)


async def test_rsvp_is_for_members_and_real_dates_only(speaker, district):
    await speaker("jordan.reyes").say("meeting add lgbtq 2026-09-21 16:00 weekly Room 204")
    outsider = await speaker("maria.lopez").say("rsvp 1 yes")
    assert outsider.refused and "Only members of LGBTQ+ Educators can answer" in outsider.text and "`groups join lgbtq-educators`" in outsider.text
    alex = speaker("alex.morgan")
    for line, sentence in [
        ("rsvp 1 yes 2026-09-22", "doesn't meet on 2026-09-22"),
        ("rsvp 1 yes 2026-09-07", "doesn't meet on 2026-09-07"),
        ("rsvp 2 yes", "There is no meeting #2"),
        ("rsvp 1 maybe", "Please give the meeting's number and yes or no"),
        ("rsvp one yes", "“one” isn't a meeting number"),
        ("rsvp 1 yes 2026-02-30", "isn't a day on the calendar"),
        ("rsvp 1 yes 9999-12-31", "doesn't meet on 9999-12-31"),
        ("rsvp 1 yes 0001-01-01", "doesn't meet on 0001-01-01"),
    ]:
        reply = await alex.say(line)
        assert reply.refused and sentence in reply.text, line
    assert await _rsvps(district) == []


# --- cancelling ---------------------------------------------------------------------------------


async def _three_answers(speaker, district):
    """Meeting #1 weekly from 21 September: Alex and Hannah say yes, Mei says no, Ethan says nothing."""
    await speaker("jordan.reyes").say("meeting add lgbtq 2026-09-21 16:00 weekly Room 204")
    await speaker("alex.morgan").say("rsvp 1 yes")
    await speaker("alex.morgan").say("rsvp 1 yes 2026-09-28")
    await speaker("hannah.lee").say("rsvp 1 yes 2026-09-28")
    await speaker("mei.chen").say("rsvp 1 no")


async def _cancel_notes(district) -> list[tuple[int, str]]:
    async with district.sessions() as s:
        rows = await s.execute(select(OutboxItem.person_id, OutboxItem.payload).where(OutboxItem.kind == "meeting_cancelled"))
        return sorted((p, payload["text"]) for p, payload in rows)


async def test_cancelling_one_date_tells_only_those_who_said_yes(speaker, district):
    await _three_answers(speaker, district)
    refused = await speaker("alex.morgan").say("meeting cancel 1 2026-09-21")
    assert refused.refused and "Only a facilitator of LGBTQ+ Educators" in refused.text
    reply = await speaker("jordan.reyes").say("meeting cancel 1 2026-09-21")
    assert not reply.refused and "the series goes on" in reply.text and "were told: 1" in reply.text
    notes = await _cancel_notes(district)
    assert notes == [(await _person_id(district, "alex"), notes[0][1])]
    assert "The LGBTQ+ Educators meeting on Monday, September 21, 2026 at 4:00 PM CDT has been cancelled" in notes[0][1]
    async with district.sessions() as s:
        assert [at for (at,) in await s.execute(select(MeetingSkip.occurs_at))] == [utc(2026, 9, 21, 21)]
    # The other answers stand; those for the cancelled date are gone.
    assert {(at, a) for _, at, a in await _rsvps(district)} == {(utc(2026, 9, 28, 21), "yes")}
    listing = await speaker("alex.morgan").say("meeting list")
    assert "September 21" not in listing.text and "September 28" in listing.text
    again = await speaker("jordan.reyes").say("meeting cancel 1 2026-09-21")
    assert again.refused and "was already cancelled" in again.text
    assert (await speaker("alex.morgan").say("rsvp 1 yes 2026-09-21")).refused
    for line, sentence in [("meeting cancel 1 2026-09-22", "doesn't meet on"), ("meeting cancel 1 2026-09-07", "doesn't meet on"), ("meeting cancel 9", "no meeting #9")]:
        bad = await speaker("jordan.reyes").say(line)
        assert bad.refused and sentence in bad.text


async def test_cancelling_the_series_tells_each_yes_once_and_stops_everything(speaker, district):
    await _three_answers(speaker, district)
    reply = await speaker("jordan.reyes").say("meeting cancel 1")
    assert not reply.refused and "every date still to come" in reply.text and "were told: 2" in reply.text
    notes = await _cancel_notes(district)
    assert [p for p, _ in notes] == sorted([await _person_id(district, "alex"), await _person_id(district, "hannah")])
    hannah_note = dict(notes)[await _person_id(district, "hannah")]
    assert "including Monday, September 28, 2026" in hannah_note
    assert await _rsvps(district) == []
    assert "None of your groups has a meeting" in (await speaker("alex.morgan").say("meeting list")).text
    assert (await speaker("alex.morgan").say("rsvp 1 yes")).text == "Meeting #1 has already been cancelled."
    assert (await speaker("jordan.reyes").say("meeting cancel 1")).refused
    async with district.sessions() as s:
        actions = [a for (a,) in await s.execute(select(AuditEntry.action).where(AuditEntry.action.like("meeting%")))]
    assert sorted(actions) == ["meeting_added", "meeting_cancelled"]


async def test_a_meeting_that_has_taken_place_cannot_be_changed(speaker, district, clock):
    await speaker("jordan.reyes").say("meeting add lgbtq 2026-09-15 12:00 Cafeteria")
    clock.advance(days=2)
    assert "has no date still to come" in (await speaker("jordan.reyes").say("meeting cancel 1")).text
    assert "already started or taken place" in (await speaker("jordan.reyes").say("meeting cancel 1 2026-09-15")).text
    assert "has no date still to come" in (await speaker("alex.morgan").say("rsvp 1 yes")).text


async def test_leaving_a_group_takes_back_future_answers_only(speaker, district, clock):
    await speaker("jordan.reyes").say("meeting add lgbtq 2026-09-15 12:00 Cafeteria")
    await speaker("jordan.reyes").say("meeting add lgbtq 2026-09-21 16:00 weekly Room 204")
    alex = speaker("alex.morgan")
    await alex.say("rsvp 1 yes")
    await alex.say("rsvp 2 yes")
    await alex.say("rsvp 2 no 2026-09-28")
    clock.advance(days=2)  # meeting #1 has taken place
    await alex.say("groups leave lgbtq")
    assert await _rsvps(district) == [(await _person_id(district, "alex"), utc(2026, 9, 15, 17), "yes")]


async def test_forget_me_takes_the_answers_and_keeps_the_meeting(speaker, district):
    await speaker("jordan.reyes").say("meeting add lgbtq 2026-09-21 16:00 weekly Room 204")
    await speaker("alex.morgan").say("rsvp 1 yes")
    await speaker("jordan.reyes").say("rsvp 1 yes")
    await speaker("jordan.reyes").say("forget-me --yes")
    assert [p for p, _, _ in await _rsvps(district)] == [await _person_id(district, "alex")]
    async with district.sessions() as s:
        meeting = (await s.execute(select(Meeting))).scalar_one()
        assert meeting.created_by is None and meeting.cancelled_at is None


# --- the parser, as a property ------------------------------------------------------------------


def as_text(card) -> str:
    from bot.cards import as_text as render

    return render(card)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=200))
def test_any_meeting_add_text_is_a_command_or_a_sentence(rest):
    result = parse("meeting add " + rest, all_specs())
    if isinstance(result, Refusal):
        for language in ("en", "es"):
            assert text(language, result.key, **result.params)
        return
    assert isinstance(result, AddMeeting)
    assert result.recurrence in RECURRENCES and len(result.location) <= MAX_LOCATION
    assert result.group and isinstance(result.day, date) and isinstance(result.at, time)
    if result.timezone is not None:
        ZoneInfo(result.timezone)


WORDS = st.sampled_from(["lgbtq", '"New Teachers"', "2026-10-05", "2026-02-30", "16:00", "25:00", "9:5", "weekly", "monthly", "biweekly",
                         "daily", "--tz", "America/Denver", "--tz=UTC", "Room", "“Library”", "'", '"', "https://x.example/?a=1&b=2", "#1", "x" * 600])


@settings(max_examples=300, deadline=None)
@given(st.lists(WORDS, max_size=8))
def test_command_shaped_meeting_add_noise_never_crashes(words):
    result = read_add(" ".join(words))
    assert isinstance(result, (AddMeeting, Refusal))
    if isinstance(result, Refusal):
        assert text("es", result.key, **result.params)


@settings(max_examples=200, deadline=None)
@given(
    day=st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 12, 31)),
    at=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    repeat=st.sampled_from(["", "weekly", "biweekly", "monthly", "once"]),
    place=st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCXYZ0123456789 ,./:?&=#éñü", max_size=40),
    zone=st.sampled_from([None, "America/Chicago", "America/New_York", "Europe/Madrid"]),
)
def test_well_formed_arguments_read_back_exactly(day, at, repeat, place, zone):
    line = f"lgbtq {day.isoformat()} {at.hour:02d}:{at.minute:02d} {repeat} Room {place}" + (f" --tz {zone}" if zone else "")
    result = read_add(line)
    assert isinstance(result, AddMeeting), (line, result)
    assert (result.group, result.day, result.at, result.recurrence, result.timezone) == ("lgbtq", day, at, repeat or "once", zone)
    assert result.location == f"Room {place}".strip()


async def test_repeats_is_said_in_the_readers_zone_beside_when(speaker, district):
    """`Repeats: every Thursday` beside `When: Friday … JST`, and `monthly on day 15` beside the
    16th: the schedule now reads in the same zone as the date beside it."""
    jordan = speaker("jordan.reyes")
    assert not (await jordan.say("meeting add lgbtq 2026-10-15 19:00 weekly Library")).refused  # a Thursday evening in Chicago
    assert not (await jordan.say("meeting add lgbtq 2026-10-15 20:00 monthly Library")).refused
    alex = speaker("alex.morgan")  # a member, reading in Tokyo
    await alex.say("settings timezone Asia/Tokyo")
    listing = await alex.say("meeting list")
    weekly = next(s for s in listing.card.sections if any(f.value == "every Friday" for f in s.fields))
    assert any(f.value.startswith("Friday, October 16, 2026 at 9:00 AM") for f in weekly.fields)
    assert "every Thursday" not in listing.text
    monthly = next(s for s in listing.card.sections if any(f.value.startswith("monthly") for f in s.fields))
    assert [f.value for f in monthly.fields if f.value.startswith("monthly")] == ["monthly on day 16"]
    # In Chicago it still reads as scheduled.
    home = await jordan.say("meeting list")
    assert "every Thursday" in home.text and "monthly on day 15" in home.text
