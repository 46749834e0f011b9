"""A fake Slack on loopback: the Web API methods the bot calls, response_url, uploads and Socket Mode.

Every call is recorded with its arguments, token and the fake's time; answers follow Slack's
documented shapes (several recorded under tests/fixtures/slack/). Tests can make a method fail
once with a Slack error code or a 429 with Retry-After, or rate-limit one channel for a while.

Posted messages are kept per conversation with their message metadata, so `conversations.history`
and `conversations.replies` answer as Slack does (newest first, `oldest`, `limit`, cursors, and
`metadata` only with `include_all_metadata`), and `keys` counts each outbox key Slack received.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import itertools
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from aiohttp import WSMsgType, web

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "slack"
TEAM = "T0DISTRICT"
BOT_USER = "U0AFFINITYBOT"
BOT_ID = "B0AFFINITY"
APP_ID = "A0AFFINITY"
#: The metadata event type of the bot's outbox messages (adapters/slack/gateway.py).
OUTBOX_EVENT = "affinity_outbox"


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    token: str | None = None
    body: bytes = b""
    #: The fake's clock when the call arrived.
    at: float = 0.0


@dataclass
class Failure:
    status: int = 200
    error: str = ""
    retry_after: int | None = None


@dataclass
class Throttle:
    """chat.postMessage into one channel answers 429 with Retry-After until `until` (fake time)."""

    until: float
    retry_after: int


@dataclass
class Person:
    user_id: str
    email: str
    name: str
    locale: str = "en-US"
    tz: str = "America/Chicago"


def slack_user(person: Person, team: str = TEAM) -> dict[str, Any]:
    """A users.info user object for `person`, shaped like the recorded one."""
    user = copy.deepcopy(fixture("users_info")["user"])
    first, _, last = person.name.partition(" ")
    user.update(id=person.user_id, team_id=team, name=person.email.split("@")[0], real_name=person.name, tz=person.tz, locale=person.locale)
    user["profile"].update(real_name=person.name, real_name_normalized=person.name, display_name=first, email=person.email, first_name=first, last_name=last)
    return user


@dataclass
class FakeSlack:
    people: dict[str, Person] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    failures: dict[str, list[Failure]] = field(default_factory=dict)
    member_of: set[str] = field(default_factory=set)
    url: str = ""
    #: The fake's time (seconds since the epoch): message timestamps and `Call.at` come from it.
    clock: Callable[[], float] = time.time
    #: Every conversation's messages as Slack keeps them, oldest first.
    history: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: How many messages Slack received carrying each outbox key.
    keys: Counter = field(default_factory=Counter)
    throttles: dict[str, Throttle] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._changed = asyncio.Event()
        self._ids = itertools.count(1)
        self._posts = 0
        self._post_events: list[tuple[int, asyncio.Event]] = []
        self._hold_after: int | None = None
        self._drop_after: int | None = None
        self._released = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.socket_messages: asyncio.Queue = asyncio.Queue()
        self.socket_replies: asyncio.Queue = asyncio.Queue()
        self.sockets: list[web.WebSocketResponse] = []

    # --- life ---------------------------------------------------------------------------------

    async def start(self) -> "FakeSlack":
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)
        app.router.add_post("/respond/{key}", self._respond)
        app.router.add_post("/upload/{file}", self._upload)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        return self

    async def stop(self) -> None:
        for ws in self.sockets:
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return self.url + "/api/"

    def response_url(self, key: str = "cmd") -> str:
        return f"{self.url}/respond/{key}-{next(self._ids)}"

    def add(self, *people: Person) -> None:
        for person in people:
            self.people[person.user_id] = person

    def fail(self, method: str, *, error: str = "", status: int = 200, retry_after: int | None = None) -> None:
        """Make the next call of `method` fail as Slack would."""
        self.failures.setdefault(method, []).append(Failure(status, error, retry_after))

    def throttle(self, channel: str, until: float, retry_after: int) -> None:
        """Answer posts into `channel` with 429 and `Retry-After: retry_after` until fake time `until`."""
        self.throttles[channel] = Throttle(until, retry_after)

    def after_posts(self, count: int) -> asyncio.Event:
        """An event set once Slack has taken `count` messages (chat.postMessage that succeeded)."""
        event = asyncio.Event()
        if self._posts >= count:
            event.set()
        else:
            self._post_events.append((count, event))
        return event

    def hold_answers_after(self, count: int) -> None:
        """Messages after the first `count` are posted (Slack has them) but answered only after
        `release()`: what a bot sees when it dies between sending and hearing back."""
        self._hold_after = count
        self._released.clear()

    def release(self) -> None:
        self._hold_after = None
        self._released.set()

    def drop_answers_after(self, count: int | None) -> None:
        """Messages after the first `count` are posted, then the connection is closed unanswered."""
        self._drop_after = count

    # --- what tests read ----------------------------------------------------------------------

    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """The calls of `method` once there are `count` of them (fails after `timeout` seconds)."""

        async def until() -> list[Call]:
            while len(self.of(method)) < count:
                self._changed.clear()
                await self._changed.wait()
            return self.of(method)

        return await asyncio.wait_for(until(), timeout)

    def _record(self, call: Call) -> None:
        call.at = self.clock()
        self.calls.append(call)
        self._changed.set()

    # --- handlers -----------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        raw = await request.read()
        args: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json" and raw:
            args.update(json.loads(raw))
        elif raw:
            args.update(await request.post())
        for key in ("view", "blocks", "files", "metadata"):
            if isinstance(args.get(key), str):
                try:
                    args[key] = json.loads(args[key])
                except ValueError:
                    pass
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth else args.get("token")
        self._record(Call(method, args, token))
        pending = self.failures.get(method)
        if pending:
            failure = pending.pop(0)
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
            return web.json_response({"ok": False, "error": failure.error or "ratelimited"}, status=failure.status, headers=headers)
        if method == "chat.postMessage":
            throttle = self.throttles.get(str(args.get("channel")))
            if throttle is not None and self.clock() < throttle.until:
                return web.json_response({"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": str(throttle.retry_after)})
            answer = self._post(args)
            if self._hold_after is not None and self._posts > self._hold_after:
                await self._released.wait()
            if self._drop_after is not None and self._posts > self._drop_after and request.transport is not None:
                request.transport.close()
            return web.json_response(answer)
        return web.json_response(self._answer(method, args, request))

    def _post(self, args: dict[str, Any]) -> dict[str, Any]:
        """chat.postMessage: the message joins its conversation's history, as Slack keeps it."""
        channel = str(args.get("channel"))
        kept = self.history.setdefault(channel, [])
        ts = f"{int(self.clock())}.{next(self._ids):06d}"
        found: dict[str, Any] = {"type": "message", "user": BOT_USER, "bot_id": BOT_ID, "app_id": APP_ID, "text": args.get("text"), "ts": ts, "team": TEAM}
        if args.get("blocks"):
            found["blocks"] = args["blocks"]
        if args.get("thread_ts"):
            found["thread_ts"] = str(args["thread_ts"])
        metadata = args.get("metadata")
        if isinstance(metadata, dict) and metadata.get("event_type"):
            found["metadata"] = {"event_type": metadata["event_type"], "event_payload": metadata.get("event_payload") or {}}
            if metadata["event_type"] == OUTBOX_EVENT:
                self.keys[str((metadata.get("event_payload") or {}).get("key"))] += 1
        kept.append(found)
        self._posts += 1
        for count, event in list(self._post_events):
            if self._posts >= count:
                event.set()
                self._post_events.remove((count, event))
        shown = {k: v for k, v in found.items() if k != "metadata"}
        return {"ok": True, "channel": channel, "ts": ts, "message": shown}

    def _read(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        """conversations.history (newest first) or conversations.replies (oldest first) in Slack's shape."""
        channel = str(args.get("channel"))
        if channel not in self.history and channel not in self.member_of and not channel.startswith(("D", "G")):
            return {"ok": False, "error": "channel_not_found"}
        messages = list(self.history.get(channel, []))
        if method == "conversations.replies":
            thread = str(args.get("ts"))
            messages = [m for m in messages if m["ts"] == thread or m.get("thread_ts") == thread]
        else:
            # Thread replies are not in a channel's history, only their parents.
            messages = [m for m in messages if not m.get("thread_ts") or m.get("thread_ts") == m["ts"]]
            messages.reverse()
        inclusive = str(args.get("inclusive", "")).lower() in ("1", "true")
        oldest, latest = args.get("oldest"), args.get("latest")
        if oldest:
            messages = [m for m in messages if float(m["ts"]) > float(oldest) or (inclusive and float(m["ts"]) == float(oldest))]
        if latest:
            messages = [m for m in messages if float(m["ts"]) < float(latest) or (inclusive and float(m["ts"]) == float(latest))]
        start = int(base64.b64decode(str(args["cursor"])).decode().removeprefix("next_ts:")) if args.get("cursor") else 0
        limit = max(1, min(int(args.get("limit") or 100), 999))
        page = messages[start : start + limit]
        with_metadata = str(args.get("include_all_metadata", "")).lower() in ("1", "true")
        page = [m if with_metadata else {k: v for k, v in m.items() if k != "metadata"} for m in page]
        more = start + limit < len(messages)
        answer: dict[str, Any] = {"ok": True, "messages": page, "has_more": more}
        if method == "conversations.history":
            answer.update(pin_count=0, channel_actions_ts=None, channel_actions_count=0)
        # Slack's cursors are opaque base64; this one holds where the next page starts.
        answer["response_metadata"] = {"next_cursor": base64.b64encode(f"next_ts:{start + limit}".encode()).decode() if more else ""}
        return answer

    def _answer(self, method: str, args: dict[str, Any], request: web.Request) -> dict[str, Any]:
        n = next(self._ids)
        if method == "auth.test":
            return {"ok": True, "url": "https://lincoln-usd.slack.com/", "team": "Lincoln Unified", "user": "affinity_bot", "team_id": TEAM, "user_id": BOT_USER, "bot_id": "B0AFFINITY", "is_enterprise_install": False}
        if method == "users.info":
            person = self.people.get(str(args.get("user")))
            if person is None:
                return {"ok": False, "error": "user_not_found"}
            return {"ok": True, "user": slack_user(person)}
        if method == "conversations.open":
            users = str(args.get("users") or "").split(",")
            answer = copy.deepcopy(fixture("conversations_open"))
            answer["channel"]["id"] = ("D" if len(users) == 1 else "G") + "0" + "".join(sorted(u[-4:] for u in users)).upper()
            return answer
        if method in ("conversations.history", "conversations.replies"):
            return self._read(method, args)
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"1764042{n:03d}.000200"}
        if method in ("views.open", "views.update", "views.push", "views.publish"):
            view = dict(args.get("view") or {})
            view.setdefault("id", args.get("view_id") or f"V0VIEW{n:04d}")
            view["hash"] = f"1764042{n:03d}.hash"
            return {"ok": True, "view": view}
        if method == "conversations.info":
            channel = str(args.get("channel"))
            return {"ok": True, "channel": {"id": channel, "is_private": True, "is_member": channel in self.member_of}}
        if method in ("conversations.invite", "conversations.kick"):
            if str(args.get("channel")) not in self.member_of:
                return {"ok": False, "error": "not_in_channel" if method == "conversations.invite" else "channel_not_found"}
            return {"ok": True, "channel": {"id": args.get("channel")}}
        if method == "files.getUploadURLExternal":
            file_id = f"F0FILE{n:04d}"
            return {"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            files = args.get("files") or []
            return {"ok": True, "files": [{"id": f.get("id"), "title": f.get("title")} for f in files]}
        if method == "oauth.v2.access":
            return fixture("oauth_v2_access")
        if method == "apps.connections.open":
            return {"ok": True, "url": self.url.replace("http://", "ws://") + "/socket"}
        return {"ok": False, "error": "unknown_method"}

    async def _respond(self, request: web.Request) -> web.Response:
        body = await request.json()
        self._record(Call("response_url", body, None))
        return web.Response(text="ok")

    async def _upload(self, request: web.Request) -> web.Response:
        data = await request.read()
        self._record(Call("upload", {"file": request.match_info["file"], "size": len(data)}, None, data))
        return web.Response(text="OK - %d" % len(data))

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self.sockets.append(ws)
        await ws.send_json({"type": "hello", "num_connections": 1, "debug_info": {"host": "applink-fake", "approximate_connection_time": 18060}, "connection_info": {"app_id": "A0AFFINITY"}})

        async def pump() -> None:
            while True:
                envelope = await self.socket_messages.get()
                await ws.send_json(envelope)

        sender = asyncio.ensure_future(pump())
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    await self.socket_replies.put(json.loads(msg.data))
                    self._record(Call("socket_ack", json.loads(msg.data), None))
        finally:
            sender.cancel()
        return ws
