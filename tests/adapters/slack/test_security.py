"""Only Slack may talk to the bot: signatures, replay window, malformed bodies, and quiet logs."""

from __future__ import annotations

import json
import logging
import time
from urllib.parse import urlencode

import pytest

from tests.adapters.slack.conftest import MARIA, SECRET, sign
from tests.adapters.slack.fake_slack import fixture

FORM = "application/x-www-form-urlencoded"


def command_body(text: str = "mine") -> bytes:
    form = fixture("slash_command")
    form.update(text=text)
    return urlencode(form).encode()


async def still_serving(workspace) -> None:
    async with workspace.session.get(workspace.base_url + "/healthz") as response:
        assert response.status == 200
    status, body = await workspace.command("/groups", "mine")
    assert status == 200 and body["text"]


@pytest.mark.parametrize(
    "signing",
    [
        {"secret": "not-the-signing-secret"},
        {"age": 301},
        {"age": -301},
    ],
    ids=["bad signature", "older than five minutes", "from the future"],
)
async def test_a_bad_or_stale_signature_gets_401_and_changes_nothing(workspace, signing):
    signing = dict(signing)
    if "age" in signing:
        signing["timestamp"] = int(time.time()) - signing.pop("age")
    status, _ = await workspace.post(command_body("join new-teachers --yes"), FORM, **signing)
    assert status == 401
    assert not workspace.fake.calls, "nothing was looked up or sent"
    await still_serving(workspace)


async def test_missing_signature_headers_get_401(workspace):
    async with workspace.session.post(workspace.base_url + "/slack/events", data=command_body(), headers={"Content-Type": FORM}) as response:
        assert response.status == 401


async def test_a_signature_over_a_different_body_gets_401(workspace):
    headers = {"Content-Type": FORM, **sign(command_body("mine"))}
    async with workspace.session.post(workspace.base_url + "/slack/events", data=command_body("join new-teachers --yes"), headers=headers) as response:
        assert response.status == 401


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"payload=%7Bnot-json", FORM),
        (b"payload=" + json.dumps([1, 2]).encode(), FORM),
        (b'{"type": "event_callback", "event": 3', "application/json"),
        (b"[]", "application/json"),
        (b"\xff\xfe\x00garbage", FORM),
        (b"", FORM),
        (urlencode({"payload": json.dumps({"type": "block_actions", "user": {"id": "U0MARIA"}, "actions": []})}).encode(), FORM),
        (urlencode({"payload": json.dumps({"type": "view_submission", "user": {"id": "U0MARIA"}})}).encode(), FORM),
        (urlencode({"payload": json.dumps({"type": "something_else"})}).encode(), FORM),
        (json.dumps({"type": "event_callback", "event": "team_join"}).encode(), "application/json"),
    ],
    ids=["payload not json", "payload a list", "json cut short", "json list", "not utf-8", "empty", "no actions", "no view", "unknown kind", "event not an object"],
)
async def test_a_malformed_but_signed_body_gets_400_and_the_server_keeps_serving(workspace, body, content_type):
    status, _ = await workspace.post(body, content_type)
    assert status == 400
    await still_serving(workspace)


async def test_a_malformed_unsigned_body_gets_401_not_400(workspace):
    status, _ = await workspace.post(b"payload=%7Bnot-json", FORM, secret="wrong")
    assert status == 401


async def test_a_submission_with_several_response_urls_is_answered(workspace):
    # A modal whose conversation menus ask for a response_url each: Slack sends them all.
    payload = fixture("view_submission")
    payload["response_urls"] = [{"block_id": "a", "action_id": "b", "channel_id": "C0TEACHERS", "response_url": workspace.fake.response_url("m")} for _ in range(2)]
    status, _ = await workspace.interact(payload)
    assert status == 200
    await still_serving(workspace)


