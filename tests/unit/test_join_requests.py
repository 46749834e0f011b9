"""A request to join an approval group always reaches someone who can decide it (issue 12, item 2)."""

from __future__ import annotations

from sqlalchemy import delete, func, select

from storage.models import Group, Membership, OutboxItem, Person, RoleGrant


async def _person(s, email: str) -> Person:
    return (await s.execute(select(Person).where(Person.email == email))).scalar_one()


async def test_without_a_facilitator_the_request_goes_to_the_admins(speaker, district):
    lena = speaker("lena.fischer")  # Staff Voices' only facilitator
    await lena.say("forget-me --yes")
    hannah = speaker("hannah.lee")
    ask = await hannah.say("groups join staff-voices")
    assert "(0)" not in ask.text and "bot admins" in ask.text and "no facilitator" in ask.text
    done = await hannah.say("yes")
    assert not done.refused and "facilitators" not in done.text and "bot admins" in done.text
    async with district.sessions() as s:
        sam = await _person(s, "sam.okafor@district.example")
        notices = list((await s.execute(select(OutboxItem).where(OutboxItem.kind == "join_request"))).scalars())
        assert [n.person_id for n in notices] == [sam.id]
        assert "no facilitator" in notices[0].payload["text"] and "roles grant" in notices[0].payload["text"]
    # The admin can decide it from the card they were sent.
    admin = speaker("sam.okafor")
    admin.last = _reply_of(notices[0])
    decided = await admin.press("Approve")
    assert not decided.refused and "Hannah Lee is now a member" in decided.text
    async with district.sessions() as s:
        hannah_row = await _person(s, "hannah.lee@district.example")
        status = (
            await s.execute(select(Membership.status).join(Group, Group.id == Membership.group_id).where(Membership.person_id == hannah_row.id, Group.slug == "staff-voices"))
        ).scalar_one()
        assert status == "active"


async def test_nobody_to_decide_says_so_and_files_nothing(speaker, district):
    async with district.sessions() as s, s.begin():
        await s.execute(delete(RoleGrant).where(RoleGrant.role.in_(("admin", "facilitator"))))
    hannah = speaker("hannah.lee")
    for line in ("groups join staff-voices", "groups join staff-voices --yes"):
        reply = await hannah.say(line)
        assert reply.refused and "can't take requests to join right now" in reply.text
    async with district.sessions() as s:
        assert (await s.execute(select(func.count()).select_from(Membership).where(Membership.status == "pending"))).scalar() == 0
        assert (await s.execute(select(func.count()).select_from(OutboxItem).where(OutboxItem.kind == "join_request"))).scalar() == 0


async def test_groups_health_lists_unfacilitated_groups_and_old_requests(speaker, district, clock):
    hannah = speaker("hannah.lee")
    await hannah.say("groups join staff-voices --yes")
    admin = speaker("sam.okafor")
    fresh = await admin.say("groups health")
    waiting = next(s for s in fresh.card.sections if s.title.startswith("Requests to join waiting"))
    assert "Staff Voices" not in waiting.body and waiting.body == "none"
    clock.advance(days=8)
    await speaker("lena.fischer").say("forget-me --yes")
    report = await admin.say("groups health")
    assert not report.refused
    lonely = next(s for s in report.card.sections if s.title == "Groups without a facilitator")
    assert "Staff Voices ERG (staff-voices) — requests to join go to the admins" in lonely.body
    waiting = next(s for s in report.card.sections if s.title.startswith("Requests to join waiting more than 7 days"))
    assert "Staff Voices ERG (staff-voices): 1 waiting, the oldest for 8 days" in waiting.body
    assert "Hannah" not in report.text
    refused = await speaker("maria.lopez").say("groups health")
    assert refused.refused and "admin" in refused.text


def _reply_of(item: OutboxItem):
    from bot.types import Reply  # as the dispatcher reads a queued payload

    return Reply.from_payload(item.payload)


async def test_a_stale_approve_card_says_it_was_already_decided_and_by_which_role(speaker, district):
    hannah = speaker("hannah.lee")
    await hannah.say("groups join staff-voices --yes")
    lena = speaker("lena.fischer")
    card = await lena.say("groups members staff-voices")
    admin = speaker("sam.okafor")
    assert not (await admin.say("groups decline staff-voices hannah.lee@district.example")).refused
    stale = await lena.press("Approve", card)
    assert stale.refused and "already declined on 2026-09-14, by someone with the admin role" in stale.text
    assert "Sam" not in stale.text
    async with district.sessions() as s:
        hannah_id = (await _person(s, "hannah.lee@district.example")).id
        assert (await s.execute(select(func.count()).select_from(Membership).join(Group, Group.id == Membership.group_id).where(Membership.person_id == hannah_id, Group.slug == "staff-voices"))).scalar() == 0
    await hannah.say("groups join staff-voices --yes")
    card = await lena.say("groups members staff-voices")
    assert not (await lena.press("Approve", card)).refused
    again = await lena.press("Approve", card)
    assert again.refused and "already approved on 2026-09-14, by someone with the facilitator role" in again.text
