"""`affinity-bot doctor`: all green on a good set-up; each failure named, one at a time, against the fakes."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
from pathlib import Path

import pytest
from aiohttp import web
from sqlalchemy.engine import make_url

from bot.bootstrap import doctor, open_runtime, seed_demo
from bot.config import Settings
from operations.doctor import manifest_scopes
from tests.adapters.slack.conftest import BOT_TOKEN, SECRET
from tests.adapters.slack.fake_slack import TEAM, FakeSlack
from tests.adapters.teams.fake_connector import FakeConnector

BIN = Path(sys.executable).with_name("affinity-bot")
APP_ID = "7c5fdcc9-2d1e-4c1a-9f0b-3a6f0d2e8b11"
TENANT = "0f8e7d6c-5b4a-4392-8170-a1b2c3d4e5f6"
PASSWORD = "right-secret"
DEI = "C0DEIOFFICE"


class ScopedSlack(FakeSlack):
    """The fake Web API, also saying which scopes the token was granted, as Slack does."""

    granted: str = ",".join(sorted(manifest_scopes()))

    async def _api(self, request: web.Request) -> web.Response:
        response = await super()._api(request)
        if request.match_info["method"] == "auth.test" and self.granted is not None:
            response.headers["X-OAuth-Scopes"] = self.granted
        return response


class StrictConnector(FakeConnector):
    """The fake connector's token endpoint, refusing any secret but the right one."""

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        if form.get("client_secret") != PASSWORD or form.get("client_id") != APP_ID:
            return web.json_response({"error": "invalid_client"}, status=401)
        return await super()._token(request)


@pytest.fixture
async def fakes():
    slack, connector = await ScopedSlack().start(), await StrictConnector().start()
    slack.member_of.add(DEI)
    yield slack, connector
    await slack.stop()
    await connector.stop()


def good_env(database_url: str, slack: FakeSlack) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "SLACK_API_URL": slack.api_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "MICROSOFT_APP_ID": APP_ID,
        "MICROSOFT_APP_PASSWORD": PASSWORD,
        "MICROSOFT_APP_TENANT_ID": TENANT,
        "AFFINITY_DEI_CHANNEL": f"slack:{TEAM}:{DEI}",
    }


async def run(env, connector) -> tuple[str, int, list[str]]:
    text, code = await doctor(env, teams_login_url=connector.url + "botframework.com/oauth2/v2.0/token")
    return text, code, [line for line in text.splitlines() if line.startswith("✗")]


async def test_a_good_setup_passes_every_check(sqlite_url, fakes):
    slack, connector = fakes
    text, code, failures = await run(good_env(sqlite_url, slack), connector)
    assert (code, failures) == (0, []), text
    for name in ("database reachable", "database schema at head", "SQLite file writable", "SQLite WAL on", "Slack auth.test", "Slack scopes", "DEI channel", "Teams tenant", "Teams token", "quiet hours", "approval groups have a facilitator"):
        assert f"✓ {name}" in text, name
    assert text.endswith("All checks passed.")


