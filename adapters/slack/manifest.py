"""The Slack app manifest: the commands the code answers, its scopes, and its request URLs filled in."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from adapters.slack.inbound import UMBRELLA

#: The bot scopes the app asks for when installed through OAuth; manifest.yml lists the same.
BOT_SCOPES = (
    "commands",
    "chat:write",
    "im:write",
    "mpim:write",
    "users:read",
    "users:read.email",
    "files:write",
    "groups:read",
    "groups:write",
    # Read only to find the bot's own message by its outbox key after an interruption between
    # sending and recording it (schedules/dispatcher.py, SlackGateway.was_delivered).
    "im:history",
    "mpim:history",
    "groups:history",
    "channels:history",
)
EVENTS_PATH = "/slack/events"
REDIRECT_PATH = "/slack/oauth_redirect"
INSTALL_PATH = "/slack/install"
_HERE = Path(__file__).resolve()


class ManifestError(ValueError):
    """The manifest template is missing or the URL is not one Slack accepts; one sentence."""


def slash_commands() -> tuple[str, ...]:
    """Every slash command the bot answers: the first word of each listed command, and /affinity."""
    from bot.registry import all_specs

    words = {spec.words[0] for spec in all_specs() if spec.listed}
    return tuple(sorted({f"/{w}" for w in words} | {f"/{UMBRELLA}"}))


def template_path() -> Path:
    """manifest.yml of this checkout (or the current folder's, when run from elsewhere)."""
    for candidate in (Path.cwd() / "manifest.yml", _HERE.parents[2] / "manifest.yml"):
        if candidate.is_file():
            return candidate
    raise ManifestError("manifest.yml was not found here or next to the installed code; run this from a copy of the repository.")


def load(path: Path | None = None) -> dict[str, Any]:
    path = path or template_path()
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ManifestError(f"{path} is not a Slack app manifest.")
    return data


def _base(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme != "https" or not parts.netloc:
        raise ManifestError(f"--url must be the bot's public https:// address, such as https://bot.your-district.org, not {url!r}.")
    return f"https://{parts.netloc}{parts.path.rstrip('/')}"


def filled(url: str | None, socket_mode: bool = False, path: Path | None = None) -> dict[str, Any]:
    """The manifest with every request URL set to `url`, or set up for Socket Mode (no URLs)."""
    manifest = copy.deepcopy(load(path))
    features = manifest.setdefault("features", {})
    settings = manifest.setdefault("settings", {})
    if socket_mode:
        for command in features.get("slash_commands", []):
            command.pop("url", None)
        settings.get("event_subscriptions", {}).pop("request_url", None)
        settings.get("interactivity", {}).pop("request_url", None)
        settings.get("interactivity", {}).pop("message_menu_options_url", None)
        # Socket Mode serves one workspace with its bot token: no OAuth redirect is used.
        manifest.get("oauth_config", {}).pop("redirect_urls", None)
        settings["socket_mode_enabled"] = True
        return manifest
    if not url:
        raise ManifestError("Give the bot's public address with --url https://…, or use --socket-mode.")
    base = _base(url)
    for command in features.get("slash_commands", []):
        command["url"] = base + EVENTS_PATH
    settings.setdefault("event_subscriptions", {})["request_url"] = base + EVENTS_PATH
    settings.setdefault("interactivity", {"is_enabled": True})["request_url"] = base + EVENTS_PATH
    # The options of searchable menus (block_suggestion) come from the same endpoint.
    settings["interactivity"]["message_menu_options_url"] = base + EVENTS_PATH
    manifest.setdefault("oauth_config", {})["redirect_urls"] = [base + REDIRECT_PATH]
    settings["socket_mode_enabled"] = False
    return manifest


def render(url: str | None, socket_mode: bool = False, path: Path | None = None) -> str:
    """`affinity-bot slack manifest`'s output: YAML that Slack's "From a manifest" accepts."""
    return yaml.safe_dump(filled(url, socket_mode, path), sort_keys=False, allow_unicode=True, width=100)
