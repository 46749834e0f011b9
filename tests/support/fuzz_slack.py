"""Hostile Slack bodies for tests/support/fuzz.py: slash commands, block_actions, view_submission
and events, each a real payload (the recorded fixtures, a real concern modal) with a few fields
replaced, removed or added, signed with the test secret and posted to the real web app on loopback.

Each check asserts what issue 11 asks of every signed body: no 5xx, no error logged (nothing
escaped a handler, here or in the work done after the acknowledgement), and no row written unless
the body is as Slack sends it. "As Slack sends it" is judged here, apart from the adapter: every
changed field kept the JSON type it had, no key holds a NUL, and the person's ids (user, workspace)
have Slack's form. A body that passes may write rows; one that does not must write none.
"""

from __future__ import annotations

import contextlib
import copy
import json
import logging
import re
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, AsyncIterator
from urllib.parse import urlencode

from hypothesis import strategies as st

from tests.support.fuzz import InputPath, grown, row_counts

#: The signing secret of the harness's app (as the Slack adapter tests use).
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_TOKEN = "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy"
FORM = "application/x-www-form-urlencoded"
#: Tables a well-formed body may not need but a request may touch (the listing-cache counters).
IGNORED = frozenset({"cache_generation"})

#: Fields Slack sends for show (a modal's title, a team's domain, timestamps of display): what
#: they hold changes nothing the bot does, so a change there does not make a body invalid.
_SHOWN = frozenset({
    "title", "close", "submit", "emoji", "blocks", "hash", "clear_on_close", "notify_on_close", "domain", "username", "name",
    "bot_id", "app_id", "api_app_id", "token", "root_view_id", "previous_view_id", "external_id", "event_context", "event_ts",
    "message_ts", "is_ephemeral", "event_time", "state", "response_urls", "team_domain", "user_name", "channel_name",
})
_USER_ID = re.compile(r"[UW][A-Z0-9]{1,40}")
_TENANT = re.compile(r"[TE][A-Z0-9]{1,40}")

# --- what to throw ------------------------------------------------------------------------------

_leaf = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=40)
_json = st.recursive(_leaf, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=8)
#: Strings Slack could send and strings it never would: ids of other forms, NULs, long words.
_words = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["U0MARIA", "U0JORDAN", "T0DISTRICT", "E0ORG", "", " ", "\x00", "U0MARIA\x00", "u0maria", "C0TEACHERS", "D0X", "99999999999999999999"]),
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=12).map(lambda s: "U" + s),
)
_keys = st.one_of(st.text(max_size=8), st.sampled_from(["\x00", "a\x00b", "type", "team_id", "user", "authorizations", "values"]))
_lines = st.one_of(
    st.sampled_from(["", "help", "mine", "list", "join lgbtq-educators --yes", "leave lgbtq-educators", "info black-educators-network", "settings", "status ABCD-EFGH-JKMNP"]),
    st.text(max_size=80),
)


@dataclass
class Example:
    """A payload and the changes made to the real one it came from: (path, old, new) each, with
    new None for a removal and old None for an addition."""

    kind: str
    payload: dict[str, Any]
    changes: list[tuple[tuple, Any, Any]] = field(default_factory=list)

    def as_slack_sends(self) -> bool:
        if self.kind == "suggestion":
            return False  # a typeahead only reads: no row, whatever it carries
        for path, old, new in self.changes:
            if _SHOWN.intersection(k for k in path if isinstance(k, str)) and path[:2] != ("view", "state"):
                continue
            if old is None and new is not None:  # an added key
                if "\x00" in str(path[-1]):
                    return False
                continue
            if new is None or old is None:
                continue
            if type(new) is not type(old):
                return False
            if isinstance(new, dict):
                return False  # replaced an object wholesale: judged invalid
            if _has_nul_key(new):
                return False
        if _has_nul_key(self.payload):
            return False
        user, tenant = _identity(self.kind, self.payload)
        event = self.payload.get("event")
        if self.kind == "event" and isinstance(event, dict) and event.get("type") in ("tokens_revoked", "app_uninstalled"):
            # The workspace itself acts: it has no user.
            return isinstance(tenant, str) and bool(_TENANT.fullmatch(tenant))
        return isinstance(user, str) and isinstance(tenant, str) and bool(_USER_ID.fullmatch(user) and _TENANT.fullmatch(tenant))


