"""`affinity-bot serve` carries the Teams endpoint, and the dispatcher gets a ChatGateway."""

from __future__ import annotations

import inspect

import adapters.teams
from bot.bootstrap import build_web_app
from bot.ports import ChatGateway


def test_serve_answers_teams_at_api_messages(sqlite_runtime):
    app = build_web_app(sqlite_runtime)
    routes = {(r.method, r.resource.canonical) for r in app.router.routes()}
    assert ("POST", "/api/messages") in routes


async def test_the_gateway_is_the_port_the_dispatcher_uses(sqlite_runtime):
    gateway: ChatGateway = adapters.teams.gateway(sqlite_runtime)
    try:
        assert gateway.platform == "teams"
        assert inspect.iscoroutinefunction(gateway.send)
        assert list(inspect.signature(gateway.send).parameters) == ["to", "reply"]
    finally:
        await gateway.close()