async def test_a_command_mentioning_the_word_payload_is_still_a_command(workspace):
    # A form body is a payload only when it has a `payload` field.
    status, body = await workspace.command("/groups", "payload")
    assert status == 200 and body["response_type"] == "ephemeral"


async def test_a_forged_button_can_do_no_more_than_typing(workspace):
    # A button's value is parsed and role-checked like typed words: no facilitator powers here.
    await workspace.press({"action_id": "run:0", "value": "groups members lgbtq-educators", "text": {"type": "plain_text", "text": "x"}})
    await workspace.idle()
    answer = workspace.fake.of("response_url")[-1].args["text"]
    assert "facilitator" in answer.lower()
    assert "Jordan" not in answer


async def test_nothing_a_person_wrote_reaches_the_logs(workspace, captured_logs):
    secret_words = "my-private-words-7f3a"
    await workspace.command("/groups", f"{secret_words} zzz")
    await workspace.command("/settings", f"timezone {secret_words}")
    await workspace.press({"action_id": "run:0", "value": f"groups info {secret_words}", "text": {"type": "plain_text", "text": "x"}})
    await workspace.post(f"payload=%7B{secret_words}".encode(), FORM)
    await workspace.idle()
    assert workspace.fake.of("response_url"), "the click was answered"
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in captured_logs.records)
    assert secret_words not in logged
    assert MARIA.email not in logged
    assert not [r for r in captured_logs.records if r.name.startswith(("slack_bolt", "slack_sdk", "affinity.slack")) and r.levelno < logging.INFO]


# --- the order of the checks: size, then signature, then a bounded parse ---------------------

DEEP = {
    "arrays": (b"[" * 200_000, "application/json"),
    "objects": (b'{"a":' * 100_000, "application/json"),
    "payload field": (b"payload=" + b"%5B" * 100_000, FORM),
}


@pytest.mark.parametrize("name", list(DEEP))
async def test_a_deeply_nested_unsigned_body_gets_401_before_any_parsing(workspace, name):
    body, content_type = DEEP[name]
    async with workspace.session.post(workspace.base_url + "/slack/events", data=body, headers={"Content-Type": content_type}) as response:
        assert response.status == 401
    status, _ = await workspace.post(body, content_type, secret="not-the-signing-secret")
    assert status == 401
    await still_serving(workspace)


@pytest.mark.parametrize("name", list(DEEP))
async def test_a_deeply_nested_signed_body_gets_400_not_a_recursion_error(workspace, name):
    body, content_type = DEEP[name]
    status, _ = await workspace.post(body, content_type)
    assert status == 400
    await still_serving(workspace)


