"""What the `intros` commands do: a member's own opt-in per group, snooze, do-not-pair, and the facilitator's switch."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select, update

from bot.cards import card_reply
from bot.groups.directory import count_label
from bot.groups.handlers import find_group
from bot.intros.commands import GroupIntros, IntrosAvoid, IntrosMet, IntrosOptIn, IntrosSnooze, IntrosStatus
from bot.people.identity import find_people
from bot.turn import Turn
from bot.types import Card, Fact, Reply
from storage.models import Group, IntroAvoid, IntroOptIn, IntroPair, IntroPairMember, IntroRound, Membership

#: Most people one person may keep on their do-not-pair list.
MAX_AVOID = 50


async def _rows(turn: Turn) -> list[IntroOptIn]:
    return list((await turn.session.execute(select(IntroOptIn).where(IntroOptIn.person_id == turn.person.id))).scalars())


async def _active_groups(turn: Turn) -> list[Group]:
    rows = await turn.session.execute(
        select(Group).join(Membership, Membership.group_id == Group.id).where(Membership.person_id == turn.person.id, Membership.status == "active").order_by(Group.name)
    )
    return list(rows.scalars())


async def intros_status(cmd: IntrosStatus, turn: Turn) -> Reply:
    t = turn.t
    rows = await _rows(turn)
    if not rows:
        return turn.reply("intros.status_off")
    groups = {g.id: g for g in await _active_groups(turn)}
    everywhere = any(r.group_id is None for r in rows)
    chosen = [groups[r.group_id].name for r in rows if r.group_id in groups]
    fields = [Fact(t("intros.field_where"), t("intros.where_all") if everywhere else (", ".join(sorted(chosen)) or t("intros.where_none")))]
    snooze = next((r.snooze_until for r in rows if r.snooze_until), None)
    if snooze and snooze > turn.today:
        fields.append(Fact(t("intros.field_snoozed"), snooze.isoformat()))
    return card_reply(Card(title=t("intros.status_title"), body=t("intros.status_body"), fields=tuple(fields)))


async def intros_opt_in(cmd: IntrosOptIn, turn: Turn) -> Reply:
    rows = await _rows(turn)
    if not cmd.group:
        if cmd.on:
            if any(r.group_id is None for r in rows):
                return turn.refuse("intros.already_on_all")
            snooze = next((r.snooze_until for r in rows if r.snooze_until), None)
            await turn.session.execute(delete(IntroOptIn).where(IntroOptIn.person_id == turn.person.id))
            turn.session.add(IntroOptIn(person_id=turn.person.id, group_id=None, snooze_until=snooze, created_at=turn.now))
            return turn.reply("intros.on_all")
        if not rows:
            return turn.refuse("intros.already_off")
        await turn.session.execute(delete(IntroOptIn).where(IntroOptIn.person_id == turn.person.id))
        return turn.reply("intros.off_all")
    group = await find_group(turn, cmd.group)
    if isinstance(group, Reply):
        return group
    mine = await _active_groups(turn)
    if group.id not in {g.id for g in mine}:
        return turn.refuse("intros.not_member", group=group.name)
    everywhere = next((r for r in rows if r.group_id is None), None)
    snooze = next((r.snooze_until for r in rows if r.snooze_until), None)
    if cmd.on:
        if everywhere is not None or any(r.group_id == group.id for r in rows):
            return turn.refuse("intros.already_on", group=group.name)
        turn.session.add(IntroOptIn(person_id=turn.person.id, group_id=group.id, snooze_until=snooze, created_at=turn.now))
        return turn.reply("intros.on_group", group=group.name, enabled="" if group.intros_enabled else turn.t("intros.not_enabled_yet"))
    if everywhere is not None:
        # "Every group but this one": the one row becomes a row for each of the person's other groups.
        await turn.session.delete(everywhere)
        for other in mine:
            if other.id != group.id:
                turn.session.add(IntroOptIn(person_id=turn.person.id, group_id=other.id, snooze_until=snooze, created_at=turn.now))
        return turn.reply("intros.off_group", group=group.name)
    row = next((r for r in rows if r.group_id == group.id), None)
    if row is None:
        return turn.refuse("intros.already_off_group", group=group.name)
    await turn.session.delete(row)
    return turn.reply("intros.off_group", group=group.name)


async def intros_snooze(cmd: IntrosSnooze, turn: Turn) -> Reply:
    if not await _rows(turn):
        return turn.refuse("intros.snooze_not_on")
    until = turn.today + timedelta(weeks=cmd.weeks) if cmd.weeks else None
    await turn.session.execute(update(IntroOptIn).where(IntroOptIn.person_id == turn.person.id).values(snooze_until=until))
    if until is None:
        return turn.reply("intros.unsnoozed")
    return turn.reply("intros.snoozed", until=until.isoformat())


async def intros_avoid(cmd: IntrosAvoid, turn: Turn) -> Reply:
    found = [p for p in await find_people(turn.session, cmd.person, mentioned_on=turn.inbound.actor) if p.id != turn.person.id]
    # The same sentence for "nobody" and "several": the list is private, and so is the directory.
    if len(found) != 1:
        return turn.refuse("intros.avoid_who")
    other = found[0]
    count = (await turn.session.execute(select(func.count()).select_from(IntroAvoid).where(IntroAvoid.person_id == turn.person.id))).scalar()
    exists = (await turn.session.execute(select(IntroAvoid).where(IntroAvoid.person_id == turn.person.id, IntroAvoid.avoid_id == other.id))).scalar_one_or_none()
    if exists is None:
        if count >= MAX_AVOID:
            return turn.refuse("intros.avoid_full", most=MAX_AVOID)
        turn.session.add(IntroAvoid(person_id=turn.person.id, avoid_id=other.id))
    # Nobody is told, the other person least of all.
    return turn.reply("intros.avoided")


async def intros_met(cmd: IntrosMet, turn: Turn) -> Reply:
    member = (
        await turn.session.execute(select(IntroPairMember).where(IntroPairMember.pair_id == cmd.pair_id, IntroPairMember.person_id == turn.person.id))
    ).scalar_one_or_none()
    if member is None:
        return turn.refuse("intros.no_such_pair")
    member.met = cmd.met
    return turn.reply("intros.thanks_met" if cmd.met else "intros.thanks_not_met")


async def group_intros(cmd: GroupIntros, turn: Turn) -> Reply:
    t = turn.t
    group = await find_group(turn, cmd.group)
    if isinstance(group, Reply):
        return group
    if not turn.roles.may_see_members(group.id):
        return turn.needs_role("facilitator", group.name)
    if cmd.switch == "on":
        group.intros_enabled = True
        group.intros_cadence = cmd.cadence or group.intros_cadence or "biweekly"
        turn.audit("intros_on", group_id=group.id, detail=group.intros_cadence)
        return turn.reply("intros.group_on", group=group.name, cadence=t(f"intros.cadence_{group.intros_cadence}"))
    if cmd.switch == "off":
        if not group.intros_enabled:
            return turn.refuse("intros.group_already_off", group=group.name)
        group.intros_enabled = False
        turn.audit("intros_off", group_id=group.id)
        return turn.reply("intros.group_off", group=group.name)
    rounds, proposed, met = await figures(turn.session, group.id)
    state = t("intros.state_on", cadence=t(f"intros.cadence_{group.intros_cadence}")) if group.intros_enabled else t("intros.state_off")
    fields = (
        Fact(t("intros.field_state"), state),
        Fact(t("intros.field_rounds"), str(rounds)),
        Fact(t("intros.field_met"), t("intros.met_of_proposed", met=count_label(t, met), proposed=count_label(t, proposed)) if proposed else t("intros.no_pairs_yet")),
    )
    return card_reply(Card(title=t("intros.group_title", group=group.name), body=t("intros.figures_note"), fields=fields))


async def figures(session, group_id: int) -> tuple[int, int, int]:
    """Rounds held, pairs proposed, and pairs where someone said they met, for one group."""
    rounds = (await session.execute(select(func.count()).select_from(IntroRound).where(IntroRound.group_id == group_id))).scalar()
    proposed = (
        await session.execute(select(func.count()).select_from(IntroPair).join(IntroRound, IntroRound.id == IntroPair.round_id).where(IntroRound.group_id == group_id))
    ).scalar()
    met = (
        await session.execute(
            select(func.count(func.distinct(IntroPairMember.pair_id)))
            .join(IntroPair, IntroPair.id == IntroPairMember.pair_id)
            .join(IntroRound, IntroRound.id == IntroPair.round_id)
            .where(IntroRound.group_id == group_id, IntroPairMember.met.is_(True))
        )
    ).scalar()
    return int(rounds), int(proposed), int(met)


HANDLERS = {
    IntrosStatus: intros_status,
    IntrosOptIn: intros_opt_in,
    IntrosSnooze: intros_snooze,
    IntrosAvoid: intros_avoid,
    IntrosMet: intros_met,
    GroupIntros: group_intros,
}
