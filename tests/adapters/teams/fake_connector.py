"""A stand-in for the Bot Framework connector: the v3 REST paths on loopback, recording every body."""

from __future__ import annotations

import itertools
import json
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "teams"


@dataclass
class Call:
    method: str
    path: str
    conversation_id: str | None
    body: Any
    authorization: str | None
    reply_to: str | None = None


@dataclass
class FakeConnector:
    """Answers like Teams' connector; `members` come from tests/fixtures/teams/members.json."""

    members: dict[str, dict] = field(default_factory=lambda: json.loads((FIXTURES / "members.json").read_text()))
    calls: list[Call] = field(default_factory=list)
    #: Statuses (with Retry-After) to answer the next sends with, oldest first.
    failures: deque = field(default_factory=deque)
    #: Member ids Teams will not open a one-to-one chat with (the app is not installed for them).
    not_installed: set[str] = field(default_factory=set)
    tokens_issued: int = 0
    url: str = ""

    def __post_init__(self) -> None:
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None

    async def start_at(self, url: str) -> "FakeConnector":
        """Start again on the address it had (a connector that went away and came back)."""
        return await self.start(int(url.rstrip("/").rsplit(":", 1)[1]))

    async def start(self, port: int = 0) -> "FakeConnector":
        app = web.Application()
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{conversation}/activities", self._send)
        app.router.add_post("/v3/conversations/{conversation}/activities/{activity}", self._send)
        app.router.add_put("/v3/conversations/{conversation}/activities/{activity}", self._send)
        app.router.add_get("/v3/conversations/{conversation}/members/{member}", self._member)
        app.router.add_post("/botframework.com/oauth2/v2.0/token", self._token)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port, reuse_address=True)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}/"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # --- what tests look at ----------------------------------------------------------------

    def sent(self) -> list[Call]:
        """Activities posted (replies and new messages), in order."""
        return [c for c in self.calls if c.method == "POST" and "/activities" in c.path]

    def sent_to(self, conversation_id: str) -> list[Call]:
        return [c for c in self.sent() if c.conversation_id == conversation_id]

    def member_lookups(self) -> list[Call]:
        return [c for c in self.calls if c.method == "GET"]

    # --- the REST paths --------------------------------------------------------------------

    async def _send(self, request: web.Request) -> web.Response:
        body = await request.json()
        call = Call(request.method, request.path, request.match_info["conversation"], body, request.headers.get("Authorization"), request.match_info.get("activity"))
        self.calls.append(call)
        if self.failures:
            status, retry_after = self.failures.popleft()
            headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
            return web.json_response({"error": {"code": "Throttled", "message": "slow down"}}, status=status, headers=headers)
        return web.json_response({"id": f"1757{next(self._ids):09d}"}, status=201 if request.method == "POST" else 200)

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.calls.append(Call("POST", request.path, None, body, request.headers.get("Authorization")))
        member = (body.get("members") or [{}])[0].get("id")
        if member in self.not_installed:
            return web.json_response({"error": {"code": "Forbidden", "message": "not installed"}}, status=403)
        return web.json_response({"id": f"a:1new{next(self._ids)}", "activityId": None}, status=201)

    async def _member(self, request: web.Request) -> web.Response:
        self.calls.append(Call("GET", request.path, request.match_info["conversation"], None, request.headers.get("Authorization")))
        info = self.members.get(request.match_info["member"])
        if info is None:
            return web.json_response({"error": {"code": "MemberNotFoundInConversation"}}, status=404)
        return web.json_response(info)

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        if form.get("grant_type") != "client_credentials" or not form.get("client_secret"):
            return web.json_response({"error": "invalid_client"}, status=401)
        self.tokens_issued += 1
        return web.json_response({"token_type": "Bearer", "expires_in": 3599, "access_token": f"bot-token-{self.tokens_issued}"})
