"""What `announce` does: a preview kept as a draft, then Send queues it for members and channels."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot import outbox
from bot.announcements.commands import Announce, CancelAnnouncement, SendAnnouncement
from bot.announcements.messages import channel_card, member_card
from bot.cards import card_reply
from bot.catalogue import Translator
from bot.groups.handlers import find_group
from bot.parsing import line
from bot.roles import FACILITATOR
from bot.turn import Turn
from bot.types import Button, Card, ConversationRef, Reply
from storage.models import Announcement, Group, GroupChannel, Membership, Person

#: A draft older than this is not sent from an old button: the author writes it again.
DRAFT_LIFETIME = timedelta(hours=24)
KIND = "announcement"


def _may_announce(turn: Turn, group: Group) -> bool:
    return turn.roles.facilitator_of(group.id) or turn.roles.admin


def _recipients(group_id: int):
    """Active members who take direct messages from this group and from the bot at all."""
    return (
        select(Person.id, Person.language)
        .join(Membership, Membership.person_id == Person.id)
        .where(Membership.group_id == group_id, Membership.status == "active", Membership.dm_ok.is_(True), Person.dm_ok.is_(True))
        .order_by(Person.id)
    )


async def _channels(turn: Turn, group_id: int) -> list[GroupChannel]:
    return list((await turn.session.execute(select(GroupChannel).where(GroupChannel.group_id == group_id).order_by(GroupChannel.id))).scalars())


async def announce(cmd: Announce, turn: Turn) -> Reply:
    t = turn.t
    group = await find_group(turn, cmd.group)
    if isinstance(group, Reply):
        return group
    if not _may_announce(turn, group):
        return turn.needs_role(FACILITATOR, group.name)
    draft = Announcement(group_id=group.id, author_id=turn.person.id, text=cmd.text, language=t.language, created_at=turn.now)
    turn.session.add(draft)
    await turn.session.flush()
    members = (await turn.session.execute(select(func.count()).select_from(_recipients(group.id).subquery()))).scalar_one()
    channels = len(await _channels(turn, group.id))
    return card_reply(
        Card(
            title=t("announcements.preview_title", group=group.name),
            body=t("announcements.preview_body", members=t("announcements.members_dm", count=members), channels=t("announcements.group_channels", count=channels)),
            sections=(member_card(t, group, cmd.text),),
            actions=(
                Button(t("announcements.button_send"), line(SendAnnouncement(draft.id)), style="primary"),
                Button(t("announcements.button_cancel"), line(CancelAnnouncement(draft.id))),
            ),
        )
    )


async def _draft(turn: Turn, announcement_id: int) -> Announcement | Reply:
    """The person's own unsent draft, or the sentence that says why there is none."""
    draft = await turn.session.get(Announcement, announcement_id)
    # Someone else's announcement is answered as if it did not exist: its text is theirs.
    if draft is None or draft.author_id != turn.person.id:
        return turn.refuse("announcements.not_found", id=announcement_id)
    if draft.sent_at is not None:
        return turn.refuse("announcements.already_sent", id=announcement_id)
    if draft.cancelled_at is not None:
        return turn.refuse("announcements.already_cancelled", id=announcement_id)
    return draft


async def send_announcement(cmd: SendAnnouncement, turn: Turn) -> Reply:
    draft = await _draft(turn, cmd.announcement_id)
    if isinstance(draft, Reply):
        return draft
    group = await turn.session.get(Group, draft.group_id)
    assert group is not None  # the draft goes with its group
    if not _may_announce(turn, group):
        return turn.needs_role(FACILITATOR, group.name)
    if turn.now - draft.created_at > DRAFT_LIFETIME:
        return turn.refuse("announcements.expired", id=draft.id)
    # One reply per language, shared by every member who reads it, and one INSERT per thousand
    # members rather than one per member: a large group is queued in a moment.
    replies: dict[str, Reply] = {}
    recipients = (await turn.session.execute(_recipients(group.id))).all()
    for _, language in recipients:
        if language not in replies:
            replies[language] = card_reply(member_card(Translator(language), group, draft.text), ephemeral=False)
    members = await outbox.enqueue_many(
        turn.session,
        (
            outbox.Outgoing(key=f"announce:{draft.id}:{person_id}", kind=KIND, reply=replies[language], person_id=person_id, group_id=group.id)
            for person_id, language in recipients
        ),
        turn.now,
    )
    channels = 0
    ct = Translator(draft.language)
    for channel in await _channels(turn, group.id):
        channels += await outbox.enqueue(
            turn.session,
            key=f"announce:{draft.id}:channel:{channel.id}",
            kind=KIND,
            reply=card_reply(channel_card(ct, group, draft.text), ephemeral=False),
            now=turn.now,
            channel=ConversationRef(channel.platform, channel.tenant, channel.channel_id, kind="channel"),
            group_id=group.id,
        )
    draft.sent_at = turn.now
    turn.audit("announcement_sent", group_id=group.id, detail=f"announcement {draft.id}: {members} members, {channels} channels")
    return turn.reply("announcements.sent", group=group.name, members=turn.t("announcements.members_by_dm", count=members), channels=turn.t("announcements.channel_posts", count=channels))


async def cancel_announcement(cmd: CancelAnnouncement, turn: Turn) -> Reply:
    draft = await _draft(turn, cmd.announcement_id)
    if isinstance(draft, Reply):
        return draft
    draft.cancelled_at = turn.now
    return turn.reply("announcements.cancelled")


HANDLERS = {Announce: announce, SendAnnouncement: send_announcement, CancelAnnouncement: cancel_announcement}
