"""Hostile Teams activities for tests/support/fuzz.py: messages, invokes, conversationUpdate and
installationUpdate, each a recorded activity (tests/fixtures/teams/) with a few fields changed,
removed or added, posted to the real web app on loopback (AFFINITY_TEAMS_UNAUTHENTICATED=1, as
the Emulator runs it) with a fake Bot Framework connector on loopback.

Each check asserts what issue 11 asks of every activity: no 5xx, no error logged (nothing escaped
the turn), and no row written unless the activity is as Teams sends it. "As Teams sends it" is
judged here, from the Activity schema, apart from the adapter: each change is drawn either as a
value Teams could send for that field (the field's JSON type, an id without control characters
and of Teams' length, an optional field left out) or as one it never would (another type, an
empty or NUL-holding id, a required object removed or replaced by `{}`), and the example
remembers which. One Teams could send must get 200; one it never would may get 400, 403 or a
polite 200, and must write nothing.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, AsyncIterator

from hypothesis import strategies as st

from tests.support.fuzz import InputPath, grown, row_counts

#: Stands for the fake connector's address, which is known only once the harness runs.
CONNECTOR = "<<connector>>"
#: Tables a request may touch whatever it carries (the listing-cache counters).
IGNORED = frozenset({"cache_generation"})

# --- what to throw ------------------------------------------------------------------------------

_printable = st.characters(blacklist_categories=("Cs", "Cc"))
#: Strings Teams could send for an id, a name or a short setting.
_good_id = st.one_of(
    st.sampled_from(["29:1QvXz3m8Kp0aL7sR2tYbF5cN9dE4gH6jM1nB8vC2xZ7kQ3wE5rT9yU0iO4pA6sD8fG2hJ", "29:1new-person", "a:1chat", "19:abc@thread.tacv2", "5"]),
    st.text(_printable, min_size=1, max_size=60).filter(lambda s: s.strip()),
)
_good_text = st.one_of(
    st.sampled_from(["help", "groups", "groups mine", "groups join lgbtq-educators --yes", "settings language es", "concern", "privacy", "mentor", "events", ""]),
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="".join(chr(c) for c in range(32) if c not in (9, 10, 13)) + "\x7f"), max_size=80),
)
_good_short = st.one_of(st.sampled_from(["en-US", "es-MX", "America/Chicago", "Europe/Madrid", "xx", "Not/AZone"]), st.text(_printable, max_size=20))
_leaf = st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20)
_json = st.recursive(_leaf, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=6)
#: What Teams never sends where a string belongs.
_bad_string = st.one_of(
    st.integers(), st.floats(allow_nan=False, allow_infinity=False), st.booleans(), st.lists(_leaf, max_size=2), st.dictionaries(st.text(max_size=4), _leaf, max_size=2),
    st.sampled_from(["\x00", "29:1QvX\x00z", "a\x1bb", "x" * 450]),
)
_bad_id = st.one_of(_bad_string, st.sampled_from(["", " ", "\t"]))
#: What Teams never sends where an object belongs.
_bad_object = st.one_of(st.just([]), st.just(True), st.integers(), st.text(max_size=10), st.lists(_leaf, max_size=2))
#: What Teams never sends where an array belongs.
_bad_list = st.one_of(st.just(True), st.integers(), st.text(max_size=10), st.dictionaries(st.text(max_size=4), _leaf, max_size=2))
_bad_url = st.one_of(_bad_string, st.sampled_from(["https://smba.trafficmanager.net/amer/", "http://10.1.2.3/", "http://user@127.0.0.1/", "ftp://127.0.0.1/", ""]))


@dataclass
class Example:
    """An activity and the changes made to the recorded one: (path, as Teams could send it)."""

    kind: str
    payload: dict[str, Any]
    changes: list[tuple[tuple, bool]] = field(default_factory=list)

    def as_teams_sends(self) -> bool:
        return all(ok for _, ok in self.changes)


#: (path, what it holds, required) for every field the adapter or the SDK's routing reads.
#: id: an identifier; short: a short setting; text: what a person typed; url: the service URL;
#: account: an object with an id (a person, the bot, a conversation); object / list: a JSON
#: object or array; name: a display name; any: whatever JSON (a message's `value`).
_ACCOUNT = (("id", "id", True), ("name", "name", False), ("aadObjectId", "id", False))
_COMMON = (
    (("id",), "id", False),
    (("channelId",), "short", False),
    (("serviceUrl",), "url", True),
    (("locale",), "short", False),
    (("localTimezone",), "short", False),
    (("from",), "account", True),
    *((("from", k), kind, req) for k, kind, req in _ACCOUNT),
    (("recipient",), "account", True),
    *((("recipient", k), kind, req) for k, kind, req in _ACCOUNT),
    (("conversation",), "account", True),
    (("conversation", "id"), "id", True),
    (("conversation", "tenantId"), "id", False),
    (("conversation", "conversationType"), "short", False),
    (("channelData",), "object", False),
    (("channelData", "tenant"), "object", False),
    (("channelData", "tenant", "id"), "id", False),
    (("entities",), "list", False),
)
_FIELDS = {
    "message": (*_COMMON, (("text",), "text", False), (("value",), "any", False)),
    "submit": (
        *_COMMON,
        (("value", "form_id"), "short", False),
        (("value", "context"), "short", False),
        (("value", "in.group"), "text", False),
        (("value", "in.note"), "text", False),
        (("value", "lists"), "list", False),
    ),
    "invoke": (
        *_COMMON,
        (("name",), "short", False),
        (("value", "action"), "object", True),
        (("value", "action", "verb"), "short", False),
        (("value", "action", "data", "action_id"), "short", False),
        (("value", "action", "data", "value"), "text", False),
    ),
    "conversationUpdate": (
        *_COMMON,
        (("channelData", "team", "id"), "id", False),
        (("membersAdded",), "list", False),
        (("membersAdded", 0, "id"), "id", True),
        (("membersAdded", 0, "aadObjectId"), "id", False),
    ),
    "installationUpdate": (*_COMMON, (("action",), "short", False)),
}
#: Fields no one reads (times, display extras): any change there is still as Teams sends it.
_SHOWN = (("timestamp",), ("localTimestamp",), ("channelData", "source"), ("channelData", "legacy"), ("channelData", "eventType"), ("value", "trigger"), ("textFormat",))


def _good(kind: str) -> st.SearchStrategy:
    return {
        "id": _good_id,
        "name": st.text(_printable, max_size=40),
        "short": _good_short,
        "text": _good_text,
        "url": st.just(CONNECTOR),
        "account": st.just({"id": "29:1someone-else", "name": "Someone"}),
        "object": st.one_of(st.just({}), st.just({"id": "29:1someone-else"})),
        "list": st.just([]),
        "any": st.one_of(st.none(), _json),
    }[kind]


def _bad(kind: str) -> st.SearchStrategy:
    return {
        "id": _bad_id, "name": _bad_string, "short": _bad_string, "text": _bad_string, "url": _bad_url, "list": _bad_list, "object": _bad_object,
        # `{}` is no account and no conversation: it lacks the id Teams always gives.
        "account": st.one_of(_bad_object, st.just({}), st.just({"name": "Someone"})),
    }[kind]


def _parent(payload: dict[str, Any], path: tuple) -> Any:
    node: Any = payload
    for step in path[:-1]:
        if isinstance(node, dict) and step in node:
            node = node[step]
        elif isinstance(node, list) and isinstance(step, int) and step < len(node):
            node = node[step]
        else:
            return None
    return node


@st.composite
def _mutated(draw, kind: str, base: dict[str, Any]) -> Example:
    """`base` with one to three fields changed, removed or added, each as Teams could send it or not."""
    payload = copy.deepcopy(base)
    example = Example(kind, payload)
    fields = [f for f in _FIELDS[kind] if _parent(payload, f[0]) is not None]
    for _ in range(draw(st.integers(1, 3))):
        choice = draw(st.sampled_from(["read", "read", "read", "shown", "extra"]))
        if choice == "extra":
            # A key nobody reads, anywhere an object is: Teams adds fields over time.
            parent = _parent(payload, draw(st.sampled_from([f[0] for f in fields])) + ("x",))
            if isinstance(parent, dict):
                key = draw(st.sampled_from(["extra", "x-ms-new", "replyToId2", "suggestedActions"]))
                parent[key] = draw(_json)
                example.changes.append(((key,), True))
            continue
        if choice == "shown":
            path = draw(st.sampled_from(_SHOWN))
            parent = _parent(payload, path)
            if isinstance(parent, dict):
                parent[path[-1]] = draw(_json)
                example.changes.append((path, True))
            continue
        path, what, required = draw(st.sampled_from(fields))
        if any(path[: len(done)] == done or done[: len(path)] == path for done, _ in example.changes):
            continue  # one change per field and what it holds, so each keeps its verdict
        parent = _parent(payload, path)
        if isinstance(parent, dict) and isinstance(path[-1], int) or isinstance(parent, list) and not (isinstance(path[-1], int) and path[-1] < len(parent)):
            continue
        if not isinstance(parent, (dict, list)):
            continue
        how = draw(st.sampled_from({"url": ["bad", "remove"], "any": ["good", "remove"]}.get(what, ["good", "bad", "remove"])))
        if how == "remove":
            if isinstance(parent, dict):
                parent.pop(path[-1], None)
                example.changes.append((path, not required))
        elif how == "good":
            parent[path[-1]] = draw(_good(what))
            example.changes.append((path, True))
        else:
            parent[path[-1]] = draw(_bad(what))
            example.changes.append((path, False))
    return example


def _fixture(name: str) -> dict[str, Any]:
    from tests.adapters.teams.conftest import fixture

    activity = fixture(name)
    activity["serviceUrl"] = CONNECTOR
    return activity


@st.composite
def _message(draw) -> Example:
    base = _fixture(draw(st.sampled_from(["message_personal", "message_personal", "message_channel_mention", "message_group_chat"])))
    base["text"] = draw(_good_text) if "mention" not in str(base.get("entities")) else base["text"]
    return draw(_mutated("message", base))


@st.composite
def _invoke(draw) -> Example:
    how = draw(st.sampled_from(["execute", "execute", "submit", "form", "find", "search again", "task/fetch", "task/submit", "application/search", "signin/verifyState"]))
    if how in ("find", "search again"):
        # The two-step form's own submissions (adapters/teams/search.py), with its real description or junk.
        context = draw(st.one_of(st.just(_find_spec()), st.text(_printable, max_size=60), st.just(_find_spec().replace('"n":"site"', '"n":"category"'))))
        base = _fixture("submit_action")
        if how == "find":
            base["value"] = {"form_id": "teams.find", "context": context, "in.query": draw(_good_text)}
            return draw(_mutated("submit", base))
        base["value"] = {"action_id": "teams.find", "value": context}
        return draw(_mutated("message", base))
    if how == "execute":
        base = _fixture("invoke_card_action")
        base["value"]["action"]["data"]["value"] = draw(st.sampled_from(["groups info bilingual-staff", "groups join lgbtq-educators", "help", "rsvp 1 yes", "concern"]))
        return draw(_mutated("invoke", base))
    if how == "submit":
        return draw(_mutated("message", _fixture("submit_action")))
    if how == "form":
        return draw(_mutated("submit", _fixture("submit_form")))
    base = _fixture("invoke_card_action")
    base["name"] = how
    base["value"] = {"commandId": "search", "data": {"text": "lin"}} if how != "application/search" else {"kind": "search", "queryText": "lin", "dataset": "sites"}
    return draw(_mutated("invoke", base))


def _find_spec() -> str:
    """The description a concern form's Find step carries, as the adapter writes it."""
    from adapters.teams import search
    from bot.types import Card, Form, Input, Option

    form = Form("concern.file", "Raise a concern", "Send", (
        Input("category", "What is it about?", kind="select", options=(Option("safety", "Safety"), Option("other", "Other"))),
        Input("site", "Where (optional)", kind="select", options=tuple(Option(f"Site {n}", f"Site {n}") for n in range(30)), required=False),
        Input("what_happened", "What happened", kind="textarea", max_length=4000),
    ))
    return search.encode(search.spec_of(Card(title="Raise a concern", body="Anonymous."), form, "site"))