def _has_nul_key(value: Any) -> bool:
    if isinstance(value, dict):
        return any("\x00" in str(k) or _has_nul_key(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul_key(v) for v in value)
    return False


def _identity(kind: str, p: dict[str, Any]) -> tuple[Any, Any]:
    """Who the payload says acts, and in which workspace, read as Slack documents each kind."""
    get = lambda obj, key: obj.get(key) if isinstance(obj, dict) else None  # noqa: E731
    if kind == "command":
        return p.get("user_id"), p.get("enterprise_id") or p.get("team_id")
    if kind == "event":
        event = p.get("event")
        user = get(event, "user")
        user_id = get(user, "id") if isinstance(user, dict) else user
        return user_id, p.get("enterprise_id") or p.get("team_id")
    user = p.get("user")
    return get(user, "id"), get(p.get("enterprise"), "id") or get(p.get("team"), "id") or get(user, "team_id")


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, inner in value.items():
            found += _paths(inner, prefix + (key,))
    elif isinstance(value, list):
        for n, inner in enumerate(value[:4]):
            found += _paths(inner, prefix + (n,))
    return found


def _at(value: Any, path: tuple) -> Any:
    for step in path:
        value = value[step]
    return value


@st.composite
def _mutated(draw, kind: str, base: dict[str, Any], form: bool = False) -> Example:
    """`base` with zero to three fields replaced, removed, or added. A form (a slash command)
    holds strings only, so its changes are strings."""
    payload = copy.deepcopy(base)
    example = Example(kind, payload)
    for _ in range(draw(st.integers(0, 3))):
        paths = _paths(payload)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = _at(payload, path[:-1])
        how = draw(st.sampled_from(["replace", "replace", "remove", "add"]))
        if how == "add" and isinstance(parent, dict):
            key = draw(_keys)
            if key in parent:
                continue
            new = draw(_words if form else _json)
            parent[key] = new
            example.changes.append((path[:-1] + (key,), None, new))
        elif how == "remove" and isinstance(parent, dict):
            old = parent.pop(path[-1])
            example.changes.append((path, old, None))
        else:
            old = parent[path[-1]]
            new = draw(_words if form or isinstance(old, str) and draw(st.booleans()) else _json)
            parent[path[-1]] = new
            example.changes.append((path, old, new))
    return example


def _fixture(name: str) -> dict[str, Any]:
    from tests.adapters.slack.fake_slack import fixture

    return fixture(name)


@st.composite
def _command(draw) -> Example:
    base = _fixture("slash_command")
    base.update(command=draw(st.sampled_from(["/groups", "/affinity", "/concern", "/events", "/mentor", "/settings", "/help"])), text=draw(_lines))
    return draw(_mutated("command", base, form=True))


@st.composite
def _block_actions(draw) -> Example:
    base = _fixture(draw(st.sampled_from(["block_actions_message", "block_actions_home"])))
    base["actions"][0].update(action_id=draw(st.sampled_from(["run:0", "run:1", "other"])), value=draw(_lines))
    return draw(_mutated("interactive", base))


@st.composite
def _view_submission(draw, view: dict[str, Any]) -> Example:
    base = _fixture("view_submission")
    submitted = base["view"]
    submitted.update({k: v for k, v in view.items() if k in ("blocks", "private_metadata", "callback_id", "title", "submit")})
    submitted["state"] = {
        "values": {
            "category": {"category": {"type": "static_select", "selected_option": {"text": {"type": "plain_text", "text": "Other"}, "value": draw(st.sampled_from(["other", "safety", "nope"]))}}},
            "site": {"site": {"type": "static_select", "selected_option": None}},
            "what_happened": {"what_happened": {"type": "plain_text_input", "value": draw(st.text(min_size=0, max_size=60))}},
        }
    }
    return draw(_mutated("interactive", base))


@st.composite
def _block_suggestion(draw, view: dict[str, Any]) -> Example:
    base = _fixture("view_submission")
    base["type"] = "block_suggestion"
    base["view"].update(view)
    base.update(container={"type": "view", "view_id": base["view"]["id"]}, action_id="value", block_id=draw(st.sampled_from(["site", "category", "x"])), value=draw(st.text(max_size=20)))
    return draw(_mutated("suggestion", base))


@st.composite
def _event(draw) -> Example:
    name = draw(st.sampled_from(["event_team_join", "event_app_home_opened", "event_url_verification", "tokens_revoked", "app_uninstalled"]))
    if name in ("tokens_revoked", "app_uninstalled"):
        base = _fixture("event_app_home_opened")
        base["event"] = {"type": name, "tokens": {"oauth": [], "bot": ["U0AFFINITYBOT"]}} if name == "tokens_revoked" else {"type": name}
    else:
        base = _fixture(name)
    base["event_id"] = "Ev" + draw(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=8, max_size=8))
    return draw(_mutated("event", base))


# --- where to throw it ------------------------------------------------------------------------


