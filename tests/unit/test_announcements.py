"""Announcements (preview, then Send or Cancel) and invitations (a DM with a Join button, never a membership)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from bot.types import Reply
from storage.models import Announcement, AuditEntry, Group, GroupChannel, Membership, OutboxItem, Person

POTLUCK = "Potluck on Friday at 5 in room 12 — bring a dish if you like, or just yourself!\nEveryone's welcome."


async def _id(session, email: str) -> int:
    return (await session.execute(select(Person.id).where(Person.email == f"{email}@district.example"))).scalar_one()


@pytest.fixture
async def lgbtq(district):
    """LGBTQ+ Educators with two channels, a pending and a former member, and two who take no DMs."""
    async with district.sessions() as s:
        group = (await s.execute(select(Group).where(Group.slug == "lgbtq-educators"))).scalar_one()
        s.add_all(
            [
                GroupChannel(group_id=group.id, platform="slack", tenant="T0DISTRICT", channel_id="C0LGBTQ"),
                GroupChannel(group_id=group.id, platform="teams", tenant="tenant-1", channel_id="19:lgbtq@thread.tacv2"),
                Membership(person_id=await _id(s, "maria.lopez"), group_id=group.id, status="pending", requested_at=district.now(), dm_ok=True, nudges_ok=True),
                Membership(person_id=await _id(s, "luis.hernandez"), group_id=group.id, status="left", requested_at=district.now(), dm_ok=True, nudges_ok=True),
            ]
        )
        # Alex turned DMs off for this group; Hannah turned off DMs from groups altogether.
        await s.execute(update(Membership).where(Membership.person_id == await _id(s, "alex.morgan"), Membership.group_id == group.id).values(dm_ok=False))
        await s.execute(update(Person).where(Person.email == "hannah.lee@district.example").values(dm_ok=False))
        await s.commit()
        return group.id


async def _outbox(district, kind: str) -> list[OutboxItem]:
    async with district.sessions() as s:
        return list((await s.execute(select(OutboxItem).where(OutboxItem.kind == kind).order_by(OutboxItem.key))).scalars())


async def _count(district, model) -> int:
    async with district.sessions() as s:
        return (await s.execute(select(func.count()).select_from(model))).scalar()


async def test_the_preview_shows_exactly_the_text_and_sends_nothing(speaker, district, lgbtq):
    jordan = speaker("jordan.reyes")
    preview = await jordan.say(f"announce lgbtq {POTLUCK}")
    assert not preview.refused
    [member_view] = preview.card.sections
    assert member_view.title == "Announcement from LGBTQ+ Educators"
    assert member_view.body.startswith(POTLUCK + "\n\n")
    assert "5 members who take direct messages" in preview.text and "2 group channels" in preview.text
    assert [b.label for b in preview.card.actions] == ["Send", "Cancel"]
    # The text stays on the server: the buttons carry only the draft's number.
    assert all(len(b.value) < 40 and "Potluck" not in b.value for b in preview.card.actions)
    assert await _outbox(district, "announcement") == []
    async with district.sessions() as s:
        draft = (await s.execute(select(Announcement))).scalar_one()
        assert (draft.text, draft.sent_at, draft.group_id) == (POTLUCK, None, lgbtq)


async def test_send_queues_one_item_per_member_who_takes_dms_and_per_channel(speaker, district, lgbtq, captured_logs):
    jordan = speaker("jordan.reyes")
    preview = await jordan.say(f"announce lgbtq {POTLUCK}")
    sent = await jordan.press("Send", preview)
    assert not sent.refused and "5 members by direct message" in sent.text and "2 channel posts" in sent.text
    items = await _outbox(district, "announcement")
    async with district.sessions() as s:
        expected = {await _id(s, who) for who in ("jordan.reyes", "ethan.davis", "mei.chen", "noah.williams", "olivia.brown")}
        draft = (await s.execute(select(Announcement))).scalar_one()
        audit = (await s.execute(select(AuditEntry).where(AuditEntry.action == "announcement_sent"))).scalar_one()
    to_people = [i for i in items if i.person_id is not None]
    to_channels = [i for i in items if i.channel is not None]
    # Not Maria (pending), Luis (left), Alex (no DMs from this group) or Hannah (no DMs at all).
    assert sorted(i.person_id for i in to_people) == sorted(expected)
    assert {i.key for i in to_people} == {f"announce:{draft.id}:{p}" for p in expected}
    assert sorted(i.channel["conversation_id"] for i in to_channels) == ["19:lgbtq@thread.tacv2", "C0LGBTQ"]
    assert all(i.key.startswith(f"announce:{draft.id}:channel:") for i in to_channels)
    assert all(i.group_id == lgbtq for i in items) and len(items) == 7
    assert all(POTLUCK in Reply.from_payload(i.payload).text for i in items)
    # Audited by ids and counts only; the text is in no audit entry or log line.
    assert (audit.actor_id, audit.group_id) == (draft.author_id, lgbtq) and audit.detail == f"announcement {draft.id}: 5 members, 2 channels"
    assert "Potluck" not in captured_logs.text

    again = await jordan.press("Send", preview)
    assert again.refused and "already been sent" in again.text
    assert len(await _outbox(district, "announcement")) == 7


async def test_members_read_it_in_their_language_and_leaving_withdraws_it(speaker, district, lgbtq):
    await speaker("ethan.davis").say("settings language es")
    jordan = speaker("jordan.reyes")
    await jordan.press("Send", await jordan.say("announce lgbtq-educators Reunión el viernes."))
    async with district.sessions() as s:
        ethan, noah = await _id(s, "ethan.davis"), await _id(s, "noah.williams")
    by_person = {i.person_id: Reply.from_payload(i.payload) for i in await _outbox(district, "announcement") if i.person_id}
    assert by_person[ethan].card.title == "Anuncio de LGBTQ+ Educators"
    assert by_person[noah].card.title == "Announcement from LGBTQ+ Educators"
    await speaker("noah.williams").say("groups leave lgbtq-educators")
    assert noah not in {i.person_id for i in await _outbox(district, "announcement")}


async def test_cancel_queues_nothing_and_the_draft_cannot_be_sent_later(speaker, district, lgbtq):
    jordan = speaker("jordan.reyes")
    preview = await jordan.say("announce lgbtq No meeting this week.")
    cancelled = await jordan.press("Cancel", preview)
    assert not cancelled.refused and "not sent to anyone" in cancelled.text
    late = await jordan.press("Send", preview)
    assert late.refused and "was cancelled" in late.text
    assert await _outbox(district, "announcement") == []


async def test_a_draft_from_yesterday_is_not_sent_from_its_old_button(speaker, district, lgbtq, clock):
    jordan = speaker("jordan.reyes")
    preview = await jordan.say("announce lgbtq Meeting moved to Thursday.")
    clock.advance(hours=25)
    stale = await jordan.press("Send", preview)
    assert stale.refused and "more than a day ago" in stale.text
    assert await _outbox(district, "announcement") == []


@pytest.mark.parametrize("who", ["maria.lopez", "alex.morgan", "aisha.bello", "dana.whitfield"])
async def test_only_a_facilitator_of_the_group_or_an_admin_may_announce(speaker, district, lgbtq, who):
    # A member, a facilitator of another group and the DEI office all get the role sentence.
    reply = await speaker(who).say("announce lgbtq Hello everyone")
    assert reply.refused and reply.text == "Only a facilitator of LGBTQ+ Educators can do that. Nothing was changed."
    assert await _count(district, Announcement) == 0


async def test_an_admin_may_announce_and_nobody_else_may_send_anothers_draft(speaker, district, lgbtq):
    preview = await speaker("sam.okafor").say("announce lgbtq District-wide note.")
    assert not preview.refused
    async with district.sessions() as s:
        draft_id = (await s.execute(select(Announcement.id))).scalar_one()
    for other in ("jordan.reyes", "maria.lopez"):
        reply = await speaker(other).say(f"announce send {draft_id}")
        assert reply.refused and f"no announcement number {draft_id}" in reply.text and "District-wide" not in reply.text
    assert await _outbox(district, "announcement") == []


async def test_bad_announcements_are_refused_with_a_sentence_and_change_nothing(speaker, district, lgbtq):
    jordan = speaker("jordan.reyes")
    cases = {
        "announce": "Which group?",
        "announce lgbtq": "What should the announcement say?",
        "announce lgbtq    ": "What should the announcement say?",
        "announce nowhere-group Hello": "I can't find a group called “nowhere-group”",
        "announce lgbtq " + "x" * 3001: "That announcement is 3001 characters long; the limit is 3000. Nothing was sent",
        "announce lgbtq " + "x" * 3990: "characters long; the limit is 4000",
        "announce send twelve": "Use the number of the announcement",
        "announce send 999": "You have no announcement number 999 waiting to be sent.",
    }
    for line, sentence in cases.items():
        reply = await jordan.say(line)
        assert reply.refused and sentence in reply.text, line
    assert await _count(district, Announcement) == 0 and await _outbox(district, "announcement") == []
    exactly = await jordan.say("announce lgbtq " + "y" * 3000)
    assert not exactly.refused and exactly.card.sections[0].body.startswith("y" * 3000 + "\n\n")


async def test_an_invitation_is_one_dm_with_a_join_button_and_no_membership(speaker, district, lgbtq):
    jordan = speaker("jordan.reyes")
    reply = await jordan.say("groups invite lgbtq zoe.thompson@district.example")
    assert not reply.refused and "Zoe Thompson will get your invitation to LGBTQ+ Educators" in reply.text
    [item] = await _outbox(district, "invitation")
    async with district.sessions() as s:
        zoe = await _id(s, "zoe.thompson")
        assert (await s.execute(select(func.count()).select_from(Membership).where(Membership.person_id == zoe))).scalar() == 1  # new-teachers only
        audit = (await s.execute(select(AuditEntry).where(AuditEntry.action == "invitation_sent"))).scalar_one()
    assert (item.person_id, item.group_id) == (zoe, lgbtq) and (audit.subject_id, audit.group_id) == (zoe, lgbtq)
    card = Reply.from_payload(item.payload).card
    assert card.title == "An invitation to LGBTQ+ Educators" and "Jordan Reyes" in card.body
    assert [(b.label, b.value) for b in card.actions][0] == ("Join", "groups join lgbtq-educators")

    # Joining is still Zoe's own decision, confirmed by Zoe.
    zoe_speaks = speaker("zoe.thompson")
    asked = await zoe_speaks.press("Join", Reply.from_payload(item.payload))
    assert "Who will know you are a member" in asked.text
    async with district.sessions() as s:
        assert (await s.execute(select(Membership).where(Membership.person_id == zoe, Membership.group_id == lgbtq))).scalar_one_or_none() is None
    assert "Welcome to LGBTQ+ Educators" in (await zoe_speaks.say("yes")).text


async def test_invitations_that_cannot_be_made_are_refused_and_change_nothing(speaker, district, lgbtq):
    await speaker("priya.shah").say("settings dm off")
    jordan = speaker("jordan.reyes")
    assert not (await jordan.say("groups invite lgbtq zoe.thompson@district.example")).refused
    cases = [
        (jordan, "groups invite lgbtq", "Name the group and the person"),
        (jordan, "groups invite nowhere-group zoe.thompson@district.example", "I can't find a group"),
        (jordan, "groups invite lgbtq nobody.here@district.example", "I can't find “nobody.here@district.example”"),
        (jordan, "groups invite lgbtq alex.morgan@district.example", "Alex Morgan is already a member of LGBTQ+ Educators or has asked to join"),
        (jordan, "groups invite lgbtq maria.lopez@district.example", "Maria Lopez is already a member of LGBTQ+ Educators or has asked to join"),
        (jordan, "groups invite lgbtq jordan.reyes@district.example", "You can't invite yourself"),
        (jordan, "groups invite lgbtq priya.shah@district.example", "Priya Shah has turned off direct messages from groups"),
        (jordan, "groups invite lgbtq zoe.thompson@district.example", "Zoe Thompson was already invited to LGBTQ+ Educators in the last 30 days"),
        (speaker("maria.lopez"), "groups invite lgbtq zoe.thompson@district.example", "Only a facilitator of LGBTQ+ Educators can do that."),
        (speaker("aisha.bello"), "groups invite lgbtq zoe.thompson@district.example", "Only a facilitator of LGBTQ+ Educators can do that."),
    ]
    for who, line, sentence in cases:
        reply = await who.say(line)
        assert reply.refused and sentence in reply.text, line
    assert len(await _outbox(district, "invitation")) == 1
    async with district.sessions() as s:
        assert (await s.execute(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "invitation_sent"))).scalar() == 1


async def test_an_ineligible_person_cannot_be_invited_and_nothing_about_them_is_revealed(speaker, district):
    marcus = speaker("marcus.green")  # facilitates Black Administrators Network: administrators only
    reply = await marcus.say("groups invite black-administrators maria.lopez@district.example")
    assert reply.refused and "Maria Lopez cannot be invited to Black Administrators Network" in reply.text
    assert "teacher" not in reply.text.lower()  # her role is not spelled out
    # Inviting someone who belongs to other groups says nothing about those groups.
    jordan = speaker("jordan.reyes")
    invited = await jordan.say("groups invite lgbtq rosa.martinez@district.example")  # in Educators of Color, Bilingual Staff
    assert not invited.refused
    assert "Educators of Color" not in invited.text and "Bilingual" not in invited.text
    assert len(await _outbox(district, "invitation")) == 1


async def test_the_invitation_speaks_the_invitees_language(speaker, district, clock):
    jordan = speaker("jordan.reyes")
    await jordan.say("groups invite lgbtq luis.hernandez@district.example")  # Spanish in the roster
    [item] = await _outbox(district, "invitation")
    card = Reply.from_payload(item.payload).card
    assert card.title == "Una invitación a LGBTQ+ Educators"
    assert card.actions[0].label == "Unirme" and card.actions[0].value == "groups join lgbtq-educators"
    # A month later, one more invitation is allowed.
    clock.advance(days=31)
    assert not (await jordan.say("groups invite lgbtq luis.hernandez@district.example")).refused
    assert len(await _outbox(district, "invitation")) == 2


async def test_help_offers_announce_and_invite_to_facilitators_only(speaker):
    facilitator = (await speaker("jordan.reyes").say("help")).text
    assert "`announce <group> <text>`" in facilitator and "`groups invite <group> <person>`" in facilitator
    member = (await speaker("maria.lopez").say("help")).text
    assert "announce" not in member and "groups invite" not in member
    assert "`onboarding [on|off]`" in member
