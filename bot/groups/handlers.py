"""What the `groups` commands do: discover, join by one's own choice, leave, and facilitate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import delete, func, select, update

from bot import outbox
from bot.cards import card_reply
from bot.catalogue import Translator
from bot.groups.commands import DecideRequest, GroupHealth, GroupInfo, GroupMembers, JoinGroup, LeaveGroup, ListGroups, MyGroups
from bot.groups.directory import Ambiguous, Found, count_label, describe_eligibility, ineligible, listed_rules, not_eligible, resolve, search
from bot.help import refusal_reply
from bot.groups.cache import KeptListing, without_join
from bot.people.identity import own_groups
from bot.meetings.agenda import drop_future_rsvps, meeting_facts, mine_facts, next_meeting_facts_until
from bot.parsing import did_you_mean, line
from bot.people.identity import find_people
from bot.roles import ADMIN, FACILITATOR
from bot.turn import Turn
from bot.types import Button, Card, Fact, Reply
from storage.models import AuditEntry, Group, Membership, OutboxItem, Person, RoleGrant

#: How many groups one listing shows before asking the person to narrow the search.
LIST_LIMIT = 10


async def find_group(turn: Turn, words: str) -> Group | Reply:
    """The named group, or a refusal that lists candidates or suggestions."""
    found = await resolve(turn.session, words, person_id=turn.person.id, include_unlisted=turn.roles.admin)
    if isinstance(found, Found):
        return found.group
    if isinstance(found, Ambiguous):
        names = ", ".join(f"{g.name} ({g.slug})" for g in found.candidates[:8])
        return turn.refuse("groups.ambiguous", words=words, candidates=names)
    if found.suggestions:
        return turn.refuse("groups.not_found_suggest", words=words, suggestions=", ".join(g.slug for g in found.suggestions))
    return turn.refuse("groups.not_found", words=words)


async def facilitator_names(turn: Turn, group_id: int) -> list[str]:
    rows = await turn.session.execute(
        select(Person.name).join(RoleGrant, RoleGrant.person_id == Person.id).where(RoleGrant.role == FACILITATOR, RoleGrant.group_id == group_id)
    )
    return sorted(rows.scalars())


async def _deciders(turn: Turn, group_id: int) -> tuple[list[Person], bool]:
    """Who decides a request to join: the group's facilitators, or — while it has none — the
    district's admins (the second value says which). Nobody at all when neither exists."""
    rows = await turn.session.execute(
        select(Person).join(RoleGrant, RoleGrant.person_id == Person.id).where(RoleGrant.role == FACILITATOR, RoleGrant.group_id == group_id).order_by(Person.id)
    )
    facilitators = list(rows.scalars().unique())
    if facilitators:
        return facilitators, True
    rows = await turn.session.execute(select(Person).join(RoleGrant, RoleGrant.person_id == Person.id).where(RoleGrant.role == ADMIN).order_by(Person.id))
    return list(rows.scalars().unique()), False


def _misspelt(query: str):
    """`groups joni x` finds no group; the person probably meant `groups join`."""
    from bot.registry import all_specs

    words = query.split()
    return did_you_mean(("groups", words[0]), all_specs(), hidden=True) if words else None


async def list_groups(cmd: ListGroups, turn: Turn) -> Reply:
    t = turn.t
    # "Groups you can join": those whose rules the person does not meet are left out (they are
    # reachable by exact name in `groups info`, with the reason and no Join button).
    p = turn.person
    rules = await listed_rules(turn.session)
    leave_out = not_eligible(rules, (p.job_role, p.site, p.start_date), turn.today)
    shown, total = await search(turn.session, cmd.query, LIST_LIMIT, leave_out)
    if not shown:
        near = _misspelt(cmd.query)
        if near:
            return refusal_reply(near, turn)
        if not cmd.query and leave_out:
            return turn.reply("groups.none_for_you")  # there are groups, none this person may join
        return turn.reply("groups.none_found" if cmd.query else "groups.none_yet", query=cmd.query)
    upcoming, until = await next_meeting_facts_until(turn, shown)
    sections = tuple(
        Card(
            title=f"{g.name} ({g.slug})",
            body=g.description,
            fields=(
                Fact(t("groups.field_members"), count_label(t, g.active_count)),
                Fact(t("groups.field_join"), t(f"groups.policy_{g.join_policy}")),
                *upcoming.get(g.id, ()),
            ),
            actions=(Button(t("groups.button_info"), line(GroupInfo(g.slug))), Button(t("groups.button_join"), line(JoinGroup(g.slug)), style="primary")),
        )
        for g in shown
    )
    more = t("groups.more", count=total - len(shown)) if total > len(shown) else ""
    title = t("groups.found_title", query=cmd.query) if cmd.query else t("groups.list_title")
    reply = card_reply(Card(title=title, body=more, sections=sections))
    if turn.cache is not None and turn.generation is not None:
        # The same answer for anyone reading this language in this zone: nothing in it is the
        # person's own. Kept until the listing's generation moves or a shown meeting comes.
        turn.cache.remember_rules(turn.generation[0], rules)
        key = turn.cache.listing_key(cmd.query, p.language, p.timezone, (turn.generation[0], turn.today, leave_out))
        # Eligibility by start date is a matter of the day: nothing is kept past midnight.
        midnight = datetime.combine(turn.today + timedelta(days=1), time(0), turn.settings.timezone)
        turn.cache.remember_listing(key, KeptListing(reply, turn.generation[0], min(until, midnight)))
    # Kept as anyone sees it; shown without Join on the person's own groups (bot/groups/cache.py).
    own = turn.own_groups if turn.own_groups is not None else await _own_groups(turn)
    return without_join(reply, own)


