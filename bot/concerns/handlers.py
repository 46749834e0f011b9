"""Filing a concern anonymously, following it up by its code, and the DEI office's handling.

Nothing in this module receives, stores, logs or sends who is filing: the handlers read only
`turn.t`, `turn.today`, `turn.session`, the district settings and, for the DEI office's own
commands, `turn.roles` and `turn.audit` (which records the DEI staff member, never a reporter).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import replace
from datetime import timedelta
from typing import Any, Mapping

from sqlalchemy import func, select

from bot.cards import card_reply
from bot.catalogue import DEFAULT_LANGUAGE, catalogue
from bot.concerns.case_code import format_case_code, new_case_code, parse_case_code
from bot.concerns.commands import (
    FILE_DIALOG,
    FILE_FORM,
    MAX_CONCERN_TEXT,
    STATUS_DIALOG,
    STATUS_FORM,
    AskCaseCode,
    CloseConcern,
    ConcernFollowup,
    ConcernStatus,
    ListConcerns,
    OpenConcernForm,
    ReplyConcern,
    ViewConcern,
)
from bot.concerns.throttle import ConcernThrottle
from bot.parsing import line, usage
from bot.people.identity import district_sites, site_options
from bot.roles import DEI_OFFICE
from bot.turn import Turn
from bot.types import Button, Card, Fact, Form, Input, Option, Reply
from storage.models import Concern, ConcernMessage

_REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode("ascii")).hexdigest()


def _new_id() -> str:
    return secrets.token_hex(16)


def _new_reference() -> str:
    body = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))
    return f"R-{body[:4]}-{body[4:]}"


def _category_label(turn: Turn, key: str) -> str:
    """The default categories are translated; a district's own are shown as configured."""
    catalogue_key = f"concerns.category_{key}"
    return turn.t(catalogue_key) if catalogue_key in catalogue(DEFAULT_LANGUAGE) else key.replace("_", " ")


async def _sites(turn: Turn) -> list[str]:
    return await district_sites(turn.session, turn.settings.district)


async def open_form(cmd: OpenConcernForm, turn: Turn) -> Reply:
    t = turn.t
    categories = tuple(Option(c, _category_label(turn, c)) for c in turn.settings.district.concern_categories)
    sites = tuple(Option(s, s) for s in await _sites(turn))
    form = Form(
        form_id=FILE_FORM,
        title=t("concerns.form_title"),
        submit_label=t("concerns.form_submit"),
        inputs=(
            Input("category", t("concerns.field_category"), kind="select", options=categories),
            Input("site", t("concerns.field_site"), kind="select", options=sites, required=False, hint=t("concerns.site_hint")),
            Input("what_happened", t("concerns.field_text"), kind="textarea", max_length=MAX_CONCERN_TEXT, hint=t("concerns.text_hint", limit=MAX_CONCERN_TEXT)),
        ),
    )
    return _confidential(card_reply(Card(title=t("concerns.form_title"), body=t("concerns.form_intro"), form=form)), FILE_DIALOG)


def _confidential(reply: Reply, dialog: str) -> Reply:
    """An answer kept out of chat history where a platform keeps one (Reply.dialog)."""
    return replace(reply, dialog=dialog)


async def submit(values: Mapping[str, Any], context: str, turn: Turn) -> Reply:
    t = turn.t
    category = str(values.get("category") or "").strip()
    site = str(values.get("site") or "").strip() or None
    text = str(values.get("what_happened") or "").strip()
    if category not in turn.settings.district.concern_categories:
        return turn.refuse("concerns.bad_category", choices=", ".join(turn.settings.district.concern_categories))
    if site is not None and site not in await _sites(turn):
        return turn.refuse("concerns.bad_site")
    if not text:
        return turn.refuse("concerns.empty")
    if len(text) > MAX_CONCERN_TEXT:
        return turn.refuse("concerns.too_long", length=len(text), limit=MAX_CONCERN_TEXT)
    throttle = turn.memory.setdefault("concern_throttle", ConcernThrottle())
    if not throttle.allow(turn.inbound.actor, turn.now):
        return turn.refuse("concerns.throttled")
    code = new_case_code()
    turn.session.add(
        Concern(
            id=_new_id(),
            code_hash=code_hash(code),
            reference=_new_reference(),
            category=category,
            site=site,
            text=text,
            status="open",
            filed_on=turn.today,
        )
    )
    shown = format_case_code(code)
    filed = card_reply(Card(title=t("concerns.filed_title"), body=t("concerns.filed_body", code=shown), fields=(Fact(t("concerns.field_code"), shown),)))
    return _confidential(filed, FILE_DIALOG)


