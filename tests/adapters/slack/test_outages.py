"""Slack going away: `serve` keeps running, says so once in the log and in /readyz, and comes back
by itself."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace

import aiohttp
from aiohttp import web

from bot.bootstrap import Runtime, build_web_app
from tests.adapters.slack.conftest import BOT_TOKEN
from tests.adapters.slack.fake_slack import fixture
from tests.support.tcp_proxy import TcpProxy

APP_TOKEN = "xapp-1-A0AFFINITY-6144127341298-0f1e2d3c4b5a69788796a5b4c3d2e1f0"


async def readyz(base: str) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as session:
        async with session.get(base + "/readyz") as response:
            return response.status, await response.json()


async def test_socket_mode_starts_while_slack_cannot_be_reached_and_connects_when_it_returns(district, fake_slack, caplog):
    host, port = fake_slack.url.removeprefix("http://").split(":")
    link = await TcpProxy(host, int(port)).start()
    await link.cut()
    settings = replace(district.settings, slack_api_url=f"http://127.0.0.1:{link.port}/api/", slack_bot_token=BOT_TOKEN, slack_app_token=APP_TOKEN)
    runtime = Runtime(settings, district.engine, district.sessions, district.bot, district.clock)
    runner = web.AppRunner(build_web_app(runtime), access_log=None)
    caplog.set_level(logging.WARNING, logger="affinity.network")
    try:
        # Start-up goes on: no ConfigError, no traceback.
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        base = "http://%s:%d" % runner.addresses[0][:2]
        status, body = await readyz(base)
        assert status == 200
        assert body["platforms"]["slack"]["reachable"] is False
        assert "127.0.0.1 cannot be reached" in body["platforms"]["slack"]["reason"]
        assert b"affinity_platform_up{platform=\"slack\"} 0.0" in runtime.metrics.text()

        await link.restore()
        envelope = fixture("socket_mode_slash_command")
        envelope["payload"]["response_url"] = fake_slack.response_url()
        await fake_slack.socket_messages.put(envelope)
        reply = await asyncio.wait_for(fake_slack.socket_replies.get(), 30)
        assert reply["envelope_id"] == envelope["envelope_id"]
        status, body = await readyz(base)
        assert body["platforms"]["slack"] == {"reachable": True}
        assert b"affinity_platform_up{platform=\"slack\"} 1.0" in runtime.metrics.text()
    finally:
        await runner.cleanup()
        await link.cut()
    lines = [r.getMessage() for r in caplog.records if r.name == "affinity.network"]
    assert len([line for line in lines if "Slack cannot be reached" in line]) == 1, lines
    assert len([line for line in lines if "Slack is reachable again" in line]) == 1, lines
    assert not [r for r in caplog.records if r.exc_info]
