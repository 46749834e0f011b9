"""`POST /api/messages`: check the request, run one turn, answer Teams over HTTP."""

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

log = logging.getLogger("affinity.teams")


class TeamsEndpoint:
    """One aiohttp handler. Nothing about an activity's content is ever logged."""

    def __init__(self, adapter: TeamsAdapter, turns: TeamsTurns, credentials: Credentials, tenant_id: str = "") -> None:
        self.adapter = adapter
        self.turns = turns
        self.credentials = credentials
        self.tenant_id = tenant_id
        self.check = None if credentials.local else TokenCheck(credentials)

    async def post(self, request: web.Request) -> web.Response:
        if request.content_type != "application/json":
            return web.Response(status=415)
        try:
            body = orjson.loads(await request.read())
        except ValueError:
            return web.Response(status=400)
        if not isinstance(body, dict) or not isinstance(body.get("type"), str):
            return web.Response(status=400)
        activity = activity_from(body)
        if self.check is not None:
            try:
                await self.check(activity, request.headers.get("Authorization", ""))
            except PermissionError:
                # No reason from the token is logged: exception messages are never logged here.
                reason = "token not accepted" if request.headers.get("Authorization") else "no token"
                log.warning("refused a request to /api/messages: %s", reason)
                return web.Response(status=401)
        if self.tenant_id and tenant_of(body) != self.tenant_id:
            # A bot registered for one district answers no other tenant.
            return web.Response(status=403)
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