async def test_json_nested_as_deep_as_slack_nests_it_is_parsed():
    from adapters.slack.inbound import MAX_DEPTH, Malformed, bounded_json, nesting

    assert nesting('{"a": "[[[[{{{{", "b": [[1]], "c": "\\\\\\"[["}') == 3
    assert bounded_json("[" * MAX_DEPTH + "]" * MAX_DEPTH)
    with pytest.raises(Malformed):
        bounded_json("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))


TWO_MIB = b"payload=" + b"x" * (2 * 1024 * 1024)


@pytest.mark.parametrize("signed_too", [False, True], ids=["unsigned", "signed"])
async def test_a_body_over_one_mebibyte_gets_413_from_its_content_length(workspace, signed_too):
    headers = {"Content-Type": FORM, **(sign(TWO_MIB) if signed_too else {})}
    async with workspace.session.post(workspace.base_url + "/slack/events", data=TWO_MIB, headers=headers) as response:
        assert response.status == 413
    await still_serving(workspace)


async def test_a_chunked_body_over_one_mebibyte_gets_413_while_it_is_read(workspace):
    async def chunks():
        for start in range(0, len(TWO_MIB), 256 * 1024):
            yield TWO_MIB[start : start + 256 * 1024]

    headers = {"Content-Type": FORM, **sign(TWO_MIB)}
    async with workspace.session.post(workspace.base_url + "/slack/events", data=chunks(), headers=headers) as response:
        assert response.request_info.headers.get("Transfer-Encoding") == "chunked"
        assert response.status == 413
    await still_serving(workspace)


async def test_a_body_just_under_the_limit_is_read_and_checked(workspace):
    body = command_body("mine") + b"&filler=" + b"x" * (1024 * 1024 - 2048)
    status, _ = await workspace.post(body, FORM)
    assert status == 200


# --- signed bodies of the wrong shape: 400, no row (issue 11's findings, one each) -------------

def _interaction(kind: str, **changes) -> bytes:
    payload = fixture({"block_actions": "block_actions_message", "view_submission": "view_submission"}[kind])
    payload.pop("response_url", None)
    for path, value in changes.items():
        target = payload
        *parents, last = path.split("__")
        for step in parents:
            target = target[step]
        target[last] = value
    return urlencode({"payload": json.dumps(payload)}).encode()


def _event(**changes) -> bytes:
    payload = fixture("event_app_home_opened")
    for path, value in changes.items():
        if path.startswith("event__"):
            payload["event"][path[7:]] = value
        else:
            payload[path] = value
    return json.dumps(payload).encode()


def _command(**changes) -> bytes:
    form = fixture("slash_command")
    form.update(text="join lgbtq-educators --yes")
    form.pop("response_url")
    for key, value in changes.items():
        if value is None:
            form.pop(key)
        else:
            form[key] = value
    return urlencode(form).encode()


WRONG = {
    "authorizations a string": (_event(authorizations="T0DISTRICT"), "application/json"),
    "authorizations of numbers": (_event(authorizations=[1, 2]), "application/json"),
    "authorizations nested in authorizations": (_event(authorizations=[{"team_id": "T0DISTRICT", "authorizations": False}]), "application/json"),
    "event.user a number": (_event(event__user=12345), "application/json"),
    "event.channel an object without an id string": (_event(event__channel={"id": 7}), "application/json"),
    "team_id a list": (_event(team_id=["T0DISTRICT"]), "application/json"),
    "event with no workspace": (_event(team_id=""), "application/json"),
    "view.state element without its type": (_interaction("view_submission", view__state={"values": {"site": {"value": {}}}}), FORM),
    "response_urls null": (_interaction("view_submission", response_urls=None), FORM),
    "junk view.state": (_interaction("view_submission", view__state={"values": [1, 2]}), FORM),
    "view.state element a string": (_interaction("view_submission", view__state={"values": {"a": {"b": "c"}}}), FORM),
    "private_metadata an object": (_interaction("view_submission", view__private_metadata={"form": "concern.file"}), FORM),
    "trigger_id a list": (_interaction("block_actions", trigger_id=["x", "y"]), FORM),
    "a NUL key": (_interaction("block_actions", **{"user__a\x00b": "x"}), FORM),
    "user id with a NUL": (_interaction("block_actions", user__id="U0MARIA\x00"), FORM),
    "a button in a view without the view's id": (_interaction("block_actions", container={"type": "view", "view_id": "V0X"}, view={"": None}), FORM),
    "actions of strings": (_interaction("block_actions", actions=["run:0"]), FORM),
    "command without team_id": (_command(team_id=None), FORM),
    "command with an empty team_id": (_command(team_id=""), FORM),
    "command user id not a Slack id": (_command(user_id="maria"), FORM),
}


@pytest.mark.parametrize("name", list(WRONG))
async def test_a_signed_body_of_the_wrong_shape_gets_400_and_writes_nothing(workspace, district, name):
    from tests.support.fuzz import grown, row_counts

    body, content_type = WRONG[name]
    before = await row_counts(district.engine)
    status, _ = await workspace.post(body, content_type)
    await workspace.idle()
    assert status == 400
    assert grown(before, await row_counts(district.engine)) == {}
    assert not workspace.fake.calls, "nothing was looked up or sent"
    await still_serving(workspace)
