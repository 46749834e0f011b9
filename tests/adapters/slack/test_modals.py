"""Forms become modals: opened with the trigger, submitted back to the core, errors under the field.

No feature of the core has a form yet, so this file adds a small one (`feedback`) to the
registry for its own tests: a command that answers with a Form, and the form's handler.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from bot import registry
from bot.cards import card_reply
from bot.features import Feature
from bot.parsing import Command, Spec
from bot.types import Button, Card, Form, Input, Option, Reply
from tests.adapters.slack.conftest import MARIA, button, buttons
from tests.adapters.slack.fake_slack import fixture


@dataclass(frozen=True)
class OpenFeedback(Command):
    pass


FEEDBACK_FORM = Form(
    form_id="feedback",
    title="Share feedback with the district office",
    submit_label="Send",
    context="round-7",
    inputs=(
        Input("note", "What happened", "textarea", max_length=500, hint="No names, please."),
        Input("mood", "How it felt", "select", options=(Option("good", "Good"), Option("bad", "Bad"))),
        Input("topics", "Topics", "multiselect", options=(Option("pay", "Pay"), Option("time", "Time")), required=False),
        Input("day", "Day", "date", required=False),
        Input("people", "People in the room", "number", required=False),
    ),
)


async def open_feedback(cmd: OpenFeedback, turn) -> Reply:
    return card_reply(Card(title="Feedback", body="Tell the district office, anonymously.", form=FEEDBACK_FORM))


async def feedback_submitted(values, context: str, turn) -> Reply:
    if not str(values.get("note", "")).strip():
        return Reply(text="What happened is empty: please say what happened.", refused=True)
    if values.get("note") == "nothing":
        return Reply(text="Something about this cannot be saved.", refused=True)
    echo = json.dumps({"values": {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}, "context": context}, sort_keys=True)
    return card_reply(Card(title="Thank you", body=echo, actions=(Button("See my groups", "groups mine"),)))


FEEDBACK = Feature(
    name="feedback",
    specs=(Spec(("feedback",), lambda a: OpenFeedback(), "help.help", listed=False),),
    handlers={OpenFeedback: open_feedback},
    forms={"feedback": feedback_submitted},
)


def _clear() -> None:
    for cached in (registry.features, registry.all_specs, registry.handlers, registry.forms, registry.events):
        cached.cache_clear()


@pytest.fixture(autouse=True)
def feedback_feature(monkeypatch):
    original = registry.features()
    _clear()
    monkeypatch.setattr(registry, "features", lambda: original + (FEEDBACK,))
    yield
    monkeypatch.undo()
    _clear()


def state(note: str = "", mood: str | None = None, topics: tuple[str, ...] = (), day: str | None = None, people: str | None = None) -> dict:
    """view.state.values as Slack sends them for the feedback modal."""
    return {
        "note": {"value": {"type": "plain_text_input", "value": note or None}},
        "mood": {"value": {"type": "static_select", "selected_option": {"text": {"type": "plain_text", "text": mood.title(), "emoji": True}, "value": mood} if mood else None}},
        "topics": {"value": {"type": "multi_static_select", "selected_options": [{"text": {"type": "plain_text", "text": t.title()}, "value": t} for t in topics]}},
        "day": {"value": {"type": "datepicker", "selected_date": day}},
        "people": {"value": {"type": "number_input", "value": people}},
    }


async def opened_modal(workspace) -> dict:
    status, body = await workspace.command("/feedback")
    assert status == 200 and body is None, "the acknowledgement is empty; the form opens as a modal"
    call = (await workspace.fake.wait_for("views.open"))[-1]
    assert call.args["trigger_id"] == fixture("slash_command")["trigger_id"]
    return call.args["view"]


async def test_a_form_opens_as_a_modal_with_one_input_per_field(workspace):
    view = await opened_modal(workspace)
    assert view["type"] == "modal" and view["callback_id"] == "affinity_form"
    assert len(view["title"]["text"]) <= 24 and view["submit"]["text"] == "Send"
    meta = json.loads(view["private_metadata"])
    assert meta == {"form": "feedback", "context": "round-7", "channel": "C0TEACHERS"}
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert list(inputs) == ["note", "mood", "topics", "day", "people"]
    assert inputs["note"]["element"] == {"type": "plain_text_input", "multiline": True, "max_length": 500, "action_id": "value"}
    assert inputs["note"]["hint"]["text"] == "No names, please." and inputs["note"]["optional"] is False
    assert [o["value"] for o in inputs["mood"]["element"]["options"]] == ["good", "bad"]
    assert inputs["topics"]["element"]["type"] == "multi_static_select" and inputs["topics"]["optional"] is True
    assert inputs["day"]["element"]["type"] == "datepicker" and inputs["people"]["element"]["type"] == "number_input"
    assert any(b["type"] == "section" and "anonymously" in b["text"]["text"] for b in view["blocks"])


async def test_a_submission_reaches_the_core_with_its_values_and_context(workspace):
    view = await opened_modal(workspace)
    status, body = await workspace.submit(view, state("It went well & quietly", "good", ("pay", "time"), "2026-09-15", "12"))
    assert status == 200
    assert body["response_action"] == "update"
    shown = body["view"]
    assert shown["type"] == "modal" and shown["title"]["text"] == "Thank you" and shown["close"]["text"] == "Close"
    echo = json.loads(shown["blocks"][0]["text"]["text"].replace("&amp;", "&"))
    assert echo == {
        "context": "round-7",
        "values": {"note": "It went well & quietly", "mood": "good", "topics": ["pay", "time"], "day": "2026-09-15", "people": "12"},
    }
    # Nothing went to a DM or a channel: the answer lives in the modal only.
    assert not workspace.fake.of("chat.postMessage") and not workspace.fake.of("response_url")


async def test_a_refusal_that_names_a_field_shows_under_that_field(workspace):
    view = await opened_modal(workspace)
    status, body = await workspace.submit(view, state("", "good"))
    assert status == 200
    assert body == {"response_action": "errors", "errors": {"note": "What happened is empty: please say what happened."}}


async def test_another_refusal_shows_above_the_form_and_keeps_it(workspace):
    view = await opened_modal(workspace)
    status, body = await workspace.submit(view, state("nothing", "bad"))
    assert body["response_action"] == "update"
    updated = body["view"]
    assert updated["blocks"][0]["block_id"] == "affinity_error"
    assert "cannot be saved" in updated["blocks"][0]["elements"][0]["text"]
    assert [b["block_id"] for b in updated["blocks"] if b["type"] == "input"] == ["note", "mood", "topics", "day", "people"]
    assert updated["callback_id"] == "affinity_form" and json.loads(updated["private_metadata"])["form"] == "feedback"
    assert "id" not in updated and "state" not in updated and "hash" not in updated
    # Submitting again after fixing it works, and the error line does not pile up.
    status, body = await workspace.submit(updated, state("better now", "good"))
    assert body["response_action"] == "update" and body["view"]["title"]["text"] == "Thank you"


async def test_a_button_inside_a_modal_updates_that_modal(workspace):
    view = await opened_modal(workspace)
    _, body = await workspace.submit(view, state("fine", "good"))
    result = body["view"]
    await workspace.press(button(result["blocks"], "See my groups"), where="modal", view={"id": "V0MODAL01", "private_metadata": result.get("private_metadata", "")})
    await workspace.idle()
    update = workspace.fake.of("views.update")[-1].args
    assert update["view_id"] == "V0MODAL01"
    assert update["view"]["type"] == "modal"


async def test_a_form_from_a_button_opens_with_the_buttons_trigger(workspace, district):
    # A message button whose command answers with a form opens the modal from the click.
    await workspace.press({"action_id": "run:0", "value": "feedback", "text": {"type": "plain_text", "text": "Feedback"}})
    await workspace.idle()
    opened = workspace.fake.of("views.open")[-1].args
    assert opened["trigger_id"] == fixture("block_actions_message")["trigger_id"]
    assert opened["view"]["callback_id"] == "affinity_form"


async def test_a_forged_or_foreign_submission_is_closed_without_reaching_the_core(workspace):
    view = await opened_modal(workspace)
    forged = dict(view, private_metadata="not json")
    status, body = await workspace.submit(forged, state("x", "good"))
    assert status == 200 and body is None
    unknown = dict(view, private_metadata=json.dumps({"form": "no-such-form", "context": ""}))
    status, body = await workspace.submit(unknown, state("x", "good"))
    assert body["response_action"] == "update" and "expired" in json.dumps(body)
