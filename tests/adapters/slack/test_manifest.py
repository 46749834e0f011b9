"""manifest.yml: valid YAML, every command the code answers, the scopes it asks for, URLs filled in."""

from __future__ import annotations

from pathlib import Path

import yaml
from click.testing import CliRunner

from adapters.slack.manifest import BOT_SCOPES, filled, slash_commands
from bot.cli import main

MANIFEST = Path(__file__).resolve().parents[3] / "manifest.yml"


def manifest() -> dict:
    return yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))


def test_the_manifest_holds_exactly_the_commands_the_code_answers():
    listed = [c["command"] for c in manifest()["features"]["slash_commands"]]
    assert len(listed) == len(set(listed))
    assert sorted(listed) == sorted(slash_commands())
    assert "/affinity" in listed and "/groups" in listed


def test_every_command_is_well_formed_for_slack():
    for command in manifest()["features"]["slash_commands"]:
        assert command["command"].startswith("/") and command["command"] == command["command"].lower()
        assert len(command["command"]) <= 32 and " " not in command["command"]
        assert 0 < len(command["description"]) <= 100
        assert command["should_escape"] is True, "mentions must arrive as <@U…> ids"


def test_scopes_events_interactivity_and_home():
    data = manifest()
    assert data["oauth_config"]["scopes"]["bot"] == list(BOT_SCOPES)
    assert "user" not in data["oauth_config"]["scopes"]
    settings = data["settings"]
    assert set(settings["event_subscriptions"]["bot_events"]) >= {"app_home_opened", "team_join"}
    assert settings["interactivity"]["is_enabled"] is True
    assert data["features"]["app_home"]["home_tab_enabled"] is True


def test_filling_in_the_url_sets_every_request_url():
    data = filled("https://bot.lincoln-usd.org/")
    urls = [c["url"] for c in data["features"]["slash_commands"]]
    urls += [data["settings"]["event_subscriptions"]["request_url"], data["settings"]["interactivity"]["request_url"]]
    # Searchable menus (block_suggestion) load their options from the same endpoint.
    urls.append(data["settings"]["interactivity"]["message_menu_options_url"])
    assert set(urls) == {"https://bot.lincoln-usd.org/slack/events"}
    assert data["oauth_config"]["redirect_urls"] == ["https://bot.lincoln-usd.org/slack/oauth_redirect"]
    assert data["settings"]["socket_mode_enabled"] is False


def test_socket_mode_needs_no_urls():
    data = filled(None, socket_mode=True)
    assert data["settings"]["socket_mode_enabled"] is True
    assert all("url" not in c for c in data["features"]["slash_commands"])
    assert "request_url" not in data["settings"]["event_subscriptions"]
    assert "request_url" not in data["settings"]["interactivity"]
    assert "message_menu_options_url" not in data["settings"]["interactivity"]
    assert "redirect_urls" not in data["oauth_config"]


def test_the_cli_prints_the_filled_manifest_and_refuses_a_plain_http_url():
    runner = CliRunner()
    result = runner.invoke(main, ["slack", "manifest", "--url", "https://bot.lincoln-usd.org"])
    assert result.exit_code == 0, result.output
    printed = yaml.safe_load(result.output)
    assert printed["settings"]["event_subscriptions"]["request_url"] == "https://bot.lincoln-usd.org/slack/events"
    assert sorted(c["command"] for c in printed["features"]["slash_commands"]) == sorted(slash_commands())
    socket = runner.invoke(main, ["slack", "manifest", "--socket-mode"])
    assert socket.exit_code == 0 and yaml.safe_load(socket.output)["settings"]["socket_mode_enabled"] is True
    refused = runner.invoke(main, ["slack", "manifest", "--url", "http://bot.lincoln-usd.org"])
    assert refused.exit_code == 2 and "https://" in refused.output
    missing = runner.invoke(main, ["slack", "manifest"])
    assert missing.exit_code == 2 and "--url" in missing.output
