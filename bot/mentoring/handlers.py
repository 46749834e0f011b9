"""What the `mentor` commands do: one's own profile, the DEI office's matching, and answering offers."""

from __future__ import annotations

from typing import Any, Mapping

from sqlalchemy import or_, select

from bot import outbox
from bot.cards import card_reply
from bot.catalogue import Translator
from bot.mentoring.commands import AnswerOffer, EndMatch, JoinMentoring, LeaveMentoring, MentorHome, MentorStatus, PauseMentoring, RunMatching
from bot.mentoring.matching import MAX_CAPACITY, THEMES, plan_matches
from bot.mentoring.pool import GRADE_BANDS, LANGUAGES, LIVE, active_group_ids, group_points, language_name, load_pool, reasons_json, say_reasons, weights_of
from bot.people.identity import district_sites, site_options
from bot.turn import Turn
from bot.parsing import line
from bot.readers import read_number
from bot.types import Button, Card, Fact, Form, Input, Option, Reply
from storage.models import Group, MentorMatch, MentorProfile, Person

PROFILE_FORM = "mentor_profile"
#: Longest free-text answer (job role, subjects); longer is refused, never cut.
MAX_ANSWER = 200
MAX_SUBJECTS = 10
#: How many pairs the dry run lists in one reply before saying how many more there are.
DRY_RUN_LIMIT = 200


async def _profiles(turn: Turn) -> list[MentorProfile]:
    rows = await turn.session.execute(select(MentorProfile).where(MentorProfile.person_id == turn.person.id).order_by(MentorProfile.role))
    return list(rows.scalars())


async def mentor_home(cmd: MentorHome, turn: Turn) -> Reply:
    t = turn.t
    if any(p.state != "left" for p in await _profiles(turn)):
        return await mentor_status(MentorStatus(), turn)
    return card_reply(
        Card(
            title=t("mentoring.home_title"),
            body=t("mentoring.home_body"),
            actions=(Button(t("mentoring.button_mentee"), line(JoinMentoring("mentee")), style="primary"), Button(t("mentoring.button_mentor"), line(JoinMentoring("mentor")))),
        )
    )


async def open_profile_form(cmd: JoinMentoring, turn: Turn) -> Reply:
    t = turn.t
    existing = next((p for p in await _profiles(turn) if p.role == cmd.role), None)
    groups = await _member_groups(turn)
    person = turn.person
    sites = await _sites(turn)
    inputs = [
        # A select's initial value must be one of its options (Slack rejects the modal otherwise).
        Input("site", t("mentoring.field_site"), kind="select", options=tuple(Option(s, s) for s in sites), required=False,
              initial=next((s for s in ((existing.site if existing else person.site),) if s in sites), None)),
        Input("job_role", t("mentoring.field_job_role"), required=False, max_length=MAX_ANSWER, initial=(existing.job_role if existing else person.job_role)),
        Input("subjects", t("mentoring.field_subjects"), required=False, max_length=MAX_ANSWER, hint=t("mentoring.subjects_hint"),
              initial=", ".join(existing.subjects) if existing and existing.subjects else None),
        Input("grade_band", t("mentoring.field_grade_band"), kind="select", required=False,
              options=tuple(Option(g, t(f"mentoring.grade_{g}")) for g in GRADE_BANDS), initial=existing.grade_band if existing else None),
        Input("languages", t("mentoring.field_languages"), kind="multiselect", required=False,
              options=tuple(Option(code, language_name(t, code)) for code in LANGUAGES),
              initial=tuple(existing.languages) if existing else tuple(code for code in (person.language,) if code in LANGUAGES)),
        Input("match_groups", t("mentoring.field_groups"), kind="multiselect", required=False, hint=t("mentoring.groups_hint"),
              options=tuple(Option(str(g.id), g.name) for g in groups),
              initial=tuple(str(g) for g in existing.match_groups) if existing else ()),
    ]
    # A choice with nothing to choose from is left out (Slack refuses an empty select).
    inputs = [i for i in inputs if i.kind not in ("select", "multiselect") or i.options]
    levels = tuple(Option(str(level), t(f"mentoring.level_{level}")) for level in (1, 2, 3))
    for theme in THEMES:
        current = (existing.themes or {}).get(theme) if existing else None
        inputs.append(Input(f"theme_{theme}", t("mentoring.field_theme", theme=t(f"mentoring.theme_{theme}")), kind="select", options=levels, required=False,
                            initial=str(current) if current else None))
    if cmd.role == "mentor":
        inputs.append(Input("capacity", t("mentoring.field_capacity", most=MAX_CAPACITY), kind="select",
                            options=tuple(Option(str(n), str(n)) for n in range(1, MAX_CAPACITY + 1)),
                            initial=str(existing.capacity) if existing and existing.capacity else "1"))
    form = Form(form_id=PROFILE_FORM, title=t(f"mentoring.form_title_{cmd.role}"), submit_label=t("mentoring.form_submit"), inputs=tuple(inputs), context=cmd.role)
    return card_reply(Card(title=t(f"mentoring.form_title_{cmd.role}"), body=t("mentoring.form_intro"), form=form))


