"""The Slack adapter: slash commands, buttons, modals and events in; Block Kit out; proactive sends.

`attach` adds Slack to the HTTP app of `affinity-bot serve` when Slack settings are present;
`gateway` gives the dispatcher its Slack ChatGateway; `manifest` fills in the app manifest.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from aiohttp import web

from adapters.slack.app import SlackAdapter
from adapters.slack.gateway import BOT_NOT_IN_CHANNEL, SlackGateway
from adapters.slack.inbound import PLATFORM
from adapters.slack.manifest import BOT_SCOPES, EVENTS_PATH, INSTALL_PATH, REDIRECT_PATH, ManifestError, slash_commands
from adapters.slack.settings import SlackSettings, slack_settings

if TYPE_CHECKING:
    from bot.bootstrap import Runtime

log = logging.getLogger("affinity.slack")

#: Where the running SlackAdapter is kept on the aiohttp app (tests wait on it; nothing else needs it).
ADAPTER = web.AppKey("slack_adapter", SlackAdapter)

__all__ = [
    "ADAPTER",
    "BOT_NOT_IN_CHANNEL",
    "BOT_SCOPES",
    "PLATFORM",
    "ManifestError",
    "SlackGateway",
    "attach",
    "gateway",
    "manifest",
    "revoked_workspaces",
    "slash_commands",
]


def attach(app: web.Application, runtime: "Runtime") -> None:
    """Add Slack when it is configured: `POST /slack/events`, the OAuth pages, or Socket Mode."""
    config = slack_settings(runtime.settings)
    if config is None:
        return
    adapter = SlackAdapter(runtime, config)
    app[ADAPTER] = adapter
    if config.http:
        app.router.add_post(EVENTS_PATH, adapter.post_events)
    if config.oauth:
        app.router.add_get(INSTALL_PATH, adapter.install)
        app.router.add_get(REDIRECT_PATH, adapter.oauth_redirect)
    if config.socket:
        app.on_startup.append(adapter.start_socket_mode)
    app.on_cleanup.append(adapter.close)
    modes = [m for m, on in (("HTTP at " + EVENTS_PATH, config.http), ("Socket Mode", config.socket), ("OAuth installs at " + INSTALL_PATH, config.oauth)) if on]
    log.info("Slack: %s.", ", ".join(modes))


def gateway(runtime: "Runtime") -> SlackGateway | None:
    """The ChatGateway the dispatcher sends Slack messages through, or None without Slack settings."""
    from adapters.slack.egress import web_client
    from adapters.slack.installations import InstallationStore, Revocations
    from adapters.slack.redaction import quiet_logger

    config = slack_settings(runtime.settings)
    if config is None:
        return None
    logger = quiet_logger()
    # No retries inside the client: the dispatcher owns retrying, with its own backoff.
    client = web_client(base_url=config.api_url, logger=logger, retry_handlers=[])
    if config.oauth:
        store = InstallationStore(runtime.sessions, config.client_id, logger, runtime.clock)

        async def token_for(tenant: str) -> str | None:
            org = tenant.startswith("E")
            bot = await store.async_find_bot(enterprise_id=tenant if org else None, team_id=None if org else tenant, is_enterprise_install=org)
            return bot.bot_token if bot else None

    else:

        async def token_for(tenant: str) -> str | None:
            return config.bot_token

    revocations = Revocations(runtime.sessions, runtime.clock, single_token=None if config.oauth else config.bot_token)
    return SlackGateway(client, token_for, revocations=revocations, reachability=runtime.reachability)


async def revoked_workspaces(runtime: "Runtime") -> list[str]:
    """One line for each workspace that revoked the app's token or uninstalled it, for
    `affinity-bot outbox status`; none without Slack settings."""
    from adapters.slack.installations import Revocations

    config = slack_settings(runtime.settings)
    if config is None:
        return []
    revocations = Revocations(runtime.sessions, runtime.clock, single_token=None if config.oauth else config.bot_token)
    return [
        f"Slack workspace {r.tenant}: {r.reason.replace('_', ' ')} since {r.since:%Y-%m-%d %H:%M} UTC; nothing is sent there until the app is installed again."
        for r in await revocations.standing()
    ]


def manifest(url: str | None, socket_mode: bool = False) -> str:
    """The app manifest as YAML for `affinity-bot slack manifest`; raises ManifestError."""
    from adapters.slack.manifest import render

    return render(url, socket_mode)
