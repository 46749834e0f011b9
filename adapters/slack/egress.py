"""slack_sdk's clients on the district's network (adapters/network.py): proxy, CA and timeouts.

slack_sdk reads `HTTPS_PROXY` / `HTTP_PROXY` itself but not `NO_PROXY`, and hands the proxy it
found to every call, which would send calls NO_PROXY exempts through the proxy. Here its own
reading is turned off: a Web API client is told the proxy for its base URL (`network.proxy_for`),
slack-bolt's per-request copies inherit it, and the webhook and WebSocket sessions decide per URL.
Every client gets the verifying TLS context.
"""

from __future__ import annotations

from typing import Any

import aiohttp

import slack_sdk.socket_mode.aiohttp as _socket_mode
import slack_sdk.web.async_base_client as _web
import slack_sdk.webhook.async_client as _webhook
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters import network


def _proxy_left_to_the_session(logger: Any = None) -> None:
    return None


for _module in (_web, _socket_mode, _webhook):
    _module.load_http_proxy_from_env = _proxy_left_to_the_session  # type: ignore[attr-defined]


def web_client(**options: Any) -> AsyncWebClient:
    """An AsyncWebClient whose sessions (its own, or one per call) follow the network settings."""
    client = AsyncWebClient(ssl=network.ssl_context(), trust_env_in_session=True, **options)
    # The sessions it opens for itself, one per call, read no variables: it is told the proxy
    # for its one base URL (None under NO_PROXY), and slack-bolt's per-request copies inherit it.
    client.proxy = network.proxy_for(client.base_url)
    return client


def webhook_client(url: str, **options: Any) -> AsyncWebhookClient:
    """The client for a `response_url` (hooks.slack.com), on the same terms."""
    return AsyncWebhookClient(url=url, ssl=network.ssl_context(), trust_env_in_session=True, **options)


async def fit_socket_mode(client: Any) -> None:
    """slack_sdk's Socket Mode client (its WebSocket) on a session of ours, not the bare one it made."""
    own = client.aiohttp_client_session
    # No total limit: the WebSocket stays open for hours; connecting it still has one.
    client.aiohttp_client_session = network.session(aiohttp.ClientTimeout(total=None, connect=10, sock_connect=10))
    client.proxy = None
    issue = client.issue_new_wss_url

    async def issue_new_wss_url(*args: Any, **kwargs: Any) -> str:
        # aiohttp looks up a WebSocket's proxy under WSS_PROXY, which no district sets: the
        # WebSocket goes where an https:// call to its host would (HTTPS_PROXY, NO_PROXY).
        url = await issue(*args, **kwargs)
        client.proxy = network.proxy_for(url)
        return url

    client.issue_new_wss_url = issue_new_wss_url
    if own is not None and not own.closed:
        await own.close()
