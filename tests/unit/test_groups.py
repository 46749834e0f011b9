"""Discovering, joining, leaving and facilitating groups through the core, on both backends."""

from __future__ import annotations

from sqlalchemy import func, select, update

from storage.models import AuditEntry, Group, Membership, OutboxItem, Person


async def test_list_shows_groups_with_counts_and_fewer_than_five(speaker):
    maria = speaker("maria.lopez")
    reply = await maria.say("groups")
    assert not reply.refused
    assert "LGBTQ+ Educators" in reply.text and "Educators of Color" in reply.text
    # Parents on Staff has 3 members: the count never shows below 5.
    section = next(s for s in reply.card.sections if s.title.startswith("Parents on Staff"))
    assert [f.value for f in section.fields if f.label == "Members"] == ["fewer than 5"]
    lgbtq = next(s for s in reply.card.sections if s.title.startswith("LGBTQ+"))
    assert [f.value for f in lgbtq.fields if f.label == "Members"] == ["7"]


async def test_search_by_words_and_tags_accent_insensitive(speaker):
    maria = speaker("maria.lopez")
    reply = await maria.say("groups espanol")
    assert "Bilingual Staff" in reply.text and "LGBTQ" not in reply.text
    reply = await maria.say("groups list veterans")
    assert "Veteran Educators" in reply.text
    reply = await maria.say("groups zzzz-nothing")
    assert "No groups match" in reply.text


async def test_info_names_facilitators_not_members(speaker):
    maria = speaker("maria.lopez")
    reply = await maria.say("groups info lgbtq")
    assert "Jordan Reyes" in reply.text  # the facilitator is public
    assert "Alex Morgan" not in reply.text  # a member is not
    assert "all staff" in reply.text


async def test_join_asks_for_consent_then_yes_joins(speaker, district):
    maria = speaker("maria.lopez")
    ask = await maria.say("groups join lgbtq")
    assert "Who will know you are a member" in ask.text
    async with district.sessions() as s:
        assert await _status(s, "maria.lopez@district.example", "lgbtq-educators") is None
    done = await maria.say("yes")
    assert "Welcome to LGBTQ+ Educators" in done.text
    async with district.sessions() as s:
        assert await _status(s, "maria.lopez@district.example", "lgbtq-educators") == "active"
        assert (await s.execute(select(Group.active_count).where(Group.slug == "lgbtq-educators"))).scalar() == 8
    again = await maria.say("groups join lgbtq-educators")
    assert again.refused and "already a member" in again.text


async def test_join_by_button_and_leave_by_button(speaker, district):
    maria = speaker("maria.lopez")
    await maria.say("groups info veteran-educators")
    ask = await maria.press("Join")
    done = await maria.press("Join", ask)
    assert "Welcome to Veteran Educators" in done.text
    mine = await maria.say("groups mine")
    assert "Veteran Educators: member" in mine.text
    left = await maria.press("Leave veteran-educators", mine)
    assert "You have left Veteran Educators" in left.text
    async with district.sessions() as s:
        assert await _status(s, "maria.lopez@district.example", "veteran-educators") == "left"
        assert (await s.execute(select(Group.active_count).where(Group.slug == "veteran-educators"))).scalar() == 3


async def test_no_then_yes_does_nothing(speaker, district):
    maria = speaker("maria.lopez")
    await maria.say("groups join lgbtq")
    assert "Cancelled" in (await maria.say("no")).text
    reply = await maria.say("yes")
    assert reply.refused
    async with district.sessions() as s:
        assert await _status(s, "maria.lopez@district.example", "lgbtq-educators") is None


async def test_consent_expires(speaker, clock):
    maria = speaker("maria.lopez")
    await maria.say("groups join lgbtq")
    clock.advance(minutes=16)
    assert (await maria.say("yes")).refused


async def test_ineligible_join_says_why_and_changes_nothing(speaker, district):
    maria = speaker("maria.lopez")  # a teacher
    reply = await maria.say("groups join black-administrators --yes")
    assert reply.refused and "only for administrator, principal, assistant principal" in reply.text
    marcus = speaker("marcus.green")  # a principal
    reply = await marcus.say("groups join staff-voices --yes")
    assert reply.refused and "not open to the role principal" in reply.text
    veteran = speaker("tom.becker")  # started 14 years ago
    reply = await veteran.say("groups join new-teachers --yes")
    assert reply.refused and "started in the last 730 days" in reply.text
    async with district.sessions() as s:
        assert (await s.execute(select(func.count()).select_from(Membership).where(Membership.status == "pending"))).scalar() == 0


async def test_ambiguous_and_unknown_groups(speaker):
    maria = speaker("maria.lopez")
    reply = await maria.say("groups info b")
    assert reply.refused and "could be several groups" in reply.text
    assert "bilingual-staff" in reply.text and "black-administrators" in reply.text
    # A unique prefix is enough.
    assert "Educators of Color" in (await maria.say("groups info educators")).text
    reply = await maria.say("groups info lgbtq-educaters")
    assert reply.refused and "Did you mean: lgbtq-educators" in reply.text
    reply = await maria.say("groups join")
    assert reply.refused and "Which group?" in reply.text