async def _own_groups(turn: Turn) -> frozenset[str]:
    """The slugs of the person's own groups, read when they did not come with the person."""
    from bot.people.identity import OWN_GROUPS

    found = (await turn.session.execute(select(OWN_GROUPS).select_from(Person).where(Person.id == turn.person.id))).scalar()
    return own_groups(found)


async def group_info(cmd: GroupInfo, turn: Turn) -> Reply:
    t = turn.t
    group = await find_group(turn, cmd.group)
    if isinstance(group, Reply):
        return group
    facilitators = await facilitator_names(turn, group.id)
    why = ineligible(turn.person, group, turn.today)
    membership = await _membership(turn, turn.person.id, group.id)
    fields = [
        Fact(t("groups.field_kind"), t(f"groups.kind_{group.kind.replace('-', '_')}")),
        Fact(t("groups.field_members"), count_label(t, group.active_count)),
        Fact(t("groups.field_facilitators"), ", ".join(facilitators) or t("groups.no_facilitators")),
        Fact(t("groups.field_join"), t(f"groups.policy_{group.join_policy}")),
        Fact(t("groups.field_eligibility"), describe_eligibility(t, group)),
    ]
    if group.tags:
        fields.append(Fact(t("groups.field_tags"), ", ".join(group.tags)))
    for resource in group.resources or []:
        fields.append(Fact(resource.get("title", t("groups.field_resource")), resource.get("url", "")))
    fields.extend(await meeting_facts(turn, group))
    actions: tuple[Button, ...] = (Button(t("groups.button_join"), line(JoinGroup(group.slug)), style="primary"),)
    if membership is not None and membership.status in ("active", "pending"):
        # One's own group (or request) offers no Join: only the way out.
        fields.append(Fact(t("groups.field_you"), t("groups.status_" + membership.status)))
        actions = (Button(t("groups.button_leave", group=group.slug), line(LeaveGroup(group.slug)), style="danger"),) if membership.status == "active" else ()
    elif turn.roles.facilitator_of(group.id):
        fields.append(Fact(t("groups.field_you"), t("groups.you_facilitate")))
        actions = ()
    elif why:
        key, params = why
        fields.append(Fact(t("groups.field_you"), t("groups.you_cannot_join", reason=t(key, **params))))
        actions = ()
    return card_reply(Card(title=f"{group.name} ({group.slug})", body=group.description, fields=tuple(fields), actions=actions))


async def _membership(turn: Turn, person_id: int, group_id: int) -> Membership | None:
    return (
        await turn.session.execute(select(Membership).where(Membership.person_id == person_id, Membership.group_id == group_id))
    ).scalar_one_or_none()


async def _bump(turn: Turn, group_id: int, delta: int) -> None:
    # One UPDATE, so two people joining at once cannot lose a count.
    await turn.session.execute(update(Group).where(Group.id == group_id).values(active_count=Group.active_count + delta))


