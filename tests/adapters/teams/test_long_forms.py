"""A form works at any district size in Teams: with 154 sites the concern card (shown in a dialog,
adapters/teams/dialogs.py) no longer fits in one message, so its site list is asked for in two steps (type part of the name, then choose among
what matches) — never a card without inputs, never a silent cut. Every card produced is valid
Adaptive Cards 1.5 and carries its complete text, labels and hints included, as fallbackText."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import aiohttp
import jsonschema
import pytest
from sqlalchemy import select

from adapters.teams.cards import MESSAGE_LIMIT, adaptive_card, fallback_text, messages
from adapters.teams.search import FIND_ACTION, FIND_FORM
from bot.bootstrap import Runtime
from bot.catalogue import Translator
from bot.core import Bot
from bot.types import Button, Card, Form, Input, Option, Reply
from storage.models import Concern
from tests.adapters.teams.conftest import MARIA, TeamsClient, serve, teams_app
from tests.adapters.teams.replies import buttons, card_of, elements, text_of
from tests.adapters.teams.test_concerns import CODE, TEXT, inputs_of

SCHEMA_FILE = Path("/work/shared/schemas/adaptive-card-1.5.json")
LINCOLN = ("Lincoln Elementary", "Lincoln Middle School", "Lincoln High School", "Abraham Lincoln Academy", "Lincolnshire Early Learning Center")
SITES = LINCOLN + ("José Martí Elementary", "Jefferson High") + tuple(f"Site {n:03d} Campus of the Unified School District" for n in range(147))
assert len(SITES) == 154
t = Translator("en")


@pytest.fixture(scope="module")
def schema():
    if not SCHEMA_FILE.exists():
        pytest.skip(f"{SCHEMA_FILE} (the official Adaptive Cards 1.5 schema) is not on this machine")
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def valid(schema, card: dict) -> None:
    jsonschema.validate(card, schema)


@pytest.fixture
async def large(district, connector):
    """The demo district with 154 sites, behind the Teams endpoint."""
    settings = replace(district.settings, district=replace(district.settings.district, sites=SITES))
    runtime = Runtime(settings, district.engine, district.sessions, Bot(district.sessions, settings, district.clock), district.clock)
    runner, url = await serve(teams_app(runtime))
    async with aiohttp.ClientSession() as session:
        yield TeamsClient(url, connector, session)
    await runner.cleanup()


async def press(client: TeamsClient, value: dict) -> list:
    """Submit a card of the dialog: what the dialog shows next (nothing is posted to the chat)."""
    shown, calls = await client.in_dialog("task/submit", value)
    assert [c for c in calls if c.method != "GET"] == []
    return [shown]


async def opened(client: TeamsClient) -> list:
    shown, _ = await client.open_dialog("concern")
    return [shown]


async def test_a_154_site_district_files_a_concern_at_any_site_in_two_steps(large, district, schema):
    [shown] = await opened(large)
    first = card_of(shown)
    assert first is not None, "a card with inputs, not a text"
    valid(schema, first)
    assert len(json.dumps(shown.body, ensure_ascii=False).encode("utf-16-le")) <= MESSAGE_LIMIT + 2000
    find = buttons(first)[t("teams.find_button")]
    assert find["data"]["form_id"] == FIND_FORM
    assert "in.query" in inputs_of(first)
    # Its text form says what to do, with the box's label and hint.
    assert t("concerns.field_site") in text_of(shown) and "Type part of the name" in text_of(shown)

    # Step 2: the sites matching "lincoln" (case and accents folded), in the real form.
    [chosen] = await press(large, {**find["data"], "in.query": "lincoln"})
    form = card_of(chosen)
    valid(schema, form)
    inputs = inputs_of(form)
    assert list(inputs) == ["in.category", "in.site", "in.what_happened"]
    assert [c["value"] for c in inputs["in.site"]["choices"]] == list(LINCOLN[:3]) + [LINCOLN[4], LINCOLN[3]] or set(c["value"] for c in inputs["in.site"]["choices"]) == set(LINCOLN)
    assert "5 match" in text_of(chosen)
    assert t("teams.find_again") in buttons(form)

    # A site far down the list is reachable too.
    [martí] = await press(large, {**find["data"], "in.query": "jose marti"})
    assert [c["value"] for c in inputs_of(card_of(martí))["in.site"]["choices"]] == ["José Martí Elementary"]
    [last] = await press(large, {**find["data"], "in.query": "site 146"})
    assert [c["value"] for c in inputs_of(card_of(last))["in.site"]["choices"]] == ["Site 146 Campus of the Unified School District"]

    # Submitting step 2 is submitting the real form: the case is filed at that site.
    submit = buttons(card_of(last))[t("concerns.form_submit")]
    sent = await press(large, {**submit["data"], "in.category": "safety", "in.site": "Site 146 Campus of the Unified School District", "in.what_happened": TEXT})
    assert any(CODE.search(text_of(c)) for c in sent)
    async with district.sessions() as session:
        assert (await session.execute(select(Concern.site))).scalars().all() == ["Site 146 Campus of the Unified School District"]


async def test_finding_nothing_or_leaving_the_site_out_says_so(large, district, schema):
    [shown] = await opened(large)
    find = buttons(card_of(shown))[t("teams.find_button")]
    [none] = await press(large, {**find["data"], "in.query": "zzzz"})
    assert t("teams.find_none", query="zzzz") in text_of(none) and "in.query" in inputs_of(card_of(none))
    # The site is optional: left empty, the form comes without it, and says so.
    [without] = await press(large, {**find["data"], "in.query": ""})
    valid(schema, card_of(without))
    assert list(inputs_of(card_of(without))) == ["in.category", "in.what_happened"]
    assert t("teams.find_left_out", label=t("concerns.field_site")) in text_of(without)
    # Search again goes back to step 1.
    again = buttons(card_of(without))[t("teams.find_again")]
    assert again["data"]["action_id"] == FIND_ACTION
    [back] = await press(large, again["data"])
    assert "in.query" in inputs_of(card_of(back))


async def test_a_forged_search_step_shows_nothing_it_should_not(large, district):
    [shown] = await opened(large)
    find = buttons(card_of(shown))[t("teams.find_button")]
    for context in ("not json", json.dumps({"f": "concern.file"}), "[]", json.dumps({"f": FIND_FORM, "t": "", "s": "", "c": "", "n": "x", "h": ["", ""], "i": []})):
        [answer] = await press(large, {**find["data"], "context": context, "in.query": "lincoln"})
        assert card_of(answer) is None and text_of(answer) == t("teams.not_handled")


def test_a_small_district_keeps_one_card_with_every_site(schema):
    form = Form("concern.file", "Tell us", "Send", (Input("site", "Site", kind="select", options=tuple(Option(s, s) for s in SITES[:12]), required=False, hint="Optional"),))
    [one] = messages(Reply(text="Concern", card=Card(title="Concern", form=form)))
    content = one["attachments"][0]["content"]
    valid(schema, content)
    assert len([c for e in elements(content) if e.get("id") == "in.site" for c in e["choices"]]) == 12


def test_every_form_cards_fallback_carries_its_labels_and_hints():
    form = Form("mentor.profile", "Your profile", "Save", (Input("site", "Your site", hint="Where you work most days"), Input("subjects", "Subjects you teach", required=False)))
    card = Card(title="Mentoring", body="Tell us about yourself.", form=form, actions=(Button("Cancel", "mentor"),))
    content = adaptive_card(card, fallback_text(card, "Mentoring\nTell us about yourself."))
    for words in ("Mentoring", "Tell us about yourself.", "Your profile", "Your site", "Where you work most days", "Subjects you teach"):
        assert words in content["fallbackText"]


async def test_the_concern_and_mentor_cards_are_valid_and_complete_in_their_text(teams, schema):
    for command in ("concern", "mentor join mentee", "mentor join mentor", "groups", "help", "settings", "privacy"):
        for call in await teams.say(command):
            card = card_of(call)
            if card is None:
                continue
            valid(schema, card)
            fallback = card["fallbackText"]
            for element in elements(card):
                if element.get("type", "").startswith("Input."):
                    assert element["label"] in fallback, f"{command}: {element['label']!r} is not in the text form"
                if element.get("type") == "TextBlock" and element.get("isSubtle") and element.get("size") == "Small":
                    assert element["text"].replace("**", "") in fallback.replace("`", ""), f"{command}: the hint {element['text']!r} is not in the text form"
