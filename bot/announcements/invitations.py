"""What `groups invite` does: a facilitator's invitation by direct message; never a membership."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot import outbox
from bot.announcements.commands import Invite
from bot.announcements.messages import invitation_card
from bot.cards import card_reply
from bot.catalogue import Translator
from bot.groups.directory import ineligible
from bot.groups.handlers import find_group
from bot.people.identity import find_people
from bot.roles import FACILITATOR
from bot.turn import Turn
from bot.types import Reply
from storage.models import Membership, OutboxItem

#: One invitation per person and group in this many days, so an invitation never becomes pressure.
REINVITE_DAYS = 30
KIND = "invitation"


async def invite(cmd: Invite, turn: Turn) -> Reply:
    group = await find_group(turn, cmd.group)
    if isinstance(group, Reply):
        return group
    if not (turn.roles.facilitator_of(group.id) or turn.roles.admin):
        return turn.needs_role(FACILITATOR, group.name)
    people = await find_people(turn.session, cmd.person, mentioned_on=turn.inbound.actor)
    if not people:
        return turn.refuse("announcements.invite_no_person", person=cmd.person)
    if len(people) > 1:
        return turn.refuse("groups.ambiguous_person", person=cmd.person, candidates=", ".join(p.name for p in people[:8]))
    person = people[0]
    if person.id == turn.person.id:
        return turn.refuse("announcements.invite_self", group=group.name)
    # Only this group's membership is looked at: the facilitator may know who is in their own
    # group, never what else the person belongs to.
    status = (
        await turn.session.execute(select(Membership.status).where(Membership.person_id == person.id, Membership.group_id == group.id))
    ).scalar_one_or_none()
    if status in ("active", "pending"):
        return turn.refuse("announcements.invite_member", person=person.name, group=group.name)
    # Who may join is public (`groups info`); the person's own role, site or start date is not
    # spelled out to the facilitator.
    if ineligible(person, group, turn.today) is not None:
        return turn.refuse("announcements.invite_ineligible", person=person.name, group=group.name, slug=group.slug)
    if not person.dm_ok:
        return turn.refuse("announcements.invite_no_dm", person=person.name)
    recent = (
        await turn.session.execute(
            select(func.count())
            .select_from(OutboxItem)
            .where(
                OutboxItem.kind == KIND,
                OutboxItem.person_id == person.id,
                OutboxItem.group_id == group.id,
                OutboxItem.created_at > turn.now - timedelta(days=REINVITE_DAYS),
            )
        )
    ).scalar_one()
    if recent:
        return turn.refuse("announcements.invite_recent", person=person.name, group=group.name, days=REINVITE_DAYS)
    pt = Translator(person.language)
    await outbox.enqueue(
        turn.session,
        key=f"invitation:{group.id}:{person.id}:{turn.today.isoformat()}",
        kind=KIND,
        reply=card_reply(invitation_card(pt, group, turn.person), ephemeral=False),
        now=turn.now,
        person_id=person.id,
        group_id=group.id,
    )
    turn.audit("invitation_sent", group_id=group.id, subject_id=person.id, detail=group.slug)
    return turn.reply("announcements.invited", person=person.name, group=group.name)