async def _member_groups(turn: Turn) -> list[Group]:
    ids = await active_group_ids(turn.session, turn.person.id)
    if not ids:
        return []
    return list((await turn.session.execute(select(Group).where(Group.id.in_(ids)).order_by(Group.name))).scalars())


async def _sites(turn: Turn) -> list[str]:
    return await district_sites(turn.session, turn.settings.district)


def _many(value: Any) -> list[str]:
    """A multiselect answer: a list (Slack, Teams) or comma-separated text (typed)."""
    if value is None:
        return []
    items = value if isinstance(value, (list, tuple)) else str(value).split(",")
    return [str(v).strip() for v in items if str(v).strip()]


def _one(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        value = value[0] if value else ""
    return str(value or "").strip()


async def submit_profile(values: Mapping[str, Any], context: str, turn: Turn) -> Reply:
    t = turn.t
    role = context
    if role not in ("mentor", "mentee"):
        return turn.refuse("errors.unknown_form")
    site = _one(values.get("site")) or None
    if site is not None and site not in await _sites(turn):
        return turn.refuse("mentoring.bad_site")
    job_role = _one(values.get("job_role")) or None
    subjects_text = _one(values.get("subjects")) if not isinstance(values.get("subjects"), (list, tuple)) else ",".join(values["subjects"])
    for answer in (job_role or "", subjects_text):
        if len(answer) > MAX_ANSWER:
            return turn.refuse("mentoring.too_long", length=len(answer), limit=MAX_ANSWER)
    subjects = sorted({s.casefold() for s in _many(subjects_text)})
    if len(subjects) > MAX_SUBJECTS:
        return turn.refuse("mentoring.too_many_subjects", limit=MAX_SUBJECTS)
    grade_band = _one(values.get("grade_band")) or None
    if grade_band is not None and grade_band not in GRADE_BANDS:
        return turn.refuse("mentoring.bad_grade_band", choices=", ".join(GRADE_BANDS))
    languages = sorted(set(_many(values.get("languages"))))
    if any(code not in LANGUAGES for code in languages):
        return turn.refuse("mentoring.bad_language", choices=", ".join(LANGUAGES))
    mine = await active_group_ids(turn.session, turn.person.id)
    chosen: list[int] = []
    for raw in _many(values.get("match_groups")):
        group_id = read_number(raw)
        if group_id not in mine:
            # Only groups the person belongs to, and only by their own choice.
            return turn.refuse("mentoring.bad_group")
        chosen.append(group_id)
    themes: dict[str, int] = {}
    for theme in THEMES:
        level = _one(values.get(f"theme_{theme}"))
        if not level:
            continue
        if level not in ("1", "2", "3"):
            return turn.refuse("mentoring.bad_level", theme=t(f"mentoring.theme_{theme}"))
        themes[theme] = int(level)
    capacity = None
    if role == "mentor":
        raw = _one(values.get("capacity")) or "1"
        capacity = read_number(raw, most=MAX_CAPACITY)
        if not capacity:
            return turn.refuse("mentoring.bad_capacity", most=MAX_CAPACITY)
    profile = next((p for p in await _profiles(turn) if p.role == role), None)
    if profile is None:
        profile = MentorProfile(person_id=turn.person.id, role=role, created_at=turn.now)
        turn.session.add(profile)
    profile.state = "active"
    profile.site, profile.job_role, profile.subjects, profile.grade_band = site, job_role, subjects, grade_band
    profile.languages, profile.match_groups, profile.themes, profile.capacity = languages, sorted(set(chosen)), themes, capacity
    return turn.reply(f"mentoring.joined_{role}")


async def mentor_status(cmd: MentorStatus, turn: Turn) -> Reply:
    t = turn.t
    profiles = [p for p in await _profiles(turn) if p.state != "left"]
    if not profiles:
        return turn.refuse("mentoring.not_participant")
    fields = [Fact(t(f"mentoring.role_{p.role}"), t(f"mentoring.state_{p.state}")) for p in profiles]
    matches = list(
        (
            await turn.session.execute(
                select(MentorMatch)
                .where(or_(MentorMatch.mentee_id == turn.person.id, MentorMatch.mentor_id == turn.person.id), MentorMatch.state.in_(LIVE))
                .order_by(MentorMatch.id)
            )
        ).scalars()
    )
    names = await _names(turn, {m.mentee_id for m in matches} | {m.mentor_id for m in matches})
    actions: list[Button] = []
    for match in matches:
        other = match.mentor_id if match.mentee_id == turn.person.id else match.mentee_id
        as_role = "mentee" if match.mentee_id == turn.person.id else "mentor"
        fields.append(Fact(t(f"mentoring.match_{match.state}", id=match.id), t(f"mentoring.match_with_{as_role}", name=names.get(other, "?"))))
        if match.state == "proposed" and _answer_of(match, turn.person.id) is None:
            actions += _offer_buttons(t, match.id)
    if any(p.state == "active" for p in profiles):
        actions.append(Button(t("mentoring.button_pause"), line(PauseMentoring())))
    actions.append(Button(t("mentoring.button_leave"), line(LeaveMentoring()), style="danger"))
    return card_reply(Card(title=t("mentoring.status_title"), fields=tuple(fields), actions=tuple(actions)))


async def _names(turn: Turn, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict((await turn.session.execute(select(Person.id, Person.name).where(Person.id.in_(ids)))).all())


def _answer_of(match: MentorMatch, person_id: int) -> str | None:
    return match.mentee_answer if match.mentee_id == person_id else match.mentor_answer


def _offer_buttons(t: Translator, match_id: int) -> list[Button]:
    return [
        Button(t("mentoring.button_accept"), line(AnswerOffer(match_id, True)), style="primary"),
        Button(t("mentoring.button_decline"), line(AnswerOffer(match_id, False)), style="danger"),
    ]


async def pause_mentoring(cmd: PauseMentoring, turn: Turn) -> Reply:
    profiles = [p for p in await _profiles(turn) if p.state == "active"]
    if not profiles:
        return turn.refuse("mentoring.nothing_to_pause")
    for profile in profiles:
        profile.state = "paused"
    return turn.reply("mentoring.paused")


async def leave_mentoring(cmd: LeaveMentoring, turn: Turn) -> Reply:
    profiles = [p for p in await _profiles(turn) if p.state != "left"]
    if not profiles:
        return turn.refuse("mentoring.not_participant")
    for profile in profiles:
        profile.state = "left"
    matches = (
        await turn.session.execute(
            select(MentorMatch).where(or_(MentorMatch.mentee_id == turn.person.id, MentorMatch.mentor_id == turn.person.id), MentorMatch.state.in_(LIVE))
        )
    ).scalars()
    for match in matches:
        match.state, match.decided_at = ("ended" if match.state == "accepted" else "declined"), turn.now
    return turn.reply("mentoring.left")


async def run_matching(cmd: RunMatching, turn: Turn) -> Reply:
    if not (turn.roles.dei_office or turn.roles.admin):
        return turn.needs_role("dei_office")
    reply, detail = await match_now(turn.session, turn.settings, turn.now, turn.t, dry_run=cmd.dry_run, groups_visible=turn.roles.admin)
    turn.audit("mentor_match", detail=detail)
    return reply


async def match_now(session, settings, now, t: Translator, *, dry_run: bool, groups_visible: bool = True) -> tuple[Reply, str]:
    """Plan the matches (and, unless a dry run, offer them); the reply and the audit detail (counts
    only). Shared by `mentor match` and `affinity-bot match`; the caller checks roles, audits
    and commits. Without `groups_visible` (the DEI office) shared groups are neither said nor
    counted in the scores shown."""
    today = now.astimezone(settings.timezone).date()
    pool = await load_pool(session, today)
    weights = weights_of(settings.district.mentor_weights)
    plan = plan_matches(pool.mentees, pool.mentors, weights, pool.excluded)
    detail = f"dry_run={int(dry_run)} pairs={len(plan.pairs)} unmatched={len(plan.unmatched)}"
    name = {pid: p.name for pid, p in pool.people.items()}
    sections = []
    for pair in plan.pairs[:DRY_RUN_LIMIT]:
        sections.append(pair_section(t, name[pair.mentee_id], name[pair.mentor_id], pair, weights, groups_visible))
    more = t("mentoring.more_pairs", count=len(plan.pairs) - DRY_RUN_LIMIT) if len(plan.pairs) > DRY_RUN_LIMIT else ""
    unmatched = tuple(Fact(name[u.person_id], t(f"mentoring.unmatched_{u.reason_key}")) for u in plan.unmatched[:DRY_RUN_LIMIT])
    if unmatched:
        sections.append(Card(title=t("mentoring.unmatched_title", count=len(plan.unmatched)), fields=unmatched))
    total = sum(_shown_score(pair, weights, groups_visible) for pair in plan.pairs)
    summary = t("mentoring.plan_summary", pairs=len(plan.pairs), total=f"{round(total, 3):g}", unmatched=len(plan.unmatched))
    if dry_run:
        body = "\n".join(x for x in (summary, more, t("mentoring.dry_run_note")) if x)
        return card_reply(Card(title=t("mentoring.dry_run_title"), body=body, sections=tuple(sections))), detail
    for pair in plan.pairs:
        await propose(session, settings, now, pool.people, pair)
    body = "\n".join(x for x in (summary, more, t("mentoring.proposed_note", days=settings.district.mentor_accept_days)) if x)
    return card_reply(Card(title=t("mentoring.proposed_title"), body=body, sections=tuple(sections))), detail


def pair_section(t: Translator, mentee: str, mentor: str, pair, weights, groups_visible: bool) -> Card:
    """One proposed pair of the dry run: names, the score and reasons its reader may be shown."""
    return Card(
        title=t("mentoring.pair_line", mentee=mentee, mentor=mentor, score=f"{_shown_score(pair, weights, groups_visible):g}"),
        body=say_reasons(t, pair.reasons, groups_visible),
    )


def _shown_score(pair, weights, groups_visible: bool) -> float:
    return pair.score if groups_visible else round(pair.score - group_points(pair.reasons, weights), 3)


def offer_card(pt: Translator, as_role: str, them: Person, reasons, days: int, match_id: int) -> Card:
    """The offer one of the pair reads. It says nothing of groups: a mentor in one group told "you
    share a group" would know the mentee's membership (docs/privacy.md)."""
    about = ", ".join(x for x in (them.job_role, them.site) if x)
    return Card(
        title=pt(f"mentoring.offer_title_{as_role}"),
        body=pt(f"mentoring.offer_body_{as_role}", name=them.name, about=about or pt("mentoring.about_unknown"),
                reasons=say_reasons(pt, reasons), days=days, id=match_id),
        actions=tuple(_offer_buttons(pt, match_id)),
    )


async def propose(session, settings, now, people: Mapping[int, Person], pair) -> MentorMatch:
    """Record a proposed match and offer it to both people, each in their language."""
    match = MentorMatch(
        mentee_id=pair.mentee_id, mentor_id=pair.mentor_id, state="proposed", score=pair.score,
        reasons=reasons_json(pair.reasons), proposed_at=now,
    )
    session.add(match)
    await session.flush()
    days = settings.district.mentor_accept_days
    for me, other, as_role in ((pair.mentee_id, pair.mentor_id, "mentee"), (pair.mentor_id, pair.mentee_id, "mentor")):
        person, them = people[me], people[other]
        card = offer_card(Translator(person.language), as_role, them, match.reasons, days, match.id)
        await outbox.enqueue(
            session, key=f"mentor-offer:{match.id}:{me}", kind="mentor_offer", reply=card_reply(card, ephemeral=False),
            now=now, person_id=me, about_id=other,
        )
    return match


async def _own_match(turn: Turn, match_id: int) -> MentorMatch | Reply:
    match = await turn.session.get(MentorMatch, match_id)
    if match is None or turn.person.id not in (match.mentee_id, match.mentor_id):
        # The same sentence whether the match exists or not: ids say nothing about others' matches.
        return turn.refuse("mentoring.no_such_match", id=match_id)
    return match


async def answer_offer(cmd: AnswerOffer, turn: Turn) -> Reply:
    match = await _own_match(turn, cmd.match_id)
    if isinstance(match, Reply):
        return match
    if match.state != "proposed":
        return turn.refuse(f"mentoring.offer_{match.state}", id=match.id)
    answer = "accept" if cmd.accept else "decline"
    if match.mentee_id == turn.person.id:
        match.mentee_answer = answer
    else:
        match.mentor_answer = answer
    if not cmd.accept:
        match.state, match.decided_at = "declined", turn.now
        return turn.reply("mentoring.declined")
    if match.mentee_answer == "accept" and match.mentor_answer == "accept":
        match.state, match.decided_at = "accepted", turn.now
        return turn.reply("mentoring.accepted_both")
    return turn.reply("mentoring.accepted_waiting")


async def end_match(cmd: EndMatch, turn: Turn) -> Reply:
    match = await _own_match(turn, cmd.match_id)
    if isinstance(match, Reply):
        return match
    if match.state != "accepted":
        return turn.refuse("mentoring.not_active_match", id=match.id)
    match.state, match.decided_at = "ended", turn.now
    return turn.reply("mentoring.ended", id=match.id)


HANDLERS = {
    MentorHome: mentor_home,
    JoinMentoring: open_profile_form,
    MentorStatus: mentor_status,
    PauseMentoring: pause_mentoring,
    LeaveMentoring: leave_mentoring,
    RunMatching: run_matching,
    AnswerOffer: answer_offer,
    EndMatch: end_match,
}
FORMS = {PROFILE_FORM: submit_profile}
#: The mentor profile's site list is searched as typed where a platform cannot show it whole.
CHOICES = {(PROFILE_FORM, "site"): site_options}
