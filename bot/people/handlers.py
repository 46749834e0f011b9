"""A person's own settings, what is kept about them, and forgetting them entirely."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import delete, func, select, update

from bot import outbox
from bot.cards import card_reply
from bot.catalogue import Translator
from bot.parsing import line
from bot.people import export_links, forgotten, records
from bot.people.commands import Answer, ChangeSettings, ForgetMe, Privacy, PrivacyExport, ShowSettings
from bot.turn import Turn
from bot.types import Button, Card, Fact, File, Reply
from storage.models import Announcement, Group, IntroAvoid, IntroOptIn, Membership, MentorProfile, OnboardingJourney, OutboxItem, Person, Rsvp


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
                Button(t("settings.button_dm_" + ("off" if p.dm_ok else "on")), line(ChangeSettings(dm=not p.dm_ok))),
                Button(t("settings.button_nudges_" + ("off" if p.nudges_ok else "on")), line(ChangeSettings(nudges=not p.nudges_ok))),
                Button(t("settings.button_language"), line(ChangeSettings(language="es" if p.language == "en" else "en"))),
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
            sections=(Card(title=t("privacy.records_title"), fields=await _every_kind(turn), body=t("privacy.records_body")),),
            actions=(
                Button(t("privacy.button_export"), line(PrivacyExport())),
                Button(t("privacy.button_forget"), line(ForgetMe()), style="danger"),
            ),
        )
    )


#: Kinds already shown in detail above the list of every kind.
_SHOWN_ABOVE = {"profile": "privacy.field_profile", "memberships": "privacy.field_groups", "roles": "privacy.field_roles", "welcome_messages": "privacy.field_welcome"}


def record_label(t: Translator, name: str) -> str:
    return t(_SHOWN_ABOVE.get(name, f"privacy.record_{name}"))


async def _every_kind(turn: Turn) -> tuple[Fact, ...]:
    """One line for every kind of record kept about the person (bot/people/records.py), with the
    details people asked for: the mentoring profile, intro opt-ins and the do-not-pair list."""
    t, session, pid = turn.t, turn.session, turn.person.id
    counts = await records.counts(session, pid)
    facts = []
    for kind in records.KINDS:
        if kind.name in _SHOWN_ABOVE:
            continue
        count = counts[kind.name]
        value = t("privacy.count_none") if count == 0 else str(count)
        if count and kind.name == "mentoring_profile":
            value = await _mentoring_profile(turn)
        elif count and kind.name == "intro_opt_ins":
            rows = (
                await session.execute(
                    select(Group.name, IntroOptIn.snooze_until).outerjoin(Group, Group.id == IntroOptIn.group_id).where(IntroOptIn.person_id == pid).order_by(Group.name)
                )
            ).all()
            value = ", ".join(
                (name or t("privacy.intro_every_group")) + (f" ({t('privacy.snoozed_until', date=snooze.isoformat())})" if snooze else "") for name, snooze in rows
            )
        elif count and kind.name == "do_not_pair":
            names = (await session.execute(select(Person.name).join(IntroAvoid, IntroAvoid.avoid_id == Person.id).where(IntroAvoid.person_id == pid).order_by(Person.name))).scalars()
            value = ", ".join(names)
        facts.append(Fact(record_label(t, kind.name), value))
    return tuple(facts)


async def _mentoring_profile(turn: Turn) -> str:
    t = turn.t
    profiles = (await turn.session.execute(select(MentorProfile).where(MentorProfile.person_id == turn.person.id).order_by(MentorProfile.id))).scalars()
    said = []
    for p in profiles:
        parts = [f"{t('mentoring.role_' + p.role)} ({t('mentoring.state_' + p.state)})"]
        if p.site:
            parts.append(t("privacy.profile_site", site=p.site))
        if p.languages:
            parts.append(t("privacy.profile_languages", languages=", ".join(p.languages)))
        if p.subjects:
            parts.append(t("privacy.profile_subjects", subjects=", ".join(p.subjects)))
        if p.themes:
            parts.append(t("privacy.profile_themes", themes=", ".join(f"{t('mentoring.theme_' + k)} {v}" for k, v in p.themes.items())))
        if p.match_groups:
            names = (await turn.session.execute(select(Group.name).where(Group.id.in_(p.match_groups)).order_by(Group.name))).scalars()
            parts.append(t("privacy.profile_groups", groups=", ".join(names)))
        said.append("; ".join(parts))
    return " · ".join(said)


#: Where the bot cannot hand a person a file: Teams gets a short-lived signed link instead
#: (bot/people/export_links.py), shown only in a dialog; without AFFINITY_PUBLIC_URL, none.
PLATFORMS_WITHOUT_FILES = frozenset({"teams"})
EXPORT_DIALOG = line(PrivacyExport())


async def privacy_export(cmd: PrivacyExport, turn: Turn) -> Reply:
    """The person's own records as a JSON file (bot/people/records.py), never anyone else's."""
    if turn.inbound.actor.platform in PLATFORMS_WITHOUT_FILES:
        if not turn.settings.public_url:
            return turn.refuse("privacy.export_no_files")
        token = await export_links.issue(turn.session, turn.person.id, turn.now)
        url = export_links.link(turn.settings.public_url, token)
        card = Card(title=turn.t("privacy.export_link_title"), body=turn.t("privacy.export_link", url=url, minutes=export_links.LINK_MINUTES))
        return replace(card_reply(card), dialog=EXPORT_DIALOG)
    data = await records.export(turn.session, turn.person)
    content = records.export_json(data, turn.now)
    filename = f"affinity-records-{turn.today.isoformat()}.json"
    kinds = sum(1 for rows in data.values() if rows)
    return Reply(text=turn.t("privacy.export_ready", filename=filename, kinds=kinds), file=File(content=content, filename=filename))


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
        buttons = turn.ask(ForgetMe(confirmed=True), t("privacy.button_forget_confirm"))
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


HANDLERS = {ShowSettings: show_settings, ChangeSettings: change_settings, Privacy: privacy, PrivacyExport: privacy_export, ForgetMe: forget_me, Answer: answer}
