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

if TYPE_CHECKING:
    from aiohttp import web

    from bot.bootstrap import Runtime
    from bot.config import Settings

log = logging.getLogger("affinity.teams")

ROUTE = "/api/messages"

__all__ = ["PLATFORM", "ROUTE", "PackageError", "TeamsGateway", "attach", "credentials", "gateway", "package"]


def credentials(settings: "Settings", login_url: str | None = None) -> Credentials:
    return Credentials(settings.microsoft_app_id, settings.microsoft_app_password, settings.microsoft_app_tenant_id, login_url)


def attach(app: "web.Application", runtime: "Runtime", *, login_url: str | None = None) -> None:
    """Add `POST /api/messages`: JWT-checked with an app id and password, local mode without."""
    creds = credentials(runtime.settings, login_url)
    connector = Connector(creds)
    adapter = TeamsAdapter(connector)
    turns = TeamsTurns(runtime.bot.handle, adapter, MemberDirectory(connector), ReferenceBook(runtime.sessions, now=runtime.now))
    endpoint = TeamsEndpoint(adapter, turns, creds, runtime.settings.microsoft_app_tenant_id)
    app.router.add_post(ROUTE, endpoint.post)

    async def close(_app) -> None:
        await connector.close()

    app.on_cleanup.append(close)
    if creds.local:
        log.warning("Teams: no MICROSOFT_APP_ID/MICROSOFT_APP_PASSWORD, so %s runs in local mode without token checks (tests and the Emulator only).", ROUTE)


def gateway(runtime: "Runtime", *, login_url: str | None = None) -> TeamsGateway:
    """The ChatGateway the dispatcher sends Teams messages through; `close()` it when done."""
    connector = Connector(credentials(runtime.settings, login_url))
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