async def test_approval_flow_tells_facilitator_and_requester(speaker, district):
    hannah = speaker("hannah.lee")  # a teacher, eligible for Staff Voices
    await hannah.say("groups join staff-voices")
    reply = await hannah.say("yes")
    assert "has gone to its facilitators" in reply.text
    async with district.sessions() as s:
        assert await _status(s, "hannah.lee@district.example", "staff-voices") == "pending"
        notice = (await s.execute(select(OutboxItem).where(OutboxItem.kind == "join_request"))).scalar_one()
        lena = (await s.execute(select(Person).where(Person.email == "lena.fischer@district.example"))).scalar_one()
        assert notice.person_id == lena.id and "Hannah Lee" in notice.payload["text"]
    # Someone who is not the facilitator cannot decide.
    other = speaker("jordan.reyes")
    refused = await other.say("groups approve staff-voices hannah.lee@district.example")
    assert refused.refused and "Only a facilitator of Staff Voices ERG" in refused.text
    facilitator = speaker("lena.fischer")
    members = await facilitator.say("groups members staff-voices")
    assert "Hannah Lee asked to join" in members.text
    done = await facilitator.press("Approve", members)
    assert "Hannah Lee is now a member of Staff Voices ERG" in done.text
    async with district.sessions() as s:
        assert await _status(s, "hannah.lee@district.example", "staff-voices") == "active"
        told = (await s.execute(select(OutboxItem).where(OutboxItem.kind == "join_decision"))).scalar_one()
        assert "approved" in told.payload["text"]
        actions = list((await s.execute(select(AuditEntry.action))).scalars())
        assert "members_viewed" in actions and "request_approved" in actions


async def test_decline_removes_request_and_tells_requester(speaker, district):
    hannah = speaker("hannah.lee")
    await hannah.say("groups join staff-voices --yes")
    facilitator = speaker("lena.fischer")
    reply = await facilitator.say("groups decline staff-voices Hannah")
    assert "declined" in reply.text
    async with district.sessions() as s:
        assert await _status(s, "hannah.lee@district.example", "staff-voices") is None
        assert "request_declined" in list((await s.execute(select(AuditEntry.action))).scalars())


async def test_members_list_only_for_facilitators_and_admins(speaker):
    for who in ("maria.lopez", "alex.morgan", "dana.whitfield", "aisha.bello"):
        # alex is a member, dana is DEI office, aisha facilitates another group: none may see names.
        reply = await speaker(who).say("groups members lgbtq-educators")
        assert reply.refused, who
        assert "Alex Morgan" not in reply.text and "Hannah Lee" not in reply.text
        assert "Only a facilitator of LGBTQ+ Educators" in reply.text
    jordan = await speaker("jordan.reyes").say("groups members lgbtq-educators")
    assert "Alex Morgan" in jordan.text
    admin = await speaker("sam.okafor").say("groups members lgbtq")
    assert "Alex Morgan" in admin.text


async def test_nobody_appears_in_anyone_elses_replies(speaker):
    """Every reply a non-facilitator can get about groups is free of member names."""
    member_names = ["Alex Morgan", "Hannah Lee", "Ethan Davis", "Mei Chen", "Noah Williams", "Olivia Brown"]
    maria = speaker("maria.lopez")
    for line in ("groups", "groups info lgbtq", "groups list pride", "groups mine", "help", "privacy"):
        reply = await maria.say(line)
        assert not any(name in reply.text for name in member_names), line


async def test_leave_when_not_member(speaker):
    reply = await speaker("maria.lopez").say("groups leave lgbtq")
    assert reply.refused and "not a member" in reply.text


async def test_help_depends_on_roles(speaker):
    member_help = (await speaker("maria.lopez").say("help")).text
    assert "groups join" in member_help and "groups approve" not in member_help
    facilitator_help = (await speaker("jordan.reyes").say("help")).text
    assert "groups approve" in facilitator_help


async def test_unknown_command_suggests(speaker):
    reply = await speaker("maria.lopez").say("grups")
    assert reply.refused and "Did you mean `groups`?" in reply.text and "Here is what you can do" in reply.text
    reply = await speaker("maria.lopez").say("groups joni lgbtq")
    assert reply.refused and "Did you mean `groups join`?" in reply.text


async def test_spanish_speaker_gets_spanish(speaker):
    luis = speaker("luis.hernandez")  # language es in the roster
    reply = await luis.say("groups mine")
    assert "grupos" in reply.text.lower()
    english = (await speaker("maria.lopez").say("groups mine")).text
    assert reply.text != english