class _Errors(logging.Handler):
    """Error lines of the bot's loggers: a handler that failed logs one."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextlib.asynccontextmanager
async def slack_app(database_url: str | None = None) -> AsyncIterator[Any]:
    """The demo district behind `serve`'s web app with one Slack workspace, on loopback, with a
    fake Slack Web API: yields (base_url, session, app, runtime, fake)."""
    import aiohttp
    from aiohttp import web

    from bot.bootstrap import build_web_app, open_runtime, seed_demo
    from bot.clock import FrozenClock
    from bot.config import Settings
    from tests.adapters.slack.fake_slack import FakeSlack, Person

    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'fuzz.db'}"
        fake = await FakeSlack().start()
        fake.add(
            Person("U0MARIA", "maria.lopez@district.example", "Maria Lopez"),
            Person("U0JORDAN", "jordan.reyes@district.example", "Jordan Reyes"),
        )
        settings = Settings(database_url=url, slack_bot_token=BOT_TOKEN, slack_signing_secret=SECRET, slack_api_url=fake.api_url)
        runtime = await open_runtime(settings, FrozenClock(datetime(2026, 9, 14, 15, 0, tzinfo=timezone.utc)))
        await seed_demo(runtime, Path(tmp))
        app = build_web_app(runtime)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        try:
            async with aiohttp.ClientSession() as session:
                yield f"http://{host}:{port}", session, app, runtime, fake
        finally:
            await runner.cleanup()
            await runtime.close()
            await fake.stop()


def _sign(body: bytes) -> dict[str, str]:
    import hashlib
    import hmac
    import time

    stamp = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


def _local(value: Any, fake: Any) -> Any:
    """The payload with Slack's own addresses (the fixtures' response_url) turned to the fake's:
    nothing here may reach a public address."""
    if isinstance(value, dict):
        return {k: _local(v, fake) for k, v in value.items()}
    if isinstance(value, list):
        return [_local(v, fake) for v in value]
    if isinstance(value, str) and value.startswith("https://hooks.slack.com/"):
        return fake.response_url("fuzz")
    return value


def _body(example: Example) -> tuple[bytes, str]:
    if example.kind == "command":
        return urlencode({k: v if isinstance(v, str) else json.dumps(v) for k, v in example.payload.items()}).encode(), FORM
    if example.kind == "event":
        return json.dumps(example.payload).encode(), "application/json"
    return urlencode({"payload": json.dumps(example.payload)}).encode(), FORM


@contextlib.asynccontextmanager
async def _harness(database_url: str | None = None) -> AsyncIterator[Any]:
    from adapters.slack import ADAPTER

    errors = _Errors()
    bot_logs = logging.getLogger("affinity")
    bot_logs.addHandler(errors)
    try:
        async with slack_app(database_url) as (base, session, app, runtime, fake):
            adapter = app[ADAPTER]
            adapter.ack_budget = 30.0

            async def check(example: Example) -> None:
                before = await row_counts(runtime.engine)
                seen = len(errors.records)
                body, content_type = _body(Example(example.kind, _local(example.payload, fake), example.changes))
                async with session.post(base + "/slack/events", data=body, headers={"Content-Type": content_type, **_sign(body)}) as response:
                    status = response.status
                    await response.read()
                await adapter.idle()
                assert status < 500, f"{status} for {example.payload!r}"
                failed = [f"{r.name}: {r.getMessage()}" for r in errors.records[seen:]]
                assert not failed, f"{failed} for {example.payload!r}"
                if not example.as_slack_sends():
                    added = grown(before, await row_counts(runtime.engine), IGNORED)
                    assert not added, f"rows {added} written for {example.payload!r}"

            yield check
    finally:
        bot_logs.removeHandler(errors)


def command_path(database_url: str | None = None) -> InputPath:
    return InputPath("slack command", _command(), lambda: _harness(database_url))


def block_actions_path(database_url: str | None = None) -> InputPath:
    return InputPath("slack block_actions", _block_actions(), lambda: _harness(database_url))


def events_path(database_url: str | None = None) -> InputPath:
    return InputPath("slack events", _event(), lambda: _harness(database_url))


def view_submission_path(database_url: str | None = None) -> InputPath:
    """The concern modal as the bot opens it, submitted with hostile changes."""
    view = {"callback_id": "affinity_form", "private_metadata": json.dumps({"form": "concern.file", "context": ""})}
    return InputPath("slack view_submission", _view_submission(view), lambda: _harness(database_url))


def block_suggestion_path(database_url: str | None = None) -> InputPath:
    """A person typing into the concern modal's site menu; suggestions write nothing, ever."""
    view = {"callback_id": "affinity_form", "private_metadata": json.dumps({"form": "concern.file", "context": ""})}
    return InputPath("slack block_suggestion", _block_suggestion(view), lambda: _harness(database_url))


def paths(database_url: str | None = None) -> list[InputPath]:
    """Every Slack input path, for bench/fuzz.py."""
    return [
        command_path(database_url),
        block_actions_path(database_url),
        view_submission_path(database_url),
        events_path(database_url),
        block_suggestion_path(database_url),
    ]