async def test_each_failure_is_named_with_how_to_fix_it(sqlite_url, fakes, tmp_path):
    slack, connector = fakes
    env = good_env(sqlite_url, slack)

    async def only(failure: str, words: str, **changes) -> None:
        _, code, failures = await run({**env, **changes}, connector)
        assert code == 1 and len(failures) == 1 and failures[0].startswith(f"✗ {failure}: ") and words in failures[0], failures

    await only("setting PORT", "PORT must be a port number", PORT="http")
    await only("setting AFFINITY_METRICS_PORT", "must differ from PORT", AFFINITY_METRICS_PORT="3978")
    await only("settings together", "SLACK_SIGNING_SECRET must be set", SLACK_SIGNING_SECRET="")
    await only("setting MICROSOFT_APP_TENANT_ID", "GUID", MICROSOFT_APP_TENANT_ID="lincoln-usd")
    await only("Teams token", "new client secret", MICROSOFT_APP_PASSWORD="an-old-secret")
    await only("DEI channel", "/invite", AFFINITY_DEI_CHANNEL=f"slack:{TEAM}:C0ELSEWHERE")
    quiet = tmp_path / "district.yml"
    quiet.write_text("quiet_hours: 07:00-18:00\n")
    await only("quiet hours", "working_hours 08:00-16:30", AFFINITY_CONFIG=str(quiet))
    groups = tmp_path / "groups.yml"
    groups.write_text("groups:\n  - slug: new-teachers\n    facilitators: [ghost.writer@district.example]\n")
    await only("groups file facilitators exist", "import the roster first", AFFINITY_CONFIG=str(groups))

    slack.fail("auth.test", error="invalid_auth")
    await only("Slack auth.test", "invalid_auth")
    slack.granted = "commands,chat:write"
    await only("Slack scopes", "im:write")
    slack.granted = ",".join(sorted(manifest_scopes()))

    path = Path(make_url(sqlite_url).database)
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA journal_mode=DELETE").fetchone() == ("delete",)
    db.close()
    await only("SQLite WAL on", "PRAGMA journal_mode=WAL")
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    (head,) = db.execute("SELECT version_num FROM alembic_version").fetchone()
    db.execute("UPDATE alembic_version SET version_num = '0001'")
    db.commit()
    await only("database schema at head", "affinity-bot db upgrade")
    db.execute("UPDATE alembic_version SET version_num = ?", (head,))
    db.commit()
    db.close()
    await only("database reachable", "no SQLite database", DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'elsewhere.db'}")
    assert not (tmp_path / "elsewhere.db").exists(), "the doctor created nothing"

    runtime = await open_runtime(Settings(database_url=sqlite_url))
    try:
        await seed_demo(runtime, tmp_path)
        from sqlalchemy import text

        async with runtime.engine.begin() as conn:
            slug = "new-teachers"
            await conn.execute(text("UPDATE affinity_group SET join_policy = 'approval' WHERE slug = :slug"), {"slug": slug})
            await conn.execute(text("DELETE FROM role_grant WHERE group_id = (SELECT id FROM affinity_group WHERE slug = :slug)"), {"slug": slug})
    finally:
        await runtime.close()
    await only("approval groups have a facilitator", f"join {slug}")


async def test_postgresql_unreachable_is_named(fakes):
    slack, connector = fakes
    with __import__("socket").socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {"DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1:{port}/nothing"}
    _, code, failures = await run(env, connector)
    assert code == 1 and failures[0].startswith("✗ database reachable: PostgreSQL at 127.0.0.1:") and "DATABASE_URL" in failures[0]


async def test_the_command_exits_0_only_when_all_pass(sqlite_url, tmp_path):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "AFFINITY_", "SLACK_", "MICROSOFT_", "PORT"))}
    good = await asyncio.create_subprocess_exec(str(BIN), "doctor", cwd=tmp_path, env={**base, "DATABASE_URL": sqlite_url}, stdout=asyncio.subprocess.PIPE)
    out, _ = await good.communicate()
    assert good.returncode == 0, out.decode()
    assert "- Slack: not configured" in out.decode() and "- Teams: not configured" in out.decode()
    bad = await asyncio.create_subprocess_exec(
        str(BIN), "doctor", cwd=tmp_path, env={**base, "DATABASE_URL": sqlite_url, "AFFINITY_TIMEZONE": "Mars/Olympus", "PORT": "0"}, stdout=asyncio.subprocess.PIPE
    )
    out, _ = await bad.communicate()
    lines = out.decode().splitlines()
    assert bad.returncode == 1
    assert [line.split(":")[0] for line in lines if line.startswith("✗")] == ["✗ setting PORT", "✗ setting AFFINITY_TIMEZONE"]
    assert lines[-1] == "2 check(s) failed."
