"""Which Slack set-up the environment asks for: one workspace or many, HTTP or Socket Mode."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import ConfigError, Settings


@dataclass(frozen=True)
class SlackSettings:
    """The Slack part of the settings, checked for consistency.

    `http`: Slack posts to `/slack/events` (needs the signing secret). `socket`: the bot dials
    out to Slack instead (`SLACK_APP_TOKEN`). `oauth`: many workspaces install the app and their
    tokens live in the database; otherwise the one `SLACK_BOT_TOKEN` serves one workspace.
    """

    api_url: str
    bot_token: str = ""
    signing_secret: str = ""
    app_token: str = ""
    client_id: str = ""
    client_secret: str = ""

    @property
    def oauth(self) -> bool:
        return bool(self.client_id and self.client_secret)

    @property
    def socket(self) -> bool:
        return bool(self.app_token)

    @property
    def http(self) -> bool:
        return bool(self.signing_secret)


def slack_settings(settings: Settings) -> SlackSettings | None:
    """The Slack set-up, None when nothing Slack is set; a half-done set-up raises ConfigError."""
    found = SlackSettings(
        api_url=settings.slack_api_url,
        bot_token=settings.slack_bot_token,
        signing_secret=settings.slack_signing_secret,
        app_token=settings.slack_app_token,
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
    )
    if not any((found.bot_token, found.signing_secret, found.app_token, found.client_id, found.client_secret)):
        return None
    if bool(found.client_id) != bool(found.client_secret):
        missing = "SLACK_CLIENT_SECRET" if found.client_id else "SLACK_CLIENT_ID"
        raise ConfigError(f"{missing} must be set together with the other Slack OAuth setting, or both left empty.")
    if found.bot_token and not found.bot_token.startswith("xoxb-"):
        raise ConfigError("SLACK_BOT_TOKEN must be the app's bot token, which starts with xoxb-.")
    if found.app_token and not found.app_token.startswith("xapp-"):
        raise ConfigError("SLACK_APP_TOKEN must be an app-level token with the connections:write scope, which starts with xapp-.")
    if found.socket:
        if not found.bot_token:
            raise ConfigError("SLACK_APP_TOKEN (Socket Mode) needs SLACK_BOT_TOKEN as well, from the app's OAuth & Permissions page.")
        if found.oauth:
            raise ConfigError("SLACK_APP_TOKEN (Socket Mode) serves one workspace: leave SLACK_CLIENT_ID and SLACK_CLIENT_SECRET empty.")
        return found
    if not found.signing_secret:
        raise ConfigError("SLACK_SIGNING_SECRET must be set to serve Slack over HTTP (Basic Information > App Credentials), or set SLACK_APP_TOKEN for Socket Mode.")
    if not found.bot_token and not found.oauth:
        raise ConfigError("SLACK_SIGNING_SECRET needs SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET (installs in many workspaces).")
    return found
