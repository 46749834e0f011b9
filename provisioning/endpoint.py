"""`/scim/v2/` in `serve`: bearer tokens, bounded bodies, SCIM error bodies, discovery, Users.

Served only when `AFFINITY_SCIM_TOKEN` is set (otherwise the routes do not exist: 404). Each
request is one transaction: a refusal rolls back, so a bad request changes nothing. Groups are
refused: the bot never adds anyone to an affinity group (docs/provisioning.md).
"""

from __future__ import annotations

import hmac
import json
import logging

from aiohttp import web
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from provisioning import resource as scim
from provisioning import users
from provisioning.discovery import resource_types, schemas, service_provider_config
from provisioning.errors import ScimError
from storage.models import ProvisioningEvent

PREFIX = "/scim/v2"
CONTENT_TYPE = "application/scim+json"
MAX_BODY = 1024 * 1024
log = logging.getLogger(__name__)


def _answer(body: dict | None, status: int = 200) -> web.Response:
    if body is None:
        return web.Response(status=status)
    return web.Response(status=status, text=json.dumps(body), content_type=CONTENT_TYPE)


def add_scim(app: web.Application, tokens: tuple[str, ...], sessions: async_sessionmaker[AsyncSession], clock, settings) -> None:
    """Add the SCIM routes to `app` (call only when tokens are configured)."""
    expected = [t.encode("utf-8") for t in tokens]

    def authorised(request: web.Request) -> bool:
        header = request.headers.get("Authorization", "")
        scheme, _, given = header.partition(" ")
        if scheme.lower() != "bearer" or not given:
            return False
        given_bytes = given.strip().encode("utf-8", "surrogateescape")
        ok = False
        for token in expected:  # every token compared, in constant time each
            ok |= hmac.compare_digest(given_bytes, token)
        return ok

    def context(request: web.Request):
        now = clock()
        return users.Context(
            today=now.astimezone(settings.timezone).date(), now=now, base_url=f"{request.scheme}://{request.host}{PREFIX}",
            site_sources=settings.district.provisioning_site, start_attribute=settings.district.provisioning_start_date,
        )

    async def record(method: str, resource: str, outcome: str, status: int, scim_type: str | None) -> None:
        try:
            async with sessions.begin() as session:
                session.add(ProvisioningEvent(at=clock(), method=method, resource=resource, outcome=outcome, status=status, scim_type=scim_type))
        except Exception:  # noqa: BLE001 - the answer stands; the record is for the status view
            log.warning("SCIM request record not written")

    async def body_of(request: web.Request):
        if request.content_length is not None and request.content_length > MAX_BODY:
            raise ScimError(413, "The request body is larger than 1 MiB.")
        try:
            raw = await request.content.read(MAX_BODY + 1)
        except (ValueError, web.HTTPRequestEntityTooLarge):
            raise ScimError(413, "The request body is larger than 1 MiB.") from None
        if len(raw) > MAX_BODY:
            raise ScimError(413, "The request body is larger than 1 MiB.")
        try:
            return json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise ScimError(400, "The request body is not JSON.", "invalidSyntax") from None

    def route(resource: str, work, writes: bool):
        async def handler(request: web.Request) -> web.StreamResponse:
            if not authorised(request):
                response = _answer(ScimError(401, "A valid bearer token is required.").body(), 401)
                response.headers["WWW-Authenticate"] = 'Bearer realm="scim"'
                return response
            try:
                body = await body_of(request) if request.method in ("POST", "PUT", "PATCH") else None
                if writes:
                    async with sessions.begin() as session:
                        outcome, answer, status = await work(session, request, body, context(request))
                        session.add(ProvisioningEvent(at=clock(), method=request.method, resource=resource, outcome=outcome, status=status, scim_type=None))
                else:
                    async with sessions() as session:
                        outcome, answer, status = await work(session, request, body, context(request))
            except IntegrityError:
                # Two requests for the same person at once: the second finds the first's row at
                # commit (a unique constraint) and is answered as a repeat, with nothing written.
                error = ScimError(409, "A user with this userName, externalId or e-mail exists already.", "uniqueness")
                await record(request.method, resource, "error", error.status, error.scim_type)
                return _answer(error.body(), error.status)
            except ScimError as error:
                await record(request.method, resource, "error", error.status, error.scim_type)
                return _answer(error.body(), error.status)
            if not writes:
                await record(request.method, resource, outcome, status, None)
            return _answer(answer, status)

        return handler

    async def create(session, request, body, ctx):
        outcome, answer = await users.create(session, body, ctx)
        response = dict(answer)
        return outcome, response, 201

    async def read(session, request, body, ctx):
        return "read", await users.get(session, request.match_info["id"], ctx), 200

    async def listed(session, request, body, ctx):
        return "read", await users.listing(session, request.query, ctx), 200

    async def put(session, request, body, ctx):
        outcome, answer = await users.replace(session, request.match_info["id"], body, ctx)
        return outcome, answer or None, 200 if answer else 204

    async def patch(session, request, body, ctx):
        outcome, answer = await users.patch(session, request.match_info["id"], body, ctx)
        return outcome, answer or None, 200 if answer else 204

    async def remove(session, request, body, ctx):
        return await users.remove(session, request.match_info["id"], ctx), None, 204

    async def refused(session, request, body, ctx):
        raise ScimError(404, "Groups are not provisioned: the bot never adds anyone to an affinity group.")

    async def unknown(request: web.Request) -> web.StreamResponse:
        if not authorised(request):
            return _answer(ScimError(401, "A valid bearer token is required.").body(), 401)
        return _answer(ScimError(404, "No such SCIM resource.").body(), 404)

    def discover(document):
        async def work(session, request, body, ctx):
            return "read", document(ctx.base_url), 200

        return work

    r = app.router
    r.add_post(f"{PREFIX}/Users", route("Users", create, writes=True))
    r.add_get(f"{PREFIX}/Users", route("Users", listed, writes=False))
    r.add_get(f"{PREFIX}/Users/{{id}}", route("Users", read, writes=False))
    r.add_put(f"{PREFIX}/Users/{{id}}", route("Users", put, writes=True))
    r.add_patch(f"{PREFIX}/Users/{{id}}", route("Users", patch, writes=True))
    r.add_delete(f"{PREFIX}/Users/{{id}}", route("Users", remove, writes=True))
    r.add_get(f"{PREFIX}/ServiceProviderConfig", route("ServiceProviderConfig", discover(service_provider_config), writes=False))
    r.add_get(f"{PREFIX}/ResourceTypes", route("ResourceTypes", discover(resource_types), writes=False))
    r.add_get(f"{PREFIX}/ResourceTypes/{{name}}", route("ResourceTypes", discover(lambda base: _one_type(base)), writes=False))
    r.add_get(f"{PREFIX}/Schemas", route("Schemas", discover(schemas), writes=False))
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        r.add_route(method, f"{PREFIX}/Groups", route("Groups", refused, writes=False))
        r.add_route(method, f"{PREFIX}/Groups/{{id}}", route("Groups", refused, writes=False))
    r.add_route("*", f"{PREFIX}/{{tail:.*}}", unknown)


def _one_type(base: str):
    return resource_types(base)["Resources"][0]
