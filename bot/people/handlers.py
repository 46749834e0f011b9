"""A person's own settings, what is kept about them, and forgetting them entirely."""

from __future__ import annotations

from sqlalchemy import delete, func, select, update

from bot import outbox
from bot.cards import card_reply
from bot.catalogue import Translator
from bot.people import forgotten
from bot.people.commands import Answer, ChangeSettings, ForgetMe, Privacy, ShowSettings
from bot.turn import Turn
from bot.types import Button, Card, Fact, Reply
from storage.models import Announcement, Group, Membership, OnboardingJourney, OutboxItem, Person, Rsvp


def _on_off(t: Translator, value: bool) -> str:
    return t("common.on") if value else t("common.off")


async def show_settings(cmd: ShowSettings, turn: Turn) -> Reply:
    t, p = turn.t, turn.person
    zone = p.timezone or str(turn.settings.timezone)
    return card_reply(
        Card(
            title=t("settings.title"),
            fields=(
                Fact(t("settings.field_dm"), _on_off(t, p.dm_ok)),
                Fact(t("settings.field_nudges"), _on_off(t, p.nudges_ok)),
                Fact(t("settings.field_language"), t(f"settings.language_{p.language}")),
                Fact(t("settings.field_timezone"), zone),
            ),
            body=t("settings.how"),
            actions=(
                Button(t("settings.button_dm_" + ("off" if p.dm_ok else "on")), "settings dm " + ("off" if p.dm_ok else "on")),
                Button(t("settings.button_nudges_" + ("off" if p.nudges_ok else "on")), "settings nudges " + ("off" if p.nudges_ok else "on")),
                Button(t("settings.button_language"), "settings language " + ("es" if p.language == "en" else "en")),
            ),
        )
    )


async def change_settings(cmd: ChangeSettings, turn: Turn) -> Reply:
    p = turn.person
    if cmd.dm is not None:
        p.dm_ok = cmd.dm
    if cmd.nudges is not None:
        p.nudges_ok = cmd.nudges
        if not cmd.nudges:
            # Reminders already written for them (due, not yet delivered) are not sent either.
            await turn.session.execute(
                delete(OutboxItem).where(OutboxItem.person_id == p.id, OutboxItem.kind == "nudge", OutboxItem.state == "queued")
            )
    if cmd.language is not None:
        p.language = cmd.language
        turn.t = Translator(cmd.language)
    if cmd.timezone is not None:
        p.timezone = cmd.timezone
    return await show_settings(ShowSettings(), turn)


async def privacy(cmd: Privacy, turn: Turn) -> Reply:
    t, p = turn.t, turn.person
    groups = (
        await turn.session.execute(
            select(Group.name, Membership.status)
            .join(Membership, Membership.group_id == Group.id)
            .where(Membership.person_id == p.id, Membership.status != "left")
            .order_by(Group.name)
        )
    ).all()
    listed = ", ".join(f"{name} ({t('groups.status_' + status)})" for name, status in groups) or t("privacy.no_groups")
    fields = (
        Fact(t("privacy.field_profile"), ", ".join(x for x in (p.name, p.email, p.job_role, p.site) if x)),
        Fact(t("privacy.field_groups"), listed),
        Fact(t("privacy.field_roles"), ", ".join(t(f"roles.{r}") for r in turn.roles.names()) or t("privacy.no_roles")),
        *await _kept_records(turn),
    )
    return card_reply(
        Card(
            title=t("privacy.title"),
            body=t("privacy.body"),
            fields=fields,
            actions=(Button(t("privacy.button_forget"), "forget-me", style="danger"),),
        )
    )


async def _kept_records(turn: Turn) -> tuple[Fact, ...]:
    """The other things kept about the person: meeting answers, their welcome messages, drafts and
    messages waiting to be sent to them — as counts and states, the way they would ask for them."""
    t, person_id = turn.t, turn.person.id

    async def count(statement) -> int:
        return int((await turn.session.execute(statement)).scalar_one())

    rsvps = await count(select(func.count()).select_from(Rsvp).where(Rsvp.person_id == person_id, Rsvp.occurs_at >= turn.now))
    queued = await count(select(func.count()).select_from(OutboxItem).where(OutboxItem.person_id == person_id, OutboxItem.state == "queued"))
    drafts = await count(
        select(func.count()).select_from(Announcement).where(Announcement.author_id == person_id, Announcement.sent_at.is_(None), Announcement.cancelled_at.is_(None))
    )
    journey = (await turn.session.execute(select(OnboardingJourney.stopped_at).where(OnboardingJourney.person_id == person_id))).first()
    if journey is None:
        welcome = t("privacy.welcome_none")
    else:
        welcome = t("privacy.welcome_stopped") if journey.stopped_at else t("privacy.welcome_on")
    facts = [
        Fact(t("privacy.field_rsvps"), str(rsvps)),
        Fact(t("privacy.field_welcome"), welcome),
        Fact(t("privacy.field_queued"), str(queued)),
    ]
    if drafts:
        facts.append(Fact(t("privacy.field_drafts"), str(drafts)))
    return tuple(facts)


async def forget_me(cmd: ForgetMe, turn: Turn) -> Reply:
    t = turn.t
    if not cmd.confirmed:
        buttons = turn.ask("forget-me --yes", t("privacy.button_forget_confirm"))
        return card_reply(Card(title=t("privacy.forget_title"), body=t("privacy.forget_body"), actions=buttons))
    await forget(turn.session, turn.person.id)
    return Reply(text=t("privacy.forgotten"))


async def forget(session, person_id: int) -> None:
    """Delete a person and everything linked to them (SPEC §4.5), keeping group counts true."""
    active = list(
        (await session.execute(select(Membership.group_id).where(Membership.person_id == person_id, Membership.status == "active"))).scalars()
    )
    for group_id in active:
        await session.execute(update(Group).where(Group.id == group_id).values(active_count=Group.active_count - 1))
    await outbox.forget_recipient(session, person_id)
    # Only a keyed hash of the e-mail stays, so no later import brings them back (SPEC §4.7).
    email = (await session.execute(select(Person.email).where(Person.id == person_id))).scalar_one_or_none()
    await forgotten.remember(session, email)
    # The rows that point at the person cascade or are set to NULL by foreign keys; deleting
    # through Core (not the ORM) keeps that in the database, where it holds for every table.
    await session.execute(delete(Person).where(Person.id == person_id))
    session.expunge_all()


async def answer(cmd: Answer, turn: Turn) -> Reply:
    p = turn.person
    pending, p.pending_command = p.pending_command, None
    live = pending and p.pending_until is not None and p.pending_until > turn.now
    p.pending_until = None
    if not cmd.yes:
        return turn.reply("common.cancelled") if live else turn.refuse("common.nothing_to_cancel")
    if not live:
        return turn.refuse("common.nothing_to_confirm")
    from bot.core import run_text

    return await run_text(pending, turn)


HANDLERS = {ShowSettings: show_settings, ChangeSettings: change_settings, Privacy: privacy, ForgetMe: forget_me, Answer: answer}
