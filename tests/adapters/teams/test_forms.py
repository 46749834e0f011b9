"""Forms as Adaptive Card inputs, and their submissions back to the core as FormSubmission.

The core has no form of its own in this test's scope, so the test adds one to the registry's
tables (a command that shows it and a handler for its submission) and takes it out afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot import registry
from bot.core import run_text
from bot.parsing import Command, Spec
from bot.catalogue import Translator
from bot.types import Button, Card, Form, Input, Option, Reply
from tests.adapters.teams.replies import buttons, card_of, elements, text_of

FORM_ID = "groups.pick"


@dataclass(frozen=True)
class PickGroup(Command):
    pass


@pytest.fixture
def picked(monkeypatch):
    received: list[tuple] = []

    async def show(cmd, turn) -> Reply:
        form = Form(
            form_id=FORM_ID,
            title="Pick a group",
            submit_label="Join it",
            context="from-card",
            inputs=(
                Input("group", "Group", kind="select", options=(Option("lgbtq-educators", "LGBTQ+ Educators"), Option("new-teachers", "New Teachers Circle"))),
                Input("also", "Also interested in", kind="multiselect", required=False, options=(Option("bilingual-staff", "Bilingual"), Option("parents-on-staff", "Parents"))),
                Input("note", "Anything to add?", kind="textarea", required=False, max_length=500, hint="Only you see this."),
            ),
        )
        return Reply(text="Pick a group", card=Card(title="Pick a group", form=form, actions=(_cancel(),)))

    async def submitted(values, context, turn) -> Reply:
        received.append((dict(values), context))
        return await run_text(f"groups join {values['group']} --yes", turn)

    specs = registry.all_specs() + (Spec(("pick",), lambda args: PickGroup(), "help.help", listed=False),)
    monkeypatch.setattr(registry, "all_specs", lambda: specs)
    monkeypatch.setitem(registry.handlers(), PickGroup, show)
    monkeypatch.setitem(registry.forms(), FORM_ID, submitted)
    return received


def _cancel() -> Button:
    return Button("Cancel", "no")


async def test_a_form_renders_as_inputs_and_its_submission_reaches_the_core(teams, picked):
    [shown] = await teams.say("pick")
    card = card_of(shown)
    inputs = {e["id"]: e for e in elements(card) if e["type"].startswith("Input.")}
    assert inputs["in.group"]["type"] == "Input.ChoiceSet" and inputs["in.group"]["isRequired"] is True
    assert [c["value"] for c in inputs["in.group"]["choices"]] == ["lgbtq-educators", "new-teachers"]
    assert inputs["in.also"]["isMultiSelect"] is True
    assert inputs["in.note"]["isMultiline"] is True and inputs["in.note"]["maxLength"] == 500
    submit = buttons(card)["Join it"]
    # Cancel must work without filling the required fields first.
    assert buttons(card)["Cancel"]["associatedInputs"] == "none"

    # Teams merges the inputs' values into the pressed Action.Submit's data.
    value = {**submit["data"], "in.group": "lgbtq-educators", "in.also": "bilingual-staff,parents-on-staff", "in.note": ""}
    status, _ = await teams.post(teams.activity("submit_action", value=value))

    assert status == 200
    assert picked == [({"group": "lgbtq-educators", "also": ("bilingual-staff", "parents-on-staff"), "note": ""}, "from-card")]
    assert text_of(teams.connector.sent()[-1]).startswith("Welcome to LGBTQ+ Educators!")


async def test_the_recorded_form_submission_fixture_is_read_the_same_way(teams, picked):
    status, _ = await teams.post(teams.activity("submit_form"))
    assert status == 200
    assert picked == [({"group": "lgbtq-educators", "also": ("bilingual-staff", "parents-on-staff"), "note": ""}, "from-card")]


async def test_a_submission_of_an_unknown_form_changes_nothing(teams):
    status, _ = await teams.post(teams.activity("submit_form"))
    assert status == 200
    assert text_of(teams.connector.sent()[-1]) == Translator("en")("errors.unknown_form")