@st.composite
def _conversation_update(draw) -> Example:
    return draw(_mutated("conversationUpdate", _fixture(draw(st.sampled_from(["conversation_update_member_added", "conversation_update_bot_added_personal"])))))


@st.composite
def _installation_update(draw) -> Example:
    base = _fixture("installation_update_personal")
    base["action"] = draw(st.sampled_from(["add", "remove", "add-upgrade"]))
    return draw(_mutated("installationUpdate", base))


# --- where to throw it ------------------------------------------------------------------------


class _Errors(logging.Handler):
    """Error lines of the bot's loggers: a turn that failed logs one."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextlib.asynccontextmanager
async def teams_app(database_url: str | None = None) -> AsyncIterator[Any]:
    """The demo district behind `serve`'s web app, Teams in its unauthenticated (Emulator) mode,
    on loopback, with a fake connector: yields (base_url, session, runtime, connector)."""
    import aiohttp
    from aiohttp import web

    from bot.bootstrap import build_web_app, open_runtime, seed_demo
    from bot.clock import FrozenClock
    from bot.config import Settings
    from tests.adapters.teams.fake_connector import FakeConnector

    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'fuzz.db'}"
        connector = await FakeConnector().start()
        runtime = await open_runtime(Settings(database_url=url, teams_unauthenticated=True), FrozenClock(datetime(2026, 9, 14, 15, 0, tzinfo=timezone.utc)))
        await seed_demo(runtime, Path(tmp))
        runner = web.AppRunner(build_web_app(runtime), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        try:
            async with aiohttp.ClientSession() as session:
                yield f"http://{host}:{port}", session, runtime, connector
        finally:
            await runner.cleanup()
            await runtime.close()
            await connector.stop()


def _fill(value: Any, url: str) -> Any:
    if value == CONNECTOR:
        return url
    if isinstance(value, dict):
        return {k: _fill(v, url) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, url) for v in value]
    return value


def _harness():
    @contextlib.asynccontextmanager
    async def harness() -> AsyncIterator[Any]:
        import json

        errors = _Errors()
        logger = logging.getLogger("affinity")
        logger.addHandler(errors)
        try:
            async with teams_app() as (base_url, session, runtime, connector):

                async def check(example: Example) -> None:
                    body = json.dumps(_fill(example.payload, connector.url))
                    before = await row_counts(runtime.engine)
                    errors.records.clear()
                    async with session.post(base_url + "/api/messages", data=body, headers={"Content-Type": "application/json"}) as response:
                        status = response.status
                        await response.read()
                    after = await row_counts(runtime.engine)
                    assert status < 500, f"{status} for {example.kind}: {example.changes}"
                    assert not errors.records, f"logged {[r.getMessage() for r in errors.records]} for {example.changes}"
                    if example.as_teams_sends():
                        assert status == 200, f"{status} for an activity as Teams sends it: {example.changes}"
                    else:
                        assert status in (200, 400, 403), f"{status} for {example.changes}"
                        assert grown(before, after, IGNORED) == {}, f"rows {grown(before, after, IGNORED)} for {example.changes}"

                yield check
        finally:
            logger.removeHandler(errors)

    return harness


MESSAGE = InputPath("Teams message", _message(), _harness())
INVOKE = InputPath("Teams invoke", _invoke(), _harness())
CONVERSATION_UPDATE = InputPath("Teams conversationUpdate", _conversation_update(), _harness())
INSTALLATION_UPDATE = InputPath("Teams installationUpdate", _installation_update(), _harness())

PATHS = [MESSAGE, INVOKE, CONVERSATION_UPDATE, INSTALLATION_UPDATE]
