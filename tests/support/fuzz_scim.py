"""The SCIM endpoint as a hostile-input path: generated requests at `/scim/v2/` over real HTTP.

Each example is one request: a method and path (Users, one user, a filter, discovery, Groups,
unknown ids), a bearer token (right, wrong or missing) and a body (a user or PatchOp built from
good and bad parts, JSON noise, or bytes that are not JSON). The promise checked: never a 5xx;
every 4xx is a SCIM error body whose `status` is the response's; a refused request writes no row
(row_counts/grown, the request record aside) and leaves the seeded person as they were.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from hypothesis import strategies as st

from tests.support.fuzz import InputPath, grown, row_counts

TOKEN = "s" * 48
ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
#: Tables a refused request may still write: the record of the request itself.
RECORD = frozenset({"provisioning_event"})


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    token: str | None
    body: bytes | None


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 10**12) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
_strings = st.sampled_from(["", " ", "ana@district.example", "Ana", "x" * 400, "\x00", "es-MX", "Mars/Base", "America/Chicago",
                            "2026-09-10", "2026-02-30", "False", "true", "1", "999999999999999", "../../etc"])
_values = st.one_of(_strings, _json)
_paths = st.sampled_from(["active", "title", "userName", "externalId", "displayName", "name.givenName", "name", "emails",
                          'emails[type eq "work"].value', 'emails[type eq "home"].value', 'emails[type eq "work"]', "addresses",
                          'addresses[type eq "work"].locality', f"{ENT}:department", f"{ENT}:manager", ENT, "id", "meta.created",
                          "schemas", "phoneNumbers", "emails[value co", "a b", "urn:x:y:employeeHireDate", "timezone", "preferredLanguage"])


@st.composite
def _user(draw) -> dict:
    user = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": f"new{draw(st.integers(0, 30))}@district.example",
            "displayName": "New Person", "active": True}
    for _ in range(draw(st.integers(0, 4))):
        key = draw(st.sampled_from(["userName", "externalId", "displayName", "title", "active", "emails", "name", "timezone",
                                    "preferredLanguage", ENT, "id", "addresses", "unknownThing"]))
        user[key] = draw(_values)
    if draw(st.booleans()):
        user.pop(draw(st.sampled_from(sorted(user))), None)
    return user


@st.composite
def _patch(draw) -> dict:
    operations = []
    for _ in range(draw(st.integers(0, 4))):
        operation: dict[str, Any] = {"op": draw(st.sampled_from(["add", "Replace", "remove", "REMOVE", "copy", "", 3]))}
        if draw(st.integers(0, 3)):
            operation["path"] = draw(st.one_of(_paths, _strings))
        if draw(st.integers(0, 3)):
            operation["value"] = draw(st.one_of(_values, st.dictionaries(_paths, _values, max_size=3)))
        operations.append(operation)
    body: dict[str, Any] = {"schemas": [PATCH], "Operations": operations}
    if not draw(st.integers(0, 6)):
        body["schemas"] = draw(_json)
    return body


@st.composite
def _request(draw) -> Request:
    kind = draw(st.sampled_from(["post", "put", "patch", "get", "list", "delete", "discovery", "groups"]))
    target = draw(st.sampled_from(["{seed}", "0", "abc", "-1", "99999999999999999", "forgotten-ab", "{seed}/x"]))
    body = None
    if kind == "post":
        method, path, body = "POST", "/Users", draw(_user())
    elif kind == "put":
        method, path, body = "PUT", f"/Users/{target}", draw(_user())
    elif kind == "patch":
        method, path, body = "PATCH", f"/Users/{target}", draw(_patch())
    elif kind == "get":
        method, path = "GET", f"/Users/{target}"
    elif kind == "list":
        query = draw(st.sampled_from(['userName eq "seed@district.example"', 'externalId eq "x"', 'emails[type eq "work"].value eq "a"',
                                      'userName co "a"', "userName eq", 'userName eq "a" and active eq true', "((", ""]))
        extra = draw(st.sampled_from(["", "&startIndex=0", "&count=-3", "&count=abc", "&startIndex=99999999999", "&count=5000"]))
        method, path = "GET", "/Users?filter=" + quote(query, safe="") + extra
    elif kind == "delete":
        method, path = "DELETE", f"/Users/{draw(st.sampled_from(['0', 'abc', 'forgotten-1', '12345678901234']))}"
    elif kind == "discovery":
        method, path = "GET", draw(st.sampled_from(["/ServiceProviderConfig", "/ResourceTypes", "/ResourceTypes/User", "/Schemas", "/Nothing"]))
    else:
        method, path, body = draw(st.sampled_from(["GET", "POST", "PATCH"])), "/Groups", {"displayName": "x"}
    token = draw(st.sampled_from([TOKEN, TOKEN, TOKEN, TOKEN, None, "wrong", TOKEN + "x", "ş" * 48]))
    raw = None
    if body is not None:
        raw = json.dumps(body).encode("utf-8")
        mutation = draw(st.integers(0, 9))
        if mutation == 0:
            raw = raw[: draw(st.integers(0, len(raw)))]
        elif mutation == 1:
            raw = draw(st.binary(max_size=64))
        elif mutation == 2:
            raw = b"[" * 5000
    return Request(method, path, token, raw)


REQUESTS = _request()


@contextlib.asynccontextmanager
async def _harness(url: str | None = None):
    import aiohttp
    from aiohttp import web
    from sqlalchemy import select

    from bot.bootstrap import build_web_app, open_runtime
    from bot.clock import FrozenClock
    from bot.config import Settings
    from storage.models import Person
    from tests.conftest import START

    with tempfile.TemporaryDirectory() as folder:
        runtime = await open_runtime(
            Settings(database_url=url or f"sqlite+aiosqlite:///{Path(folder) / 'affinity.db'}", scim_tokens=(TOKEN,)), FrozenClock(START)
        )
        runner = web.AppRunner(build_web_app(runtime))
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        base = f"http://127.0.0.1:{port}/scim/v2"
        try:
            async with aiohttp.ClientSession() as http:
                seed = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "seed@district.example", "displayName": "Seed"}
                async with http.post(f"{base}/Users", json=seed, headers={"Authorization": f"Bearer {TOKEN}"}) as response:
                    assert response.status == 201
                    seed_id = (await response.json())["id"]

                async def snapshot():
                    async with runtime.sessions() as session:
                        return tuple((await session.execute(select(Person.__table__).where(Person.id == int(seed_id)))).one())

                async def check(example: Request) -> None:
                    before, person = await row_counts(runtime.engine), await snapshot()
                    headers = {"Content-Type": "application/scim+json"}
                    if example.token is not None:
                        headers["Authorization"] = f"Bearer {example.token}"
                    path = example.path.replace("{seed}", seed_id)
                    async with http.request(example.method, base + path, data=example.body, headers=headers) as response:
                        status, text = response.status, await response.text()
                    assert status < 500, f"{status} for {example.method} {path}: {text[:300]}"
                    if example.token != TOKEN:
                        assert status == 401, (status, text[:200])
                    if status >= 400:
                        body = json.loads(text)
                        assert body["schemas"] == [ERROR] and body["status"] == str(status), text[:300]
                        gained = grown(before, await row_counts(runtime.engine), RECORD)
                        assert gained == {}, gained
                        assert await snapshot() == person, "a refused request changed the person"
                    elif text:
                        json.loads(text)

                yield check
        finally:
            await runner.cleanup()
            await runtime.close()


def path(url: str | None = None) -> InputPath:
    return InputPath("SCIM /scim/v2/ (HTTP request)", REQUESTS, lambda: _harness(url))


PATHS = [path()]
