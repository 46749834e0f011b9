"""The two pure translations: activities → Inbound, and Reply → Adaptive Card (and back)."""

from __future__ import annotations

import html
import json

import pytest
from hypothesis import given, settings, strategies as st

from adapters.teams.activity import command_text, inbound_from, profile_of, member_of, submission, where_of
from adapters.teams.cards import MESSAGE_LIMIT, adaptive_card, messages
from adapters.teams.connector import Encoded, wire_json
from bot.types import Action, Button, Card, Fact, Form, FormSubmission, Image, Input, Option, Reply
from tests.adapters.teams.conftest import CHANNEL, TENANT, fixture
from tests.adapters.teams.replies import buttons, elements

words = st.text(alphabet=st.characters(whitelist_categories=("Ll", "Lu", "Nd"), whitelist_characters="-_.'\"/é ñ"), min_size=1, max_size=60)
names = st.from_regex(r"[a-z][a-z0-9_]{0,15}", fullmatch=True)


@settings(max_examples=200, deadline=None)
@given(words)
def test_the_bots_mention_is_taken_out_and_the_rest_kept(typed):
    activity = fixture("message_channel_mention")
    activity["text"] = f"<at>Affinity</at> {html.escape(typed)}\n"
    assert command_text(activity) == " ".join(typed.split())


def test_other_mentions_become_the_names_they_show():
    activity = fixture("message_channel_mention")
    activity["text"] = "<at>Affinity</at> groups approve lgbtq-educators <at>Maria Lopez</at>"
    activity["entities"].append({"type": "mention", "text": "<at>Maria Lopez</at>", "mentioned": {"id": "29:someone", "name": "Maria Lopez"}})
    assert command_text(activity) == "groups approve lgbtq-educators Maria Lopez"


def test_a_channel_message_names_the_channel_and_its_thread():
    where = where_of(fixture("message_channel_mention"))
    assert (where.platform, where.tenant, where.conversation_id, where.kind) == ("teams", TENANT, CHANNEL, "channel")
    assert where.thread_id == "1757862131112"
    assert where_of(fixture("message_group_chat")).kind == "group"
    assert where_of(fixture("message_personal")).kind == "dm"


def test_a_personal_message_becomes_an_inbound_with_locale_and_time_zone():
    activity = fixture("message_personal")
    member = member_of(activity["from"])
    profile = profile_of(member, {"name": "Maria Lopez", "email": "Maria.Lopez@district.example"}, activity)
    inbound = inbound_from(activity, profile)
    assert inbound.text == "groups" and inbound.locale == "en-US"
    assert inbound.actor.user_id == "6a1f0e2c-7b3d-4c8e-9f10-2a3b4c5d6e7f"
    assert profile.timezone == "America/Chicago" and profile.email == "Maria.Lopez@district.example"


def test_the_emulator_without_tenant_or_aad_id_still_has_an_identity():
    activity = {"type": "message", "text": "help", "from": {"id": "user-1", "name": "User"}, "conversation": {"id": "conv-1"}, "recipient": {"id": "bot"}, "serviceUrl": "http://localhost:50000"}
    inbound = inbound_from(activity, None)
    assert (inbound.actor.tenant, inbound.actor.user_id) == ("local", "user-1")
    assert inbound.where.kind == "dm"


def test_activities_with_nothing_to_act_on_are_ignored():
    assert inbound_from({**fixture("message_personal"), "text": "<at>Affinity</at> "}, None) is None
    assert inbound_from({**fixture("submit_action"), "value": {"someone": "else's card"}}, None) is None
    assert inbound_from({**fixture("message_personal"), "type": "typing"}, None) is None


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=0, max_size=200))
def test_a_button_carries_its_command_line_back_unchanged(value):
    card = adaptive_card(Card(title="t", actions=(Button("Go", value),)))
    assert submission(buttons(card)["Go"]["data"]) == Action("run", value)


