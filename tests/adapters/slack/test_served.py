"""Slack is served only when it is configured: without its settings, its routes answer 404."""

from __future__ import annotations

from urllib.parse import urlencode

import aiohttp
import pytest

from tests.adapters.slack.conftest import BOT_TOKEN, SECRET, serve_slack, sign
from tests.adapters.slack.fake_slack import fixture

FORM = "application/x-www-form-urlencoded"
APP_TOKEN = "xapp-1-A0AFFINITY-6144127341298-0f1e2d3c4b5a69788796a5b4c3d2e1f0"


def signed_command() -> tuple[bytes, dict[str, str]]:
    form = fixture("slash_command")
    form.update(text="mine")
    body = urlencode(form).encode()
    return body, {"Content-Type": FORM, **sign(body)}


@pytest.mark.parametrize(
    "settings",
    [
        {"microsoft_app_id": "00000000-0000-0000-0000-0000000000a1", "microsoft_app_password": "teams-only-password"},
        {},
    ],
    ids=["teams only", "nothing configured"],
)
async def test_without_slack_settings_every_slack_route_answers_404(district, fake_slack, settings):
    app, runner, base = await serve_slack(district, fake_slack, **settings)
    try:
        body, headers = signed_command()
        async with aiohttp.ClientSession() as session:
            async with session.post(base + "/slack/events", data=body, headers=headers) as response:
                assert response.status == 404
            for path in ("/slack/install", "/slack/oauth_redirect"):
                async with session.get(base + path) as response:
                    assert response.status == 404
            async with session.get(base + "/healthz") as response:
                assert response.status == 200
        assert not fake_slack.calls, "nothing was asked of Slack"
    finally:
        await runner.cleanup()


async def test_socket_mode_alone_serves_no_http_endpoint(district, fake_slack):
    app, runner, base = await serve_slack(district, fake_slack, slack_bot_token=BOT_TOKEN, slack_app_token=APP_TOKEN)
    try:
        body, headers = signed_command()
        async with aiohttp.ClientSession() as session:
            async with session.post(base + "/slack/events", data=body, headers=headers) as response:
                assert response.status == 404
        assert not fake_slack.of("users.info"), "the command reached nobody"
    finally:
        await runner.cleanup()


async def test_with_a_signing_secret_the_endpoint_answers(district, fake_slack):
    app, runner, base = await serve_slack(district, fake_slack, slack_bot_token=BOT_TOKEN, slack_signing_secret=SECRET)
    try:
        body, headers = signed_command()
        async with aiohttp.ClientSession() as session:
            async with session.post(base + "/slack/events", data=body, headers=headers) as response:
                assert response.status == 200
    finally:
        await runner.cleanup()