#: Wrong case codes one person may type within an hour before `concern status` and `concern
#: followup` stop looking (SPEC §4.3: an in-memory, expiring counter, never written down).
CODE_GUESSES_PER_HOUR = 10


async def _by_code(turn: Turn, text: str) -> Concern | None:
    code = parse_case_code(text)
    if code is None:
        return None
    return (await turn.session.execute(select(Concern).where(Concern.code_hash == code_hash(code)))).scalar_one_or_none()


async def _by_reporter_code(turn: Turn, text: str) -> Concern | Reply:
    """The case a reporter's code opens, or the refusal: unknown code, or too many wrong ones."""
    guesses = turn.memory.setdefault("concern_code_guesses", ConcernThrottle(limit=CODE_GUESSES_PER_HOUR, window=timedelta(hours=1)))
    if guesses.exhausted(turn.inbound.actor, turn.now):
        return turn.refuse("concerns.too_many_codes", most=CODE_GUESSES_PER_HOUR)
    concern = await _by_code(turn, text)
    if concern is None:
        guesses.record(turn.inbound.actor, turn.now)
        return turn.refuse("concerns.no_such_code")
    return concern


async def _by_handle(turn: Turn, text: str) -> Concern | None:
    """A case by the DEI office's reference, or by a case code a reporter chose to share."""
    normalised = "".join(c for c in text.upper() if c.isalnum())
    if normalised.startswith("R") and len(normalised) == 9:
        reference = f"R-{normalised[1:5]}-{normalised[5:]}"
        found = (await turn.session.execute(select(Concern).where(Concern.reference == reference))).scalar_one_or_none()
        if found is not None:
            return found
    return await _by_code(turn, text)


async def _messages(turn: Turn, concern: Concern) -> list[ConcernMessage]:
    rows = await turn.session.execute(select(ConcernMessage).where(ConcernMessage.concern_id == concern.id).order_by(ConcernMessage.seq))
    return list(rows.scalars())


def _thread(turn: Turn, messages: list[ConcernMessage]) -> tuple[Fact, ...]:
    return tuple(Fact(turn.t(f"concerns.author_{m.author}", date=m.written_on.isoformat()), m.text) for m in messages)


async def status(cmd: ConcernStatus, turn: Turn) -> Reply:
    t = turn.t
    if not cmd.code:
        return await ask_code(AskCaseCode(), turn)
    concern = await _by_reporter_code(turn, cmd.code)
    if isinstance(concern, Reply):
        return concern
    messages = await _messages(turn, concern)
    fields = (
        Fact(t("concerns.field_status"), t(f"concerns.status_{concern.status}")),
        Fact(t("concerns.field_filed"), concern.filed_on.isoformat()),
        Fact(t("concerns.field_category"), _category_label(turn, concern.category)),
    ) + _thread(turn, messages)
    body = t("concerns.status_no_reply") if not any(m.author == "dei" for m in messages) else ""
    return _confidential(card_reply(Card(title=t("concerns.status_title"), body=body, fields=fields)), STATUS_DIALOG)


async def ask_code(cmd: AskCaseCode, turn: Turn) -> Reply:
    """`concern status` without a code: a form for it."""
    t = turn.t
    form = Form(
        form_id=STATUS_FORM,
        title=t("concerns.status_form_title"),
        submit_label=t("concerns.status_form_submit"),
        inputs=(Input("code", t("concerns.field_code"), max_length=40, hint=t("concerns.status_form_hint")),),
    )
    return _confidential(card_reply(Card(title=t("concerns.status_form_title"), body=t("concerns.status_form_intro"), form=form)), STATUS_DIALOG)


async def submit_code(values: Mapping[str, Any], context: str, turn: Turn) -> Reply:
    code = str(values.get("code") or "").strip()
    if not code:
        return _confidential(turn.refuse("concerns.missing_code", usage=usage(("concern", "status"), turn.t)), STATUS_DIALOG)
    return await status(ConcernStatus(code), turn)


