"""The Microsoft Teams adapter: Bot Framework activities in, Adaptive Cards out, proactive sends.

Every botbuilder import of the project lives in this package, so moving to the Microsoft 365
Agents SDK (the same Activity protocol) changes this package alone.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from adapters.teams.activity import PLATFORM
from adapters.teams.adapter import TeamsAdapter
from adapters.teams.connector import Connector, Credentials
from adapters.teams.endpoint import TeamsEndpoint
from adapters.teams.gateway import TeamsGateway
from adapters.teams.handler import TeamsTurns
from adapters.teams.members import MemberDirectory
from adapters.teams.package import PackageError, write_package
from adapters.teams.references import ReferenceBook
from adapters.teams.service_urls import ServiceUrls

if TYPE_CHECKING:
    from aiohttp import web

    from bot.bootstrap import Runtime
    from bot.config import Settings

log = logging.getLogger("affinity.teams")

ROUTE = "/api/messages"

__all__ = ["PLATFORM", "ROUTE", "PackageError", "TeamsGateway", "attach", "configured", "credentials", "gateway", "package"]


def credentials(settings: "Settings", login_url: str | None = None) -> Credentials:
    return Credentials(settings.microsoft_app_id, settings.microsoft_app_password, settings.microsoft_app_tenant_id, login_url)


def configured(settings: "Settings") -> bool:
    """Teams is served with an app id and password, or, for the Emulator and local tests, with
    `AFFINITY_TEAMS_UNAUTHENTICATED=1`; otherwise not at all."""
    return not credentials(settings).local or settings.teams_unauthenticated


def _service_urls(runtime: "Runtime", creds: Credentials) -> ServiceUrls:
    return ServiceUrls(runtime.sessions, loopback_only=creds.local)


def attach(app: "web.Application", runtime: "Runtime", *, login_url: str | None = None) -> None:
    """Add `POST /api/messages` when Teams is configured: token-checked with an app id and
    password, loopback only with `AFFINITY_TEAMS_UNAUTHENTICATED=1`. Otherwise the route is
    not there at all (404)."""
    settings = runtime.settings
    if not configured(settings):
        return
    creds = credentials(settings, login_url)
    service_urls = _service_urls(runtime, creds)
    connector = Connector(creds, service_urls, reachability=runtime.reachability)
    adapter = TeamsAdapter(connector)
    turns = TeamsTurns(
        runtime.bot.handle, adapter, MemberDirectory(connector), ReferenceBook(runtime.sessions, now=runtime.now), suggest=runtime.bot.suggest
    )
    endpoint = TeamsEndpoint(adapter, turns, creds, service_urls, settings.microsoft_app_tenant_id)
    app.router.add_post(ROUTE, endpoint.post)

    async def close(_app) -> None:
        await connector.close()

    app.on_cleanup.append(close)
    if creds.local:
        log.warning(
            "Teams: AFFINITY_TEAMS_UNAUTHENTICATED=1, so %s runs without token checks, for loopback peers and loopback service URLs only (the Emulator and tests).",
            ROUTE,
        )


def gateway(runtime: "Runtime", *, login_url: str | None = None) -> TeamsGateway | None:
    """The ChatGateway the dispatcher sends Teams messages through (`close()` it when done), or
    None when Teams is not configured."""
    if not configured(runtime.settings):
        return None
    creds = credentials(runtime.settings, login_url)
    connector = Connector(creds, _service_urls(runtime, creds), reachability=runtime.reachability)
    return TeamsGateway(TeamsAdapter(connector), ReferenceBook(runtime.sessions, now=runtime.now))


def package(app_id: str, out: Path, domain: str | None = None, website: str | None = None) -> dict:
    """Write the Teams app zip for `affinity-bot teams package`; raises PackageError."""
    from importlib.metadata import PackageNotFoundError, version

    from bot.registry import all_specs

    try:
        app_version = version("affinity-bot")
    except PackageNotFoundError:
        app_version = "0.1.0"
    return write_package(all_specs(), app_id, out, domain=domain, website=website, version=app_version)