async def join_group(cmd: JoinGroup, turn: Turn) -> Reply:
    t = turn.t
    group = await find_group(turn, cmd.group)
    if isinstance(group, Reply):
        return group
    membership = await _membership(turn, turn.person.id, group.id)
    if membership and membership.status == "active":
        return turn.refuse("groups.already_member", group=group.name)
    if membership and membership.status == "pending":
        return turn.refuse("groups.already_pending", group=group.name)
    why = ineligible(turn.person, group, turn.today)
    if why:
        key, params = why
        return turn.refuse("groups.ineligible", group=group.name, reason=t(key, **params))
    facilitators = await facilitator_names(turn, group.id)
    deciders: list[Person] = []
    by_facilitators = True
    if group.join_policy != "open":
        deciders, by_facilitators = await _deciders(turn, group.id)
        if not deciders:
            # Nobody could decide it: say so now rather than file a request into the void.
            return turn.refuse("groups.cannot_take_requests", group=group.name)
    if not cmd.confirmed:
        visibility = t("groups.visibility", count=len(facilitators)) if facilitators else t("groups.visibility_no_facilitator")
        if group.join_policy == "open":
            policy = t("groups.confirm_open")
        else:
            policy = t("groups.confirm_approval" if by_facilitators else "groups.confirm_approval_admins")
        buttons = turn.ask(JoinGroup(group.slug, confirmed=True), t("groups.button_join"))
        return card_reply(Card(title=t("groups.confirm_title", group=group.name), body=f"{visibility}\n{policy}", actions=buttons))
    turn.person.pending_command = None
    status = "active" if group.join_policy == "open" else "pending"
    if membership is None:
        membership = Membership(person_id=turn.person.id, group_id=group.id, status=status, requested_at=turn.now, dm_ok=True, nudges_ok=True)
        turn.session.add(membership)
    else:
        membership.status, membership.requested_at, membership.left_at = status, turn.now, None
    if status == "active":
        membership.joined_at = turn.now
        await _bump(turn, group.id, +1)
        return turn.reply("groups.joined", group=group.name)
    await turn.session.flush()
    await _tell_deciders(turn, group, membership, deciders, by_facilitators)
    return turn.reply("groups.requested" if by_facilitators else "groups.requested_admins", group=group.name)


async def _tell_deciders(turn: Turn, group: Group, membership: Membership, deciders: list[Person], by_facilitators: bool) -> None:
    """The request card, to each facilitator — or, while the group has none, to each admin,
    with a notice that the group needs a facilitator."""
    for facilitator in deciders:
        ft = Translator(facilitator.language)
        who = turn.person.email or turn.person.name
        body_key = "groups.request_body" if by_facilitators else "groups.request_body_admin"
        card = Card(
            title=ft("groups.request_title", group=group.name),
            body=ft(body_key, person=turn.person.name, group=group.name, slug=group.slug),
            actions=(
                Button(ft("groups.button_approve"), line(DecideRequest(group.slug, who, True)), style="primary"),
                Button(ft("groups.button_decline"), line(DecideRequest(group.slug, who, False)), style="danger"),
            ),
        )
        await outbox.enqueue(
            turn.session,
            key=f"join-request:{membership.id}:{membership.requested_at.isoformat()}:{facilitator.id}",
            kind="join_request",
            reply=card_reply(card, ephemeral=False),
            now=turn.now,
            person_id=facilitator.id,
            group_id=group.id,
            about_id=turn.person.id,
        )


async def leave_group(cmd: LeaveGroup, turn: Turn) -> Reply:
    group = await find_group(turn, cmd.group)
    if isinstance(group, Reply):
        return group
    membership = await _membership(turn, turn.person.id, group.id)
    if membership is None or membership.status == "left":
        return turn.refuse("groups.not_member", group=group.name)
    if membership.status == "active":
        await _bump(turn, group.id, -1)
    membership.status, membership.left_at = "left", turn.now
    await outbox.withdraw_for_group(turn.session, turn.person.id, group.id)
    await drop_future_rsvps(turn.session, turn.person.id, group.id, turn.now)
    return turn.reply("groups.left", group=group.name)


async def my_groups(cmd: MyGroups, turn: Turn) -> Reply:
    t = turn.t
    rows = (
        await turn.session.execute(
            select(Group, Membership.status)
            .join(Membership, Membership.group_id == Group.id)
            .where(Membership.person_id == turn.person.id, Membership.status != "left")
            .order_by(Group.name)
        )
    ).all()
    if not rows and not turn.roles.facilitates:
        return turn.reply("groups.mine_none")
    fields = [Fact(g.name, t("groups.status_" + status)) for g, status in rows]
    led = sorted(turn.roles.facilitates)
    if led:
        names = (await turn.session.execute(select(Group.name).where(Group.id.in_(led)).order_by(Group.name))).scalars()
        fields.append(Fact(t("groups.field_facilitating"), ", ".join(names)))
    fields.extend(await mine_facts(turn, [g for g, status in rows if status == "active"]))
    actions = tuple(Button(t("groups.button_leave", group=g.slug), line(LeaveGroup(g.slug)), style="danger") for g, status in rows)[:5]
    return card_reply(Card(title=t("groups.mine_title"), fields=tuple(fields), actions=actions))