async def _add_message(turn: Turn, concern: Concern, author: str, text: str) -> None:
    seq = (await turn.session.execute(select(func.coalesce(func.max(ConcernMessage.seq), 0)).where(ConcernMessage.concern_id == concern.id))).scalar()
    turn.session.add(ConcernMessage(id=_new_id(), concern_id=concern.id, seq=int(seq) + 1, author=author, text=text, written_on=turn.today))


async def followup(cmd: ConcernFollowup, turn: Turn) -> Reply:
    concern = await _by_reporter_code(turn, cmd.code)
    if isinstance(concern, Reply):
        return concern
    if concern.status == "closed":
        return turn.refuse("concerns.closed_file_new")
    await _add_message(turn, concern, "reporter", cmd.text)
    concern.status = "open"
    return turn.reply("concerns.followup_added")


def _dei_only(turn: Turn) -> Reply | None:
    if not (turn.roles.dei_office):
        return turn.needs_role(DEI_OFFICE)
    return None


async def view(cmd: ViewConcern, turn: Turn) -> Reply:
    t = turn.t
    refused = _dei_only(turn)
    if refused:
        return refused
    concern = await _by_handle(turn, cmd.handle)
    if concern is None:
        return turn.refuse("concerns.no_such_case")
    turn.audit("concern_viewed", detail=concern.reference)
    messages = await _messages(turn, concern)
    fields = (
        Fact(t("concerns.field_status"), t(f"concerns.status_{concern.status}")),
        Fact(t("concerns.field_filed"), concern.filed_on.isoformat()),
        Fact(t("concerns.field_category"), _category_label(turn, concern.category)),
        Fact(t("concerns.field_site"), concern.site or t("concerns.site_not_given")),
        Fact(t("concerns.field_text"), concern.text),
    ) + _thread(turn, messages)
    actions = (
        Button(t("concerns.button_close"), line(CloseConcern(concern.reference)), style="danger"),
    ) if concern.status != "closed" else ()
    return card_reply(Card(title=t("concerns.view_title", reference=concern.reference), body=t("concerns.reply_how", reference=concern.reference), fields=fields, actions=actions))


async def reply(cmd: ReplyConcern, turn: Turn) -> Reply:
    refused = _dei_only(turn)
    if refused:
        return refused
    concern = await _by_handle(turn, cmd.handle)
    if concern is None:
        return turn.refuse("concerns.no_such_case")
    if concern.status == "closed":
        return turn.refuse("concerns.closed_no_reply", reference=concern.reference)
    await _add_message(turn, concern, "dei", cmd.text)
    concern.status, concern.last_dei_on = "answered", turn.today
    turn.audit("concern_replied", detail=concern.reference)
    return turn.reply("concerns.replied", reference=concern.reference)


async def close(cmd: CloseConcern, turn: Turn) -> Reply:
    refused = _dei_only(turn)
    if refused:
        return refused
    concern = await _by_handle(turn, cmd.handle)
    if concern is None:
        return turn.refuse("concerns.no_such_case")
    concern.status = "closed"
    turn.audit("concern_closed", detail=concern.reference)
    return turn.reply("concerns.closed", reference=concern.reference)


async def list_cases(cmd: ListConcerns, turn: Turn) -> Reply:
    t = turn.t
    refused = _dei_only(turn)
    if refused:
        return refused
    statement = select(Concern).order_by(Concern.filed_on, Concern.reference)
    if not cmd.include_closed:
        statement = statement.where(Concern.status != "closed")
    cases = list((await turn.session.execute(statement)).scalars())
    if not cases:
        return turn.reply("concerns.list_none")
    fields = tuple(
        Fact(c.reference, t("concerns.list_line", filed=c.filed_on.isoformat(), category=_category_label(turn, c.category), site=c.site or t("concerns.site_not_given"), status=t(f"concerns.status_{c.status}")))
        for c in cases[:50]
    )
    return card_reply(Card(title=t("concerns.list_title", count=len(cases)), fields=fields))


HANDLERS = {
    OpenConcernForm: open_form,
    ConcernStatus: status,
    AskCaseCode: ask_code,
    ConcernFollowup: followup,
    ViewConcern: view,
    ReplyConcern: reply,
    CloseConcern: close,
    ListConcerns: list_cases,
}
FORMS = {FILE_FORM: submit, STATUS_FORM: submit_code}
#: The concern form's site list is searched as typed where a platform cannot show it whole.
CHOICES = {(FILE_FORM, "site"): site_options}
