"""`affinity-bot serve` carries the Teams endpoint when Teams is configured, and the dispatcher gets a ChatGateway."""

from __future__ import annotations

import inspect

import adapters.teams
from bot.bootstrap import build_web_app
from bot.ports import ChatGateway


def test_serve_answers_teams_at_api_messages(district):
    app = build_web_app(district)
    routes = {(r.method, r.resource.canonical) for r in app.router.routes()}
    assert ("POST", "/api/messages") in routes


async def test_the_gateway_is_the_port_the_dispatcher_uses(district):
    gateway: ChatGateway = adapters.teams.gateway(district)
    try:
        assert gateway.platform == "teams"
        assert inspect.iscoroutinefunction(gateway.send)
        assert list(inspect.signature(gateway.send).parameters) == ["to", "reply"]
    finally:
        await gateway.close()