async def group_members(cmd: GroupMembers, turn: Turn) -> Reply:
    t = turn.t
    group = await find_group(turn, cmd.group)
    if isinstance(group, Reply):
        return group
    if not turn.roles.may_see_members(group.id):
        return turn.needs_role(FACILITATOR, group.name)
    rows = (
        await turn.session.execute(
            select(Person, Membership.status)
            .join(Membership, Membership.person_id == Person.id)
            .where(Membership.group_id == group.id, Membership.status.in_(("active", "pending")))
            .order_by(Person.name)
        )
    ).all()
    active = [p for p, s in rows if s == "active"]
    pending = [p for p, s in rows if s == "pending"]
    turn.audit("members_viewed", group_id=group.id, detail=group.slug)
    body = "\n".join(f"• {p.name}" + (f" <{p.email}>" if p.email else "") for p in active) or t("groups.members_none")
    sections = ()
    if pending:
        sections = tuple(
            Card(
                title=t("groups.pending_one", person=p.name),
                actions=(
                    Button(t("groups.button_approve"), line(DecideRequest(group.slug, p.email or p.name, True)), style="primary"),
                    Button(t("groups.button_decline"), line(DecideRequest(group.slug, p.email or p.name, False)), style="danger"),
                ),
            )
            for p in pending
        )
    return card_reply(Card(title=t("groups.members_title", group=group.name, count=len(active)), body=body, sections=sections))


async def decide_request(cmd: DecideRequest, turn: Turn) -> Reply:
    group = await find_group(turn, cmd.group)
    if isinstance(group, Reply):
        return group
    if not (turn.roles.facilitator_of(group.id) or turn.roles.admin):
        return turn.needs_role(FACILITATOR, group.name)
    pending_ids = list(
        (await turn.session.execute(select(Membership.person_id).where(Membership.group_id == group.id, Membership.status == "pending"))).scalars()
    )
    people = await find_people(turn.session, cmd.person, among=pending_ids, mentioned_on=turn.inbound.actor)
    if not people:
        decided = await _already_decided(turn, group, cmd.person)
        return decided or turn.refuse("groups.no_such_request", person=cmd.person, group=group.name)
    if len(people) > 1:
        return turn.refuse("groups.ambiguous_person", person=cmd.person, candidates=", ".join(p.name for p in people[:8]))
    requester = people[0]
    membership = await _membership(turn, requester.id, group.id)
    assert membership is not None
    rt = Translator(requester.language)
    if cmd.approve:
        membership.status, membership.joined_at = "active", turn.now
        await _bump(turn, group.id, +1)
        turn.audit("request_approved", group_id=group.id, subject_id=requester.id, detail=group.slug)
        note = rt("groups.request_approved_note", group=group.name)
    else:
        await turn.session.execute(delete(Membership).where(Membership.id == membership.id))
        turn.audit("request_declined", group_id=group.id, subject_id=requester.id, detail=group.slug)
        note = rt("groups.request_declined_note", group=group.name)
    await outbox.enqueue(
        turn.session,
        key=f"join-decision:{membership.id}:{membership.requested_at.isoformat()}",
        kind="join_decision",
        reply=Reply(text=note, ephemeral=False),
        now=turn.now,
        person_id=requester.id,
        group_id=group.id,
    )
    return turn.reply("groups.approved" if cmd.approve else "groups.declined", person=requester.name, group=group.name)


async def group_health(cmd: GroupHealth, turn: Turn) -> Reply:
    """For admins: groups nobody facilitates, requests left waiting, channels the bot cannot post in."""
    if not turn.roles.admin:
        return turn.needs_role(ADMIN)
    t = turn.t
    report = await health(turn.session, turn.now, turn.settings.district.request_wait_days)
    sections = (
        Card(
            title=t("groups.health_no_facilitator"),
            body="\n".join(
                f"• {name} ({slug})" + (f" — {t('groups.health_takes_requests')}" if policy == "approval" else "") for name, slug, policy in report.unfacilitated
            )
            or t("groups.health_none"),
        ),
        Card(
            title=t("groups.health_waiting", days=report.wait_days),
            body="\n".join(
                f"• {name} ({slug}): " + t("groups.health_waiting_line", count=count, days=oldest) for name, slug, count, oldest in report.waiting
            )
            or t("groups.health_none"),
        ),
        Card(
            title=t("groups.health_channels"),
            body="\n".join(f"• {name} ({slug}): {where}" for name, slug, where in report.channels) or t("groups.health_none"),
        ),
    )
    return card_reply(Card(title=t("groups.health_title"), sections=sections))