field = st.builds(
    lambda name, kind, required: (name, kind, required),
    names,
    st.sampled_from(["text", "textarea", "select", "multiselect", "number", "date", "time"]),
    st.booleans(),
)
plain = st.text(alphabet=st.characters(blacklist_characters=",", blacklist_categories=("Cs",)), max_size=30)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(field, min_size=1, max_size=6, unique_by=lambda f: f[0]),
    st.data(),
    names,
    plain,
)
def test_a_form_submitted_in_teams_reaches_the_core_as_it_was_filled(fields, data, form_id, context):
    options = tuple(Option(f"v{i}", f"Choice {i}") for i in range(4))
    form = Form(
        form_id=form_id,
        title="A form",
        submit_label="Send",
        context=context,
        inputs=tuple(Input(name, name.title(), kind=kind, options=options if "select" in kind else (), required=required) for name, kind, required in fields),
    )
    card = adaptive_card(Card(title="", form=form))
    filled: dict = {}
    teams_value = dict(buttons(card)["Send"]["data"])
    for element in elements(card):
        if not element["type"].startswith("Input."):
            continue
        name = element["id"].removeprefix("in.")
        if element.get("isMultiSelect"):
            chosen = tuple(data.draw(st.lists(st.sampled_from([o.value for o in options]), unique=True)))
            filled[name] = chosen
            teams_value[element["id"]] = ",".join(chosen)
        else:
            chosen = data.draw(st.sampled_from([o.value for o in options])) if element["type"] == "Input.ChoiceSet" else data.draw(plain)
            filled[name] = chosen
            teams_value[element["id"]] = chosen
    assert submission(teams_value) == FormSubmission(form_id, filled, context)


def test_plain_replies_keep_each_line_on_its_own():
    [rendered] = messages(Reply(text="Here:\n• one\n• two\n\nEnd"))
    assert rendered["text"] == "Here:\n\n• one\n\n• two\n\nEnd"
    assert "attachments" not in rendered


def test_a_card_shows_title_body_facts_and_sections():
    card = Card(
        title="Your settings",
        body="Change them with `settings dm off`.",
        fields=(Fact("Language", "English"),),
        sections=(Card(title="Section", body="Inside", actions=(Button("Leave", "groups leave x", style="danger"),)),),
    )
    content = adaptive_card(card, "text form")
    assert content["body"][0] == {"type": "TextBlock", "text": "Your settings", "weight": "Bolder", "size": "Medium", "wrap": True}
    assert content["body"][1]["text"] == "Change them with **settings dm off**."
    assert content["body"][2] == {"type": "FactSet", "facts": [{"title": "Language", "value": "English"}]}
    assert buttons(content)["Leave"]["style"] == "destructive"
    assert content["fallbackText"] == "text form"


def test_a_chart_is_embedded_and_a_huge_one_is_described_instead():
    small = Card(title="Chart", image=Image(png=b"\x89PNG" + b"0" * 100, alt="A line chart"))
    content = adaptive_card(small)
    [picture] = [e for e in elements(content) if e["type"] == "Image"]
    assert picture["url"].startswith("data:image/png;base64,") and picture["altText"] == "A line chart"
    huge = Card(title="Chart", image=Image(png=b"\x89PNG" + b"0" * 400_000, alt="A line chart"))
    assert [e["text"] for e in elements(adaptive_card(huge)) if e["type"] == "TextBlock"][-1] == "A line chart"


def test_a_card_too_big_for_one_teams_message_goes_as_several_cards():
    big = Card(title="Many", sections=tuple(Card(title=f"Group {i}", body="x" * 400) for i in range(60)))
    rendered = messages(Reply(text="Many groups", card=big))
    assert len(rendered) > 1 and all(r["attachments"] for r in rendered)
    [small] = messages(Reply(text="Few", card=Card(title="Few", body="y")))
    assert len(json.dumps(small).encode("utf-16-le")) < MESSAGE_LIMIT and small["attachments"]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
json_objects = st.dictionaries(st.text(max_size=8), json_values, max_size=5)


@settings(max_examples=200, deadline=None)
@given(json_objects, st.lists(st.tuples(json_objects, json_objects, st.booleans()), max_size=3))
def test_a_message_with_cards_encoded_once_is_sent_as_the_same_json(fields, attachments):
    body = {k: v for k, v in fields.items() if k != "attachments"}
    if attachments:
        body["attachments"] = [
            {**{k: v for k, v in rest.items() if k != "content"}, "content": Encoded(content) if encoded else content}
            for rest, content, encoded in attachments
        ]
    assert json.loads(wire_json(body)) == json.loads(json.dumps(body))


def test_a_card_is_encoded_once_and_cannot_be_changed_after():
    [rendered] = messages(Reply(text="Few", card=Card(title="Few, ñ", body="y")))
    card = rendered["attachments"][0]["content"]
    assert isinstance(card, Encoded) and json.loads(card.data) == card
    with pytest.raises(TypeError):
        card["body"] = []
    with pytest.raises(TypeError):
        card.update(version="1.6")
