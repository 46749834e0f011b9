"""The pure translations: Slack payloads to Inbound, and any Card to Block Kit within Slack's limits."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from adapters.slack.inbound import from_action, from_command, from_event, parse_body, payload_tenant, tenant, typed_text
from adapters.slack.render import card_blocks, escape, form_view, home_view, message
from bot.types import Action, Button, Card, Fact, Form, Image, Input, Option, Reply
from tests.adapters.slack.fake_slack import fixture

text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400)
short = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=120)
buttons = st.lists(st.builds(Button, label=short, value=short, style=st.sampled_from([None, "primary", "danger"])), max_size=30)
facts = st.lists(st.builds(Fact, label=short, value=text), max_size=14)
leaf = st.builds(Card, title=st.one_of(st.just(""), short), body=text, fields=facts, actions=buttons)
cards = st.builds(
    Card,
    title=short,
    body=st.text(max_size=9000),
    fields=facts,
    actions=buttons,
    sections=st.lists(leaf, max_size=14),
    image=st.one_of(st.none(), st.builds(Image, png=st.just(b"\x89PNG"), alt=short)),
)


def _limits(blocks: list[dict], most: int) -> None:
    assert len(blocks) <= most
    for block in blocks:
        if block["type"] == "header":
            assert 0 < len(block["text"]["text"]) <= 150
        if block["type"] == "section":
            if "text" in block:
                assert 0 < len(block["text"]["text"]) <= 3000
            assert len(block.get("fields", ())) <= 10
            assert all(len(f["text"]) <= 2000 for f in block.get("fields", ()))
        if block["type"] == "actions":
            assert 0 < len(block["elements"]) <= 25
            for element in block["elements"]:
                assert 0 < len(element["text"]["text"]) <= 75 and len(element["value"]) <= 2000


@settings(max_examples=150, deadline=None)
@given(cards, text)
def test_any_card_renders_within_slacks_limits_with_the_full_text_as_fallback(card, words):
    reply = Reply(text=words or "x", card=card)
    rendered = message(reply)
    assert rendered["text"] == escape(reply.text)
    _limits(rendered["blocks"], 50)
    _limits(home_view(reply)["blocks"], 100)
    ids = [e["action_id"] for b in rendered["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert len(ids) == len(set(ids)), "action ids are unique within a message"


@settings(max_examples=100, deadline=None)
@given(st.lists(st.builds(Button, label=short, value=short), min_size=1, max_size=20), st.data())
def test_every_rendered_button_comes_back_as_the_command_it_carries(actions, data):
    blocks = card_blocks(Card(title="t", actions=tuple(actions)))
    rendered = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    index = data.draw(st.integers(0, len(rendered) - 1))
    payload = fixture("block_actions_message")
    payload["actions"][0].update(action_id=rendered[index]["action_id"], value=rendered[index]["value"])
    assert from_action(payload).action == Action("run", actions[index].value)


@settings(max_examples=150, deadline=None)
@given(text)
def test_escaping_and_typed_text_undo_each_other(words):
    assert typed_text(escape(words)) == words


def test_slack_markup_in_typed_text():
    assert typed_text("approve staff-voices <@U0MARIA|maria.lopez>") == "approve staff-voices <@U0MARIA>"
    assert typed_text("<@W0GRIDUSER>") == "<@W0GRIDUSER>"
    assert typed_text("invite x <mailto:ana@district.example|ana@district.example>") == "invite x ana@district.example"
    assert typed_text("see <https://district.example/erg|the page> &amp; <#C0TEACHERS|teachers>") == "see https://district.example/erg & <#C0TEACHERS>"
    assert typed_text("a &lt;b&gt;") == "a <b>"


def test_commands_become_the_words_a_person_would_type():
    body = fixture("slash_command")
    assert from_command({**body, "command": "/groups", "text": "join lgbtq-educators"}).text == "groups join lgbtq-educators"
    assert from_command({**body, "command": "/affinity", "text": "groups mine"}).text == "affinity groups mine"
    assert from_command({**body, "command": "/FORGET-ME", "text": ""}).text == "forget-me"
    inbound = from_command({**body, "channel_id": "D0MARIABOT", "channel_name": "directmessage"})
    assert (inbound.actor.platform, inbound.actor.tenant, inbound.actor.user_id) == ("slack", "T0DISTRICT", "U0MARIA")
    assert inbound.where.kind == "dm"


def test_enterprise_grid_people_are_keyed_by_the_org():
    body = fixture("slash_command")
    assert from_command({**body, "enterprise_id": "E0DISTRICTS"}).actor.tenant == "E0DISTRICTS"
    payload = fixture("block_actions_message")
    payload["enterprise"] = {"id": "E0DISTRICTS", "name": "Districts"}
    assert payload_tenant(payload) == "E0DISTRICTS"
    assert tenant(None, "T0DISTRICT") == "T0DISTRICT"


def test_events_become_neutral_events():
    joined = from_event(fixture("event_team_join"))
    assert joined.event == "person_appeared" and joined.profile.email == "sam.rivera@district.example"
    assert joined.profile.locale == "es-MX" and joined.profile.timezone == "America/Chicago"
    home = from_event(fixture("event_app_home_opened"))
    assert home.event == "home_opened" and home.actor.user_id == "U0MARIA"


def test_a_form_body_is_a_payload_only_with_a_payload_field():
    assert parse_body("command=%2Fgroups&text=payload", "application/x-www-form-urlencoded")["text"] == "payload"
    assert parse_body('payload={"type":"block_actions"}', "application/x-www-form-urlencoded") == {"type": "block_actions"}


def test_form_fields_map_to_slack_elements():
    form = Form(
        "f",
        "A title longer than twenty-four characters",
        "Send it now please thank you",
        (
            Input("a", "A", "text", initial="x", max_length=9000),
            Input("b", "B", "select", options=(Option("1", "One"), Option("2", "Two")), initial="2"),
            Input("c", "C", "multiselect", options=(Option("1", "One"), Option("2", "Two")), initial=("1", "2")),
            Input("d", "D", "time", initial="09:30", required=False),
        ),
        context="ctx",
    )
    view = form_view(Reply(text="x"), form, {"channel": "C1"})
    assert len(view["title"]["text"]) <= 24 and len(view["submit"]["text"]) <= 24
    header, a, b, c, d = view["blocks"]
    assert header["text"]["text"] == "A title longer than twenty-four characters"
    assert a["element"]["initial_value"] == "x" and "max_length" not in a["element"]  # above Slack's 3000: the core checks it
    assert b["element"]["initial_option"]["value"] == "2"
    assert [o["value"] for o in c["element"]["initial_options"]] == ["1", "2"]
    assert d["element"] == {"type": "timepicker", "initial_time": "09:30", "action_id": "value"} and d["optional"] is True
