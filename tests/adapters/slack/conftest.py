"""Slack over real HTTP: the serve app on port 0, a fake Slack Web API on port 0, signed requests."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import time
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp import web

from adapters.slack import ADAPTER
from bot.bootstrap import Runtime, build_web_app
from tests.adapters.slack.fake_slack import TEAM, FakeSlack, Person, fixture

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_TOKEN = "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy"

MARIA = Person("U0MARIA", "maria.lopez@district.example", "Maria Lopez")
JORDAN = Person("U0JORDAN", "jordan.reyes@district.example", "Jordan Reyes")
DANA = Person("U0DANA", "dana.whitfield@district.example", "Dana Whitfield")
LUIS = Person("U0LUIS", "luis.hernandez@district.example", "Luis Hernandez", locale="es-MX")


def sign(body: bytes, secret: str = SECRET, timestamp: int | None = None) -> dict[str, str]:
    """Slack's v0 signature headers for `body`, computed here independently of the code under test."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


class Workspace:
    """One Slack workspace sending the bot what Slack sends: commands, clicks, submissions, events."""

    def __init__(self, base_url: str, fake: FakeSlack, session: aiohttp.ClientSession, app: web.Application) -> None:
        self.base_url = base_url
        self.fake = fake
        self.session = session
        self.app = app

    @property
    def adapter(self):
        return self.app[ADAPTER]

    async def idle(self) -> None:
        """Wait for everything the bot does after acknowledging."""
        await self.adapter.idle()

    async def post(self, body: bytes, content_type: str, headers: dict[str, str] | None = None, **signing: Any) -> tuple[int, Any]:
        sent = {"Content-Type": content_type, **sign(body, **signing), **(headers or {})}
        async with self.session.post(self.base_url + "/slack/events", data=body, headers=sent) as response:
            text = await response.text()
            try:
                return response.status, json.loads(text) if text else None
            except ValueError:
                return response.status, text

    async def command(self, command: str, text: str = "", user: Person = MARIA, **fields: Any) -> tuple[int, Any]:
        form = fixture("slash_command")
        form.update(command=command, text=text, user_id=user.user_id, user_name=user.email.split("@")[0])
        form["response_url"] = self.fake.response_url("cmd")
        form.update(fields)
        return await self.post(urlencode(form).encode(), "application/x-www-form-urlencoded")

    async def interact(self, payload: dict[str, Any], **signing: Any) -> tuple[int, Any]:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return await self.post(body, "application/x-www-form-urlencoded", **signing)

    async def press(self, button: dict[str, Any], user: Person = MARIA, where: str = "message", view: dict[str, Any] | None = None) -> tuple[int, Any]:
        """Click a rendered Block Kit button in a message, on Home (`where="home"`) or in a modal."""
        payload = fixture("block_actions_home" if where != "message" else "block_actions_message")
        payload["user"].update(id=user.user_id, username=user.email.split("@")[0], name=user.email.split("@")[0])
        action = payload["actions"][0]
        action.update(action_id=button["action_id"], value=button["value"], text=button["text"], block_id="blk")
        if "style" in button:
            action["style"] = button["style"]
        else:
            action.pop("style", None)
        if where == "message":
            payload["response_url"] = self.fake.response_url("act")
        elif where == "modal":
            assert view is not None
            payload["container"] = {"type": "view", "view_id": view["id"]}
            payload["view"] = {**payload["view"], **view, "type": "modal"}
        return await self.interact(payload)

    async def submit(self, view: dict[str, Any], values: dict[str, Any], user: Person = MARIA) -> tuple[int, Any]:
        """Submit a modal as opened by views.open, with `values` by block id (Slack's state shape)."""
        payload = fixture("view_submission")
        payload["user"].update(id=user.user_id, username=user.email.split("@")[0], name=user.email.split("@")[0])
        submitted = copy.deepcopy(payload["view"])
        submitted.update({k: v for k, v in view.items() if k in ("blocks", "private_metadata", "callback_id", "title", "submit", "close")})
        submitted["state"] = {"values": values}
        payload["view"] = submitted
        return await self.interact(payload)

    async def event(self, payload: dict[str, Any], headers: dict[str, str] | None = None) -> tuple[int, Any]:
        return await self.post(json.dumps(payload).encode(), "application/json", headers=headers)


def buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for b in blocks if b.get("type") == "actions" for e in b["elements"]]


def button(blocks: list[dict[str, Any]], label: str) -> dict[str, Any]:
    found = [b for b in buttons(blocks) if b["text"]["text"] == label]
    assert found, f"no button {label!r} among {[b['text']['text'] for b in buttons(blocks)]}"
    return found[0]


async def serve_slack(runtime: Runtime, fake: FakeSlack, **slack_settings: Any):
    settings = replace(runtime.settings, slack_api_url=fake.api_url, **slack_settings)
    slack_runtime = Runtime(settings, runtime.engine, runtime.sessions, runtime.bot, runtime.clock)
    app = build_web_app(slack_runtime)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    return app, runner, f"http://{host}:{port}"


@pytest.fixture
async def fake_slack():
    fake = await FakeSlack().start()
    fake.add(MARIA, JORDAN, DANA, LUIS)
    yield fake
    await fake.stop()


@pytest.fixture
async def workspace(district, fake_slack):
    """The demo district behind `affinity-bot serve`'s app, with a single-workspace Slack token."""
    app, runner, base = await serve_slack(district, fake_slack, slack_bot_token=BOT_TOKEN, slack_signing_secret=SECRET)
    # A busy test machine must not turn answers into late ones; the late path has its own test.
    app[ADAPTER].ack_budget = 30.0
    async with aiohttp.ClientSession() as session:
        yield Workspace(base, fake_slack, session, app)
    await runner.cleanup()


__all__ = ["BOT_TOKEN", "DANA", "JORDAN", "LUIS", "MARIA", "SECRET", "TEAM", "Workspace", "button", "buttons", "serve_slack", "sign"]