async def _status(session, email: str, slug: str) -> str | None:
    return (
        await session.execute(
            select(Membership.status)
            .join(Person, Person.id == Membership.person_id)
            .join(Group, Group.id == Membership.group_id)
            .where(Person.email == email, Group.slug == slug)
        )
    ).scalar_one_or_none()


def test_a_role_in_a_rule_covers_job_roles_that_contain_its_words():
    from bot.groups.directory import role_matches

    assert role_matches("administrator", "IT Administrator")
    assert role_matches("Administrator", "administrator")
    assert role_matches("principal", "Assistant Principal")
    assert role_matches("assistant principal", "ASSISTANT  PRINCIPAL")
    assert not role_matches("admin", "IT Administrator")  # whole words only
    assert not role_matches("principal assistant", "assistant principal")  # in order
    assert not role_matches("administrator", None) and not role_matches("", "teacher")


async def test_discovery_offers_join_only_where_the_person_is_eligible(speaker):
    maria = speaker("maria.lopez")  # a teacher
    listing = await maria.say("groups")
    assert "Black Administrators Network" not in listing.text
    assert "Black Administrators" not in (await maria.say("groups network")).text
    # Reachable by exact name, with the reason, never with a Join button.
    info = await maria.say("groups info black-administrators")
    assert "you can't join: this group is only for administrator" in info.text
    assert [b.label for b in info.card.actions] == []
    sam = speaker("sam.okafor")  # "it administrator": the ERG that excludes administrators is not offered
    listing = await sam.say("groups")
    assert "Staff Voices ERG" not in listing.text and "Black Administrators Network" in listing.text
    info = await sam.say("groups info staff-voices")
    assert "not open to the role it administrator" in info.text and not info.card.actions
    jamal = speaker("jamal.carter")  # an assistant principal
    assert "Staff Voices ERG" not in (await jamal.say("groups")).text
    refused = await jamal.say("groups join staff-voices --yes")
    assert refused.refused and "not open to the role" in refused.text


async def test_no_join_button_on_ones_own_group(speaker):
    grace = speaker("grace.kim")  # facilitates New Teachers Circle, without being a member
    info = await grace.say("groups info new-teachers")
    assert "Join" not in [b.label for b in info.card.actions]
    assert "you facilitate this group" in info.text
    jordan = speaker("jordan.reyes")  # facilitates LGBTQ+ Educators and is a member
    info = await jordan.say("groups info lgbtq-educators")
    assert [b.label for b in info.card.actions] == ["Leave lgbtq-educators"] and "You: member" in info.text
    maria = speaker("maria.lopez")
    await maria.say("groups join veteran-educators --yes")
    info = await maria.say("groups info veteran-educators")
    assert [b.label for b in info.card.actions] == ["Leave veteran-educators"]


async def test_a_count_of_zero_reads_none_not_fewer_than_five(speaker, district):
    from datetime import date

    async with district.sessions() as s:
        s.add(Group(slug="chess-club", name="Chess Club", description="", kind="interest", tags=[], listed=True, join_policy="open",
                    eligibility={}, resources=[], search_text="chess-club chess club", active_count=0, created_on=date(2026, 9, 1)))
        await s.commit()
    maria = speaker("maria.lopez")
    listing = await maria.say("groups chess")
    section = next(s for s in listing.card.sections if s.title.startswith("Chess Club"))
    assert [f.value for f in section.fields if f.label == "Members"] == ["none"]
    info = await maria.say("groups info chess-club")
    assert "Members: none" in info.text
    # Intro figures of a group that has held no round: no "fewer than 5 of fewer than 5 pairs".
    figures = await speaker("jordan.reyes").say("groups intros lgbtq-educators")
    assert "fewer than 5 of" not in figures.text and "no pairs proposed yet" in figures.text


async def test_help_lists_only_what_the_persons_roles_allow(speaker):
    """The admin's help used to list the DEI office's concern commands, which then refused them."""
    admin = speaker("sam.okafor")
    admin_help = (await admin.say("help")).text
    for words in ("concern list", "concern view", "concern reply", "concern close", "digest"):
        assert f"`{words}" not in admin_help, words
        refused = await admin.say(f"{words} X7Q")
        assert refused.refused
    # What an admin may do without the DEI office's role is still there, and works.
    assert "`mentor match" in admin_help and "`report" in admin_help and "`groups health`" in admin_help
    assert not (await admin.say("mentor match --dry-run")).refused
    dei_help = (await speaker("dana.whitfield").say("help")).text
    assert "`concern view" in dei_help and "`digest" in dei_help and "`groups health`" not in dei_help


async def test_someone_eligible_for_no_group_is_not_told_there_are_none(speaker, district):
    async with district.sessions() as s:
        await s.execute(update(Group).where(Group.slug != "black-administrators").values(listed=False))
        await s.commit()
    reply = await speaker("maria.lopez").say("groups")
    assert "no group you can join right now" in reply.text and "have been set up" not in reply.text
