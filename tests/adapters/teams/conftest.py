"""Teams over real HTTP: the serve app on port 0, a fake connector on port 0, recorded activities."""

from __future__ import annotations

import copy
import dataclasses
import json
from typing import Any

import aiohttp
import pytest
from aiohttp import web

import adapters.teams
from tests.adapters.teams.fake_connector import FIXTURES, FakeConnector

MARIA = "29:1QvXz3m8Kp0aL7sR2tYbF5cN9dE4gH6jM1nB8vC2xZ7kQ3wE5rT9yU0iO4pA6sD8fG2hJ"
ZOE = "29:1Zx9Cv8Bn7Mq6Wl5Ek4Rj3Th2Yg1Uf0Id9Os8Pa7Dk6Sj5Ah4Fg3Hl2Jk1Lq0Wz9Xm"
JORDAN = "29:1Pn4Rq6Sv8Tx0Uz2Wb4Yd6Af8Ch0Ej2Gl4In6Kp8Mr0Ot2Qv4Sx6Uz8Wb0Yd2Af4Ch"
GUEST = "29:1Gu3Es5Tx7Yw9Qa1Zs3Xd5Cf7Vg9Bh1Nj3Mk5Lo7Pi9Uy1Tr3Ew5Qa7Zs9Xd1Cf3Vg5"
TENANT = "c5b8f2d4-3a71-4e0b-9d2f-6a8e1b7c9f03"
BOT = "28:0d3f8a6e-1c2b-4d5e-8f90-a1b2c3d4e5f6"
PERSONAL_CHAT = "a:1Tq7Ln2Xw9Rk4Vb6Zc3Md8Pf5Hg1Js0Ay7Eu2Io9Wr4Qt6Ny3Bx8Cv5Km1Lp0Dz7Fh"
CHANNEL = "19:4b2c9e7f1a3d4c5b8e6f0a9d2c1b3e4f@thread.tacv2"


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


class TeamsClient:
    """Posts activities to /api/messages the way Teams does, with serviceUrl at the fake connector."""

    def __init__(self, base_url: str, connector: FakeConnector, session: aiohttp.ClientSession) -> None:
        self.base_url = base_url
        self.connector = connector
        self.session = session

    def activity(self, name: str, *, sender: str | None = None, conversation: str | None = None, **fields: Any) -> dict[str, Any]:
        activity = copy.deepcopy(fixture(name))
        activity["serviceUrl"] = self.connector.url
        if sender is not None:
            info = self.connector.members[sender]
            activity["from"] = {"id": sender, "name": info["name"], "aadObjectId": info["aadObjectId"]}
        if conversation is not None:
            activity["conversation"]["id"] = conversation
        activity.update(fields)
        return activity

    async def post(self, activity: dict[str, Any], headers: dict[str, str] | None = None) -> tuple[int, Any]:
        async with self.session.post(self.base_url + "/api/messages", json=activity, headers=headers or {}) as response:
            body = await response.json() if response.content_type == "application/json" else await response.text()
            return response.status, body

    async def say(self, text: str, sender: str = MARIA, where: str = "message_personal", **fields: Any) -> list:
        """Type `text` and return what the connector received because of it."""
        before = len(self.connector.calls)
        status, _ = await self.post(self.activity(where, sender=sender, text=text, **fields))
        assert status == 200
        return [c for c in self.connector.calls[before:] if c.method != "GET"]


    def task(self, name: str, data: dict[str, Any], sender: str = MARIA) -> dict[str, Any]:
        """A dialog invoke as Teams posts it: {"data": the card's data and inputs, "context": theme}."""
        activity = self.activity("invoke_card_action", sender=sender, value={"data": data, "context": {"theme": "default"}})
        activity["name"] = name
        return activity

    async def in_dialog(self, name: str, data: dict[str, Any], sender: str = MARIA) -> tuple[Any, list]:
        """Post a dialog invoke: what the dialog shows next, and every call the bot made meanwhile."""
        from tests.adapters.teams.replies import in_dialog

        before = len(self.connector.calls)
        status, body = await self.post(self.task(name, data, sender))
        assert status == 200 and isinstance(body, dict), (status, body)
        return in_dialog(body), self.connector.calls[before:]

    async def open_dialog(self, typed: str, sender: str = MARIA) -> tuple[Any, list]:
        """Type `typed` and press the opener the chat gets: the dialog's first card, and every
        call made (the opener first)."""
        from bot.catalogue import Translator
        from tests.adapters.teams.replies import buttons, card_of

        [opener] = await self.say(typed, sender=sender)
        button = buttons(card_of(opener))[Translator("en")("teams.dialog_open")]
        assert button["data"]["msteams"] == {"type": "task/fetch"}
        shown, calls = await self.in_dialog("task/fetch", button["data"], sender)
        return shown, [opener] + calls


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    return runner, f"http://127.0.0.1:{port}"


@pytest.fixture
async def district(district):
    """The shared sample district, with Teams served as for the Bot Framework Emulator:
    AFFINITY_TEAMS_UNAUTHENTICATED=1, loopback peers and loopback service URLs only."""
    return dataclasses.replace(district, settings=dataclasses.replace(district.settings, teams_unauthenticated=True))


@pytest.fixture
async def connector():
    fake = await FakeConnector().start()
    yield fake
    await fake.stop()


def teams_app(runtime, **options) -> web.Application:
    """The HTTP app as `affinity-bot serve` builds it, with the Teams adapter alone attached."""
    app = web.Application(client_max_size=1024 * 1024)
    adapters.teams.attach(app, runtime, **options)
    return app


@pytest.fixture
async def teams(district, connector):
    runner, url = await serve(teams_app(district))
    async with aiohttp.ClientSession() as session:
        yield TeamsClient(url, connector, session)
    await runner.cleanup()