@dataclass(frozen=True)
class Health:
    wait_days: int
    #: (name, slug, join policy) of every group without a facilitator.
    unfacilitated: list[tuple[str, str, str]]
    #: (name, slug, how many, days the oldest has waited) of requests older than wait_days.
    waiting: list[tuple[str, str, int, int]]
    #: (name, slug, platform channel) where a delivery to the group's channel could not be made.
    channels: list[tuple[str, str, str]]


async def health(session, now, wait_days: int) -> Health:
    led = select(RoleGrant.group_id).where(RoleGrant.role == FACILITATOR, RoleGrant.group_id.is_not(None))
    unfacilitated = [
        tuple(r) for r in (await session.execute(select(Group.name, Group.slug, Group.join_policy).where(Group.id.not_in(led)).order_by(Group.name))).all()
    ]
    cutoff = now - timedelta(days=wait_days)
    rows = (
        await session.execute(
            select(Group.name, Group.slug, func.count(), func.min(Membership.requested_at))
            .join(Membership, Membership.group_id == Group.id)
            .where(Membership.status == "pending", Membership.requested_at < cutoff)
            .group_by(Group.id, Group.name, Group.slug)
            .order_by(Group.name)
        )
    ).all()
    waiting = [(name, slug, int(count), (now - _aware(oldest)).days) for name, slug, count, oldest in rows]
    rows = (
        await session.execute(
            select(Group.name, Group.slug, OutboxItem.channel)
            .join(OutboxItem, OutboxItem.group_id == Group.id)
            .where(OutboxItem.channel.is_not(None), OutboxItem.state == "unreachable")
            .order_by(Group.name)
        )
    ).all()
    channels, seen = [], set()
    for name, slug, channel in rows:
        where = ":".join(str(channel.get(k, "")) for k in ("platform", "conversation_id") if channel.get(k)) or "?"
        if (slug, where) not in seen:
            seen.add((slug, where))
            channels.append((name, slug, where))
    return Health(wait_days, unfacilitated, waiting, channels)


def _aware(moment):
    from datetime import timezone

    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


async def _already_decided(turn: Turn, group: Group, words: str) -> Reply | None:
    """A stale Approve/Decline card (someone decided meanwhile): say it was decided, and by whom
    in role only. Only a facilitator of the group or an admin gets here, who may see its members."""
    people = await find_people(turn.session, words, mentioned_on=turn.inbound.actor)
    if len(people) != 1:
        return None
    requester = people[0]
    last = (
        await turn.session.execute(
            select(AuditEntry.action, AuditEntry.actor_id, AuditEntry.at)
            .where(AuditEntry.group_id == group.id, AuditEntry.subject_id == requester.id, AuditEntry.action.in_(("request_approved", "request_declined")))
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .limit(1)
        )
    ).first()
    if last is None:
        return None
    action, actor_id, at = last
    by = FACILITATOR
    if actor_id is not None:
        grants = set((await turn.session.execute(select(RoleGrant.role, RoleGrant.group_id).where(RoleGrant.person_id == actor_id))).all())
        if (FACILITATOR, group.id) not in grants and any(role == ADMIN for role, _ in grants):
            by = ADMIN
    t = turn.t
    key = "groups.already_approved" if action == "request_approved" else "groups.already_declined"
    return turn.refuse(key, person=requester.name, group=group.name, role=t(f"roles.{by}"), date=at.astimezone(turn.settings.timezone).date().isoformat())


async def active_member_count(session, group_id: int) -> int:
    """Counted from the rows, for checks and repairs of the kept count."""
    return int(
        (await session.execute(select(func.count()).select_from(Membership).where(Membership.group_id == group_id, Membership.status == "active"))).scalar()
    )


HANDLERS = {
    ListGroups: list_groups,
    GroupInfo: group_info,
    JoinGroup: join_group,
    LeaveGroup: leave_group,
    MyGroups: my_groups,
    GroupMembers: group_members,
    DecideRequest: decide_request,
    GroupHealth: group_health,
}

__all__ = ["HANDLERS", "find_group", "active_member_count"]
