"""`POST /api/messages`: check the request, run one turn, answer Teams over HTTP.

Who gets through (adapters/teams/service_urls.py says why):
- with an app id and password, a request whose Bot Framework token validates and whose
  `serviceurl` claim is the activity's `serviceUrl` (else 401), from the bot's tenant when it
  has one (else 403); the service URL is then learned, and the connector calls no other;
- with `AFFINITY_TEAMS_UNAUTHENTICATED=1`, a request from a loopback peer naming a loopback
  service URL (else 403), before anything is fetched or written.
"""

from __future__ import annotations

import logging
import traceback

import orjson
from aiohttp import web
from botbuilder.core import TurnContext

from adapters.teams.activity import tenant_of
from adapters.teams.adapter import INVOKE_RESPONSE, RAW_ACTIVITY, TeamsAdapter, activity_from
from adapters.teams.auth import TokenCheck
from adapters.teams.connector import ConnectorError, Credentials
from adapters.teams.handler import TeamsTurns
from adapters.teams.shape import problem
from adapters.teams.service_urls import ServiceUrls, is_loopback_host, is_loopback_url

log = logging.getLogger("affinity.teams")


class TeamsEndpoint:
    """One aiohttp handler. Nothing about an activity's content is ever logged."""

    def __init__(self, adapter: TeamsAdapter, turns: TeamsTurns, credentials: Credentials, service_urls: ServiceUrls, tenant_id: str = "") -> None:
        self.adapter = adapter
        self.turns = turns
        self.credentials = credentials
        self.service_urls = service_urls
        self.tenant_id = tenant_id
        #: None: AFFINITY_TEAMS_UNAUTHENTICATED=1, loopback only.
        self.check = None if credentials.local else TokenCheck(credentials)

    async def post(self, request: web.Request) -> web.Response:
        if self.check is None and not is_loopback_host(request.remote):
            # Without token checks nobody else is served, and their body is not even read.
            return web.Response(status=403)
        if request.content_type != "application/json":
            return web.Response(status=415)
        try:
            body = orjson.loads(await request.read())
        except ValueError:
            return web.Response(status=400)
        if not isinstance(body, dict):
            return web.Response(status=400)
        if self.check is not None:
            refused = await self._authenticate(body, request.headers.get("Authorization", ""))
            if refused is not None:
                return refused
        wrong = problem(body)
        if wrong is not None:
            # The field's name only: its value may be what someone wrote.
            log.info("refused a Teams activity not as Teams sends it (%s)", wrong)
            return web.Response(status=400)
        service_url = body.get("serviceUrl")
        if self.check is None and not (isinstance(service_url, str) and is_loopback_url(service_url)):
            # Nothing is fetched from, or sent to, an address that is not this machine.
            return web.Response(status=403)
        activity = activity_from(body)
        if self.tenant_id and tenant_of(body) != self.tenant_id:
            # A bot registered for one district answers no other tenant.
            return web.Response(status=403)
        if self.check is not None:
            # Named by a validated token's claim: the connector may call it from now on.
            await self.service_urls.learn(service_url)
        context = TurnContext(self.adapter, activity)
        context.turn_state[RAW_ACTIVITY] = body
        try:
            await self.adapter.run_pipeline(context, self.turns.on_turn)
        except ConnectorError as exc:
            # What the person asked for is done; only the answer could not be posted. Teams
            # would send the activity again on an error status, so the request still succeeds.
            log.error("a reply could not be delivered to Teams (HTTP %s)", exc.status)
        except Exception as exc:
            # The type and where only: an exception's message can carry what the person wrote.
            log.error("a Teams turn failed: %s", type(exc).__name__)
            frames = traceback.extract_tb(exc.__traceback__)
            log.debug("Teams turn failed at: %s", " < ".join(f"{f.filename}:{f.lineno} {f.name}" for f in reversed(frames)))
            return web.Response(status=500)
        invoke = context.turn_state.get(INVOKE_RESPONSE)
        if invoke is not None and invoke.value is not None:
            return web.json_response(invoke.value.body, status=invoke.value.status or 200)
        return web.Response(status=200)

    async def _authenticate(self, body: dict, header: str) -> web.Response | None:
        """None when the token validates and its `serviceurl` claim is the body's service URL."""
        service_url, channel = body.get("serviceUrl"), body.get("channelId")
        if not isinstance(service_url, str) or not service_url or not isinstance(channel, (str, type(None))):
            return web.Response(status=401)
        try:
            claimed = await self.check(activity_from({"serviceUrl": service_url, "channelId": channel}), header)
        except PermissionError:
            # No reason from the token is logged: exception messages are never logged here.
            log.warning("refused a request to /api/messages: %s", "token not accepted" if header else "no token")
            return web.Response(status=401)
        if claimed != service_url:
            return web.Response(status=401)
        return None

