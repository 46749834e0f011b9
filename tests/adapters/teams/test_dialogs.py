"""Concerns on Teams open in a dialog (task module): the case code and the DEI office's replies
are shown only in the dialog's invoke answers, never in a message to the chat.

Over real HTTP: activities posted to /api/messages, the fake connector recording every call the
bot makes. Teams keeps a chat's messages (and the tenant's compliance archive keeps them beside
who the person is); it keeps no history of a dialog.
"""

from __future__ import annotations

import json
import re

from sqlalchemy import select

from bot.catalogue import Translator
from storage.models import Concern, ConcernMessage
from tests.adapters.teams.conftest import MARIA, PERSONAL_CHAT
from tests.adapters.teams.replies import buttons, card_of, elements, text_of

CODE = re.compile(r"\b[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{5}\b")
TEXT = "The new scheduling rules keep the bilingual aides out of every planning meeting."
REPLY = "Thank you. We have met the principal; the schedule changes on Monday."
t = Translator("en")


def task(teams, name: str, data: dict) -> dict:
    """A dialog invoke as Teams posts it: {"data": the card's data and inputs, "context": theme}."""
    activity = teams.activity("invoke_card_action", sender=MARIA, value={"data": data, "context": {"theme": "default"}})
    activity["name"] = name
    return activity


async def invoke(teams, activity: dict) -> tuple[dict, list]:
    before = len(teams.connector.calls)
    status, body = await teams.post(activity)
    assert status == 200 and isinstance(body, dict)
    return body, teams.connector.calls[before:]


def dialog_card(body: dict) -> dict:
    assert body["task"]["type"] == "continue", body
    card = body["task"]["value"]["card"]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    return card["content"]


def carried(calls: list, *needles: str) -> list:
    return [c for c in calls if any(n and n.lower() in json.dumps(c.body or {}, ensure_ascii=False).lower() for n in needles)]


async def open_dialog(teams, typed: str) -> tuple[dict, list]:
    """Type `typed`, press the opener's button; the dialog's first card and every call made."""
    [opener] = await teams.say(typed)
    assert opener.conversation_id == PERSONAL_CHAT
    card = card_of(opener)
    assert card is not None and not [e for e in elements(card) if e["type"].startswith("Input.")], "the chat gets no form"
    button = buttons(card)[t("teams.dialog_open")]
    assert button["data"]["msteams"] == {"type": "task/fetch"}
    body, calls = await invoke(teams, task(teams, "task/fetch", button["data"]))
    return dialog_card(body), [opener] + calls


async def file_in_dialog(teams) -> tuple[str, list]:
    form, calls = await open_dialog(teams, "concern")
    submit = buttons(form)[t("concerns.form_submit")]
    body, more = await invoke(teams, task(teams, "task/submit", {**submit["data"], "in.category": "inclusion", "in.what_happened": TEXT}))
    shown = dialog_card(body)
    code = CODE.search(shown["fallbackText"]).group(0)
    assert t("concerns.filed_title") in json.dumps(shown, ensure_ascii=False)
    return code, calls + more


async def test_a_concern_is_filed_in_a_dialog_and_its_code_is_never_sent_to_the_chat(teams, district):
    code, calls = await file_in_dialog(teams)
    async with district.sessions() as s:
        concern = (await s.execute(select(Concern))).scalar_one()
    assert concern.text == TEXT and concern.category == "inclusion"
    assert carried(teams.connector.calls, code, code.replace("-", ""), TEXT) == []
    assert [c for c in calls if c.method != "GET"] == calls[:1], "only the opener was posted"


async def test_concern_status_answers_in_a_dialog_and_the_replies_never_reach_the_chat(teams, district):
    code, _ = await file_in_dialog(teams)
    async with district.sessions() as s:
        concern = (await s.execute(select(Concern))).scalar_one()
        s.add(ConcernMessage(id="m1", concern_id=concern.id, seq=1, author="dei", text=REPLY, written_on=concern.filed_on))
        concern.status = "answered"
        await s.commit()
    # Typed with the code, in the chat: the chat gets only the opener, not the case.
    form, calls = await open_dialog(teams, f"concern status {code}")
    assert REPLY not in json.dumps(calls[0].body, ensure_ascii=False)
    submit = buttons(form)[t("concerns.status_form_submit")]
    body, more = await invoke(teams, task(teams, "task/submit", {**submit["data"], "in.code": code.lower()}))
    shown = dialog_card(body)
    assert REPLY in json.dumps(shown, ensure_ascii=False) and t("concerns.status_answered") in shown["fallbackText"]
    assert more == [], "the answer is the invoke's own response"
    assert carried(teams.connector.calls, REPLY, code.replace("-", "")) == []
    # Only what she herself typed holds the code; nothing the bot sent does.
    assert carried(teams.connector.calls, code) == []


async def test_a_wrong_code_in_the_dialog_is_told_there(teams, district):
    form, _ = await open_dialog(teams, "concern status")
    submit = buttons(form)[t("concerns.status_form_submit")]
    body, calls = await invoke(teams, task(teams, "task/submit", {**submit["data"], "in.code": "0000-0000-00000"}))
    assert body["task"] == {"type": "message", "value": t("concerns.no_such_code")} and calls == []


async def test_a_dialog_invoke_without_the_openers_data_opens_nothing(teams, district):
    body, calls = await invoke(teams, task(teams, "task/fetch", {"action_id": "run", "value": "concern"}))
    assert body["task"] == {"type": "message", "value": t("teams.not_handled")} and calls == []
    status, _ = await teams.post(task(teams, "task/fetch", {"msteams": ["not", "an", "object"], "action_id": "teams.dialog", "value": "concern"}))
    assert status == 400


async def test_a_concern_card_left_in_the_chat_from_before_files_nothing_and_opens_the_dialog(teams, district):
    """A form card posted to the chat before concerns moved to dialogs may still be submitted:
    its answer (the code) could only go to the chat, so nothing is filed and the dialog is offered."""
    value = {"form_id": "concern.file", "context": "", "in.category": "inclusion", "in.what_happened": TEXT}
    before = len(teams.connector.calls)
    status, _ = await teams.post(teams.activity("submit_action", sender=MARIA, value=value))
    assert status == 200
    [opener] = [c for c in teams.connector.calls[before:] if c.method != "GET"]
    assert buttons(card_of(opener))[t("teams.dialog_open")]["data"]["value"] == "concern"
    async with district.sessions() as s:
        assert (await s.execute(select(Concern))).scalars().all() == []
    assert carried(teams.connector.calls, TEXT) == []
