"""The Slack endpoint: slack-bolt's AsyncApp behind aiohttp or Socket Mode, around one core call per request.

Slack waits three seconds for an acknowledgement. A command's answer is usually ready in a few
milliseconds, so it is sent as the acknowledgement itself; when the core takes longer than the
budget the acknowledgement goes out empty and the answer follows through `response_url`. Buttons,
events and modal openings are acknowledged first and worked on afterwards.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import random
import re
import time
from collections import OrderedDict
from dataclasses import replace
from typing import Any, Awaitable, Mapping

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_internals import build_async_context
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient
from sqlalchemy import select

from adapters import network
from adapters.slack.directory import Directory
from adapters.slack.egress import fit_socket_mode, web_client, webhook_client
from adapters.slack.gateway import upload_image
from adapters.slack.inbound import (
    FORM_CALLBACK,
    RUN_PREFIX,
    Malformed,
    form_metadata,
    from_action,
    from_command,
    from_event,
    event_tenant,
    from_submission,
    from_suggestion,
    parse_body,
    shape_problem,
)
from adapters.slack.installations import InstallationStore, OAuthStateStore, Revocations
from adapters.slack.manifest import BOT_SCOPES, INSTALL_PATH, REDIRECT_PATH
from adapters.slack.redaction import quiet_logger
from adapters.slack.render import command_answer, first_form, form_view, home_view, message, refused_submission, result_view, suggestions
from adapters.slack.settings import SlackSettings
from bot.catalogue import Translator, language_for
from bot.config import ConfigError
from bot.types import File, Image, Inbound, Reply, UserRef
from storage.models import PlatformLink

log = logging.getLogger("affinity.slack")

#: How long a command or submission may take before it is acknowledged empty and answered later.
ACK_BUDGET = 2.0
#: Slack's replay window for signed requests.
SIGNATURE_WINDOW = 300
#: The largest body accepted; Slack's own payloads stay well under it.
MAX_BODY = 1024 * 1024
#: How long an event id is remembered, so Slack's retries of it are acknowledged and dropped.
EVENT_MEMORY = 3600.0


#: The longest wait between two attempts to reach a platform that does not answer.
MAX_BACKOFF = 60.0
#: The name Slack has in `/readyz` and the platform_up metric.
PLATFORM_NAME = "slack"


class _SlackUnavailable(Exception):
    """Slack answered, but with a 5xx or 429: it is there but cannot serve now."""


#: What "Slack did not answer" looks like: a connection refused or cut, a timeout, a 5xx.
_UNANSWERED = (aiohttp.ClientError, asyncio.TimeoutError, OSError, _SlackUnavailable)


def _unanswered(exc: BaseException, url: str) -> str:
    if isinstance(exc, _SlackUnavailable):
        return str(exc)
    return network.explain(exc, url)


class RecentIds:
    """Event ids seen lately, bounded in time and number."""

    def __init__(self, ttl: float = EVENT_MEMORY, size: int = 20_000) -> None:
        self.ttl = ttl
        self.size = size
        self._seen: OrderedDict[str, float] = OrderedDict()

    def first(self, event_id: str | None, now: float | None = None) -> bool:
        """True the first time an id is seen (or when there is no id to go by)."""
        if not event_id:
            return True
        now = time.monotonic() if now is None else now
        while self._seen and next(iter(self._seen.values())) < now:
            self._seen.popitem(last=False)
        if event_id in self._seen:
            return False
        self._seen[event_id] = now + self.ttl
        if len(self._seen) > self.size:
            self._seen.popitem(last=False)
        return True


async def read_limited(request: web.Request, limit: int) -> bytes | None:
    """The body, or None once it is known to exceed `limit` bytes: from Content-Length before
    reading anything, and while reading for a chunked body (never more than `limit` is kept)."""
    if request.content_length is not None and request.content_length > limit:
        return None
    data = bytearray()
    async for chunk in request.content.iter_chunked(64 * 1024):
        data += chunk
        if len(data) > limit:
            return None
    return bytes(data)


def signed(data: bytes, headers: Mapping[str, str], secret: str, now: float | None = None) -> bool:
    """Slack's v0 request signature over the raw bytes, within the replay window."""
    stamp = headers.get("X-Slack-Request-Timestamp", "")
    signature = headers.get("X-Slack-Signature", "")
    if not secret or not stamp.isdigit() or not signature:
        return False
    if abs((time.time() if now is None else now) - int(stamp)) > SIGNATURE_WINDOW:
        return False
    expected = "v0=" + hmac.new(secret.encode(), b"v0:" + stamp.encode() + b":" + data, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


class SlackAdapter:
    """Slack in, core, Slack out: one instance per process, shared by HTTP and Socket Mode."""

    def __init__(self, runtime, config: SlackSettings, *, ack_budget: float = ACK_BUDGET, directory: Directory | None = None) -> None:
        self.runtime = runtime
        self.handle = runtime.bot.handle
        self.config = config
        self.ack_budget = ack_budget
        self.logger = quiet_logger()
        self.client = web_client(token=None if config.oauth else config.bot_token, base_url=config.api_url, logger=self.logger)
        self.directory = directory or Directory()
        self.seen = RecentIds()
        self.tasks: set[asyncio.Task] = set()
        # Command answers as JSON, by the very Reply object: the core hands the same object to
        # everyone a kept listing is for, and it is encoded once rather than once per request.
        self._encoded: OrderedDict[int, tuple[Reply, str]] = OrderedDict()
        self.socket_handler = None
        self._dialling: asyncio.Task | None = None
        #: Each platform's state (adapters/network.py), shared with the dispatcher and /readyz.
        self.reachability = runtime.reachability
        self.store = InstallationStore(runtime.sessions, config.client_id, self.logger, runtime.clock) if config.oauth else None
        self.revocations = Revocations(runtime.sessions, runtime.clock, single_token=None if config.oauth else config.bot_token)
        self.bolt = self._bolt(runtime)
        self._listen()

    # --- set-up ------------------------------------------------------------------------------

    def _bolt(self, runtime) -> AsyncApp:
        options: dict[str, Any] = dict(
            logger=self.logger,
            name="affinity-bot",
            # Our listeners decide themselves what to do before and after the acknowledgement.
            process_before_response=True,
            signing_secret=self.config.signing_secret,
            client=self.client,
            request_verification_enabled=True,
        )
        if self.config.oauth:
            from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings

            store = self.store
            options["oauth_settings"] = AsyncOAuthSettings(
                client_id=self.config.client_id,
                client_secret=self.config.client_secret,
                scopes=list(BOT_SCOPES),
                user_scopes=[],
                install_path=INSTALL_PATH,
                redirect_uri_path=REDIRECT_PATH,
                installation_store=store,
                installation_store_bot_only=True,
                state_store=OAuthStateStore(runtime.sessions, self.logger, runtime.clock),
                logger=self.logger,
            )
            options["installation_store_bot_only"] = True
        return AsyncApp(**options)

    def _listen(self) -> None:
        bolt = self.bolt
        bolt.command(re.compile(r"^/[a-z0-9._-]+$", re.IGNORECASE))(self._on_command)
        bolt.action(re.compile(r".+"))(self._on_action)
        bolt.view_submission(FORM_CALLBACK)(self._on_submission)
        bolt.options(re.compile(r".+"))(self._on_suggestion)
        bolt.event("app_home_opened")(self._on_event)
        bolt.event("team_join")(self._on_event)
        bolt.event("tokens_revoked")(self._on_revoked)
        bolt.event("app_uninstalled")(self._on_revoked)

    def spawn(self, work: Awaitable[Any]) -> asyncio.Task:
        """Run work after the acknowledgement, keeping a reference until it ends."""
        task = asyncio.ensure_future(work)
        self.tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("slack: background work failed: %s", type(task.exception()).__name__)

    async def idle(self) -> None:
        """Wait until every piece of work started so far (and what it started) has ended."""
        while self.tasks:
            await asyncio.gather(*list(self.tasks), return_exceptions=True)

    async def close(self, _app: web.Application | None = None) -> None:
        if self._dialling is not None:
            self._dialling.cancel()
            self._dialling = None
        if self.socket_handler is not None:
            await self.socket_handler.close_async()
            self.socket_handler = None
        if self.tasks:
            _, pending = await asyncio.wait(list(self.tasks), timeout=5)
            for task in pending:
                task.cancel()

    async def start_socket_mode(self, _app: web.Application | None = None) -> None:
        """Dial out to Slack with the app-level token: no public URL, no signatures to check.

        A token Slack refuses stops start-up with a sentence. Slack not answering (refused
        connections, timeouts, 5xx) does not: `serve` starts, says so in one line and in
        `/readyz`, and keeps dialling with capped, jittered backoff until Slack is back."""
        client = web_client(token=self.config.bot_token, base_url=self.config.api_url, logger=self.logger)
        self.socket_handler = _CheckedSocketModeHandler(self.bolt, app_token=self.config.app_token, logger=self.logger, web_client=client)
        await fit_socket_mode(self.socket_handler.client)
        self.reachability.known(PLATFORM_NAME)
        try:
            await self._dial()
        except ConfigError:
            await self.socket_handler.close_async()
            self.socket_handler = None
            raise
        except _UNANSWERED as exc:
            self.reachability.down(PLATFORM_NAME, _unanswered(exc, self.config.api_url))
            self._dialling = self.spawn(self._keep_dialling())

    async def _dial(self) -> None:
        """One attempt: ask Slack for a WebSocket URL (refused tokens raise ConfigError), then connect."""
        try:
            # The Socket Mode client retries forever on any error; a token Slack refuses is a
            # setting to fix, so ask once first and stop start-up with a sentence.
            await self.socket_handler.client.web_client.apps_connections_open(app_token=self.config.app_token)
        except SlackApiError as exc:
            if _code(exc) in ("invalid_auth", "not_authed", "not_allowed_token_type", "token_revoked", "account_inactive"):
                raise ConfigError(
                    f"Slack refused SLACK_APP_TOKEN ({_code(exc)}): copy the app-level token with the connections:write scope from Basic Information > App-Level Tokens."
                ) from None
            status = getattr(exc.response, "status_code", 200)
            if status >= 500 or status == 429:
                raise _SlackUnavailable(f"Slack answered HTTP {status}.") from None
        await self.socket_handler.connect_async()
        self.reachability.up(PLATFORM_NAME)

    async def _keep_dialling(self) -> None:
        delay = 1.0
        while self.socket_handler is not None:
            await asyncio.sleep(random.uniform(delay / 2, delay))
            try:
                await self._dial()
                return
            except ConfigError as exc:
                log.error("%s", exc)
                return
            except _UNANSWERED as exc:
                self.reachability.down(PLATFORM_NAME, _unanswered(exc, self.config.api_url))
                delay = min(delay * 2, MAX_BACKOFF)

    # --- HTTP --------------------------------------------------------------------------------

    async def post_events(self, request: web.Request) -> web.Response:
        """`POST /slack/events`: commands, interactivity and events, signed by Slack.

        In this order, each step before the next: the size (413 over MAX_BODY, from
        Content-Length and again while reading), the signature over the raw bytes (401), the
        parse with a bound on nesting, and the shape of every field we or slack-bolt read (400).
        Nothing is parsed for a request that is not Slack's.
        """
        try:
            if not self.config.signing_secret:
                raise web.HTTPNotFound()
            data = await read_limited(request, MAX_BODY)
            if data is None:
                return web.Response(status=413, text="request body too large")
            if not signed(data, request.headers, self.config.signing_secret):
                return web.Response(status=401, text="invalid signature")
            try:
                raw = data.decode("utf-8")
                body = parse_body(raw, request.content_type)
                problem = shape_problem(body)
            except (UnicodeDecodeError, ValueError):
                problem = "malformed"
            if problem:
                return web.Response(status=400, text="bad request")
            response = await self.bolt.async_dispatch(_bolt_request(raw, body, request, self.logger))
            if response.status == 404:
                # Signed but not for us (an event we do not subscribe to): Slack must not retry it.
                return web.Response(status=200)
            return await to_aiohttp_response(response)
        except web.HTTPException:
            raise
        except Exception as exc:  # noqa: BLE001 - the type only: a message could quote the payload
            log.error("slack: request failed: %s", type(exc).__name__)
            return web.Response(status=500, text="internal error")

    async def install(self, request: web.Request) -> web.Response:
        """`GET /slack/install`: the "Add to Slack" page of a multi-workspace install."""
        flow = self.bolt.oauth_flow
        if flow is None:
            raise web.HTTPNotFound()
        return await to_aiohttp_response(await flow.handle_installation(_plain_request(request)))

    async def oauth_redirect(self, request: web.Request) -> web.Response:
        """`GET /slack/oauth_redirect`: Slack returns here; the bot token is stored in our database."""
        flow = self.bolt.oauth_flow
        if flow is None:
            raise web.HTTPNotFound()
        try:
            return await to_aiohttp_response(await flow.handle_callback(_plain_request(request)))
        except Exception as exc:  # noqa: BLE001
            log.error("slack: install failed: %s", type(exc).__name__)
            return web.Response(status=500, text="The installation could not be completed; please try again.")

    # --- the core ----------------------------------------------------------------------------

    async def answer(self, client: AsyncWebClient, inbound: Inbound) -> Reply:
        """The core's reply, with the person's Slack profile attached for identifying them."""
        try:
            if inbound.profile is None:
                profile = await self.directory.profile(client, inbound.actor.tenant, inbound.actor.user_id)
                if profile is not None:
                    inbound = replace(inbound, profile=profile)
                elif not await self._linked(inbound.actor):
                    # Without the e-mail a first contact would become a second, unlinked person;
                    # better to ask them to try again than to split them in two.
                    return Reply(text=Translator(self._language(inbound.actor))("errors.internal"), refused=True)
            return await self.handle(inbound)
        except Exception as exc:  # noqa: BLE001
            log.error("slack: answering failed: %s", type(exc).__name__)
            return Reply(text=Translator(self._language(inbound.actor))("errors.internal"), refused=True)

    async def _linked(self, actor: UserRef) -> bool:
        """Whether the core already knows this Slack user (so it needs no profile to find them)."""
        async with self.runtime.sessions() as session:
            found = await session.execute(
                select(PlatformLink.id).where(PlatformLink.platform == actor.platform, PlatformLink.tenant == actor.tenant, PlatformLink.user_id == actor.user_id)
            )
            return found.first() is not None

    def _language(self, actor: UserRef) -> str:
        _, profile = self.directory.cached(actor.tenant, actor.user_id)
        return language_for(profile.locale if profile else None)

    def _say(self, actor: UserRef, key: str) -> str:
        return Translator(self._language(actor))(key)

    # --- slash commands ----------------------------------------------------------------------

    async def _on_command(self, ack, body, context) -> BoltResponse | None:
        try:
            inbound = from_command(body)
        except (Malformed, KeyError):
            await ack()
            return None
        kept = self._from_memory(inbound)
        if kept is not None:
            # Answered at once from what the core keeps: no task, no wait, no encoding.
            return BoltResponse(status=200, body=self._command_json(kept))
        client = context.client
        work = self.spawn(self.answer(client, inbound))
        done, _ = await asyncio.wait({work}, timeout=self.ack_budget)
        if not done:
            await ack()
            url = body.get("response_url")
            if url:
                self.spawn(self._answer_later(url, work))
            return
        reply = work.result()
        form = first_form(reply.card)
        trigger = body.get("trigger_id")
        if form is not None and trigger:
            await ack()
            origin = _origin(channel=body.get("channel_id"))
            self.spawn(self._open_form(client, trigger, reply, form, origin, body.get("response_url")))
            return
        if reply.card is not None and reply.card.image is not None:
            self.spawn(self._send_image(client, inbound.actor, reply.card.image))
        if reply.file is not None:
            self.spawn(self._send_file(client, inbound.actor, reply.file))
        return BoltResponse(status=200, body=self._command_json(reply))

    def _from_memory(self, inbound: Inbound) -> Reply | None:
        """The core's kept answer, when it needs nothing first: the Slack profile is at hand
        (so `answer` would not ask Slack for it) and the core can answer without waiting."""
        from_memory = getattr(self.runtime.bot, "answer_from_memory", None)
        if from_memory is None:
            return None
        hit, profile = self.directory.cached(inbound.actor.tenant, inbound.actor.user_id)
        if not hit:
            return None
        try:
            return from_memory(replace(inbound, profile=profile) if profile is not None else inbound)
        except Exception as exc:  # noqa: BLE001 - the usual way answers instead
            log.warning("slack: kept answer failed: %s", type(exc).__name__)
            return None

    def _command_json(self, reply: Reply) -> str:
        found = self._encoded.get(id(reply))
        if found is not None and found[0] is reply:
            self._encoded.move_to_end(id(reply))
            return found[1]
        encoded = json.dumps(command_answer(reply))
        self._encoded[id(reply)] = (reply, encoded)
        while len(self._encoded) > 32:
            self._encoded.popitem(last=False)
        return encoded

    async def _answer_later(self, url: str, work: asyncio.Task) -> None:
        reply = await work
        await self._respond(url, {**message(reply), "response_type": "ephemeral" if reply.ephemeral else "in_channel"})

    async def _respond(self, url: str, payload: dict[str, Any]) -> None:
        try:
            await webhook_client(url, logger=self.logger).send_dict(payload)
        except Exception as exc:  # noqa: BLE001
            log.warning("slack: response_url failed: %s", type(exc).__name__)

    async def _open_form(self, client: AsyncWebClient, trigger: str, reply: Reply, form, origin: dict, response_url: str | None) -> None:
        try:
            await client.views_open(trigger_id=trigger, view=form_view(reply, form, origin))
        except (SlackApiError, ValueError) as exc:
            log.warning("slack: could not open a form: %s", _code(exc))
            if response_url:
                await self._respond(response_url, {**message(reply), "response_type": "ephemeral"})

    async def _send_image(self, client: AsyncWebClient, actor: UserRef, image: Image) -> None:
        """A chart goes to the person's DM with the bot: a command's answer cannot carry a file."""
        try:
            opened = await client.conversations_open(users=actor.user_id)
            await upload_image(client, None, str(opened["channel"]["id"]), image)
        except SlackApiError as exc:
            log.warning("slack: could not send a chart: %s", _code(exc))

    async def _send_file(self, client: AsyncWebClient, actor: UserRef, file: File) -> None:
        """A reply's file (the person's own records) goes to their DM with the bot, nowhere else."""
        try:
            opened = await client.conversations_open(users=actor.user_id)
            await client.files_upload_v2(channel=str(opened["channel"]["id"]), content=file.content, filename=file.filename, title=file.filename)
        except SlackApiError as exc:
            log.warning("slack: could not send a file: %s", _code(exc))

    # --- buttons -----------------------------------------------------------------------------

    async def _on_action(self, ack, body, context) -> None:
        await ack()
        action_id = str(body["actions"][0].get("action_id") or "")
        if action_id.split(":", 1)[0] != RUN_PREFIX:
            return
        try:
            inbound = from_action(body)
        except Malformed:
            return
        self.spawn(self._press(context.client, body, inbound))

    async def _press(self, client: AsyncWebClient, body: Mapping[str, Any], inbound: Inbound) -> None:
        reply = await self.answer(client, inbound)
        if not reply.text and reply.card is None:
            return
        form = first_form(reply.card)
        container = body.get("container") or {}
        view = body.get("view") or {}
        trigger = body.get("trigger_id")
        try:
            if container.get("type") == "view" and view:
                on_home = view.get("type") == "home"
                origin = _origin(home=True) if on_home else _view_origin(view)
                shown = form_view(reply, form, origin) if form is not None else result_view(reply, self._say(inbound.actor, "slack.close"), origin)
                if on_home:
                    # A button on Home opens its answer in a modal over the Home tab.
                    await client.views_open(trigger_id=trigger, view=shown)
                else:
                    await client.views_update(view_id=view.get("id"), view=shown)
                if not reply.refused and (on_home or origin.get("home")):
                    await self._publish_home(client, inbound.actor)
                return
            channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
            if form is not None and trigger:
                await client.views_open(trigger_id=trigger, view=form_view(reply, form, _origin(channel=channel)))
            elif body.get("response_url"):
                payload = {**message(reply), "response_type": "ephemeral", "replace_original": False}
                await self._respond(str(body["response_url"]), payload)
            elif channel:
                await client.chat_postEphemeral(channel=channel, user=inbound.actor.user_id, **message(reply))
            if reply.card is not None and reply.card.image is not None:
                await self._send_image(client, inbound.actor, reply.card.image)
            if reply.file is not None:
                await self._send_file(client, inbound.actor, reply.file)
        except (SlackApiError, SlackRequestError, ValueError) as exc:
            log.warning("slack: could not show a button's answer: %s", _code(exc))

    # --- modals ------------------------------------------------------------------------------

    async def _on_submission(self, ack, body, context) -> None:
        try:
            inbound = from_submission(body)
            origin = _view_origin(body["view"])
        except (Malformed, KeyError, TypeError):
            await ack()
            return
        client = context.client
        work = self.spawn(self.answer(client, inbound))
        done, _ = await asyncio.wait({work}, timeout=self.ack_budget)
        if not done:
            waiting = result_view(Reply(text=self._say(inbound.actor, "slack.working")), self._say(inbound.actor, "slack.close"), origin)
            await ack(response_action="update", view=waiting)
            self.spawn(self._submitted_later(client, body["view"].get("id"), work, inbound.actor, origin))
            return
        reply = work.result()
        await ack(self._submission_answer(reply, body["view"], inbound.actor, origin))
        if not reply.refused and origin.get("home"):
            self.spawn(self._publish_home(client, inbound.actor))

    def _submission_answer(self, reply: Reply, view: Mapping[str, Any], actor: UserRef, origin: dict) -> dict[str, Any]:
        if reply.refused:
            return refused_submission(view, reply.text)
        form = first_form(reply.card)
        close = self._say(actor, "slack.close")
        try:
            shown = form_view(reply, form, origin) if form is not None else result_view(reply, close, origin)
        except ValueError:
            # A next form whose context does not fit in a modal: show its text instead.
            shown = result_view(Reply(text=reply.text), close, origin)
        return {"response_action": "update", "view": shown}

    async def _submitted_later(self, client: AsyncWebClient, view_id: str | None, work: asyncio.Task, actor: UserRef, origin: dict) -> None:
        reply = await work
        answer = self._submission_answer(reply, {}, actor, origin) if not reply.refused else None
        shown = answer["view"] if answer else result_view(reply, self._say(actor, "slack.close"), origin)
        try:
            await client.views_update(view_id=view_id, view=shown)
        except SlackApiError as exc:
            log.warning("slack: could not update a form: %s", _code(exc))

    async def _on_suggestion(self, ack, body) -> None:
        """A person typing into a searchable menu (a district's 154 sites): the core's matches."""
        try:
            asked = from_suggestion(body)
        except (Malformed, KeyError, TypeError):
            await ack(options=[])
            return
        found = await self.runtime.bot.suggest(asked.actor, asked.form_id, asked.input_name, asked.query)
        await ack(**suggestions(found))

    # --- events ------------------------------------------------------------------------------

    async def _on_event(self, body, context) -> None:
        # Slack retries an event it thinks was lost (X-Slack-Retry-Num); each is handled once.
        if not self.seen.first(body.get("event_id")):
            return
        try:
            inbound = from_event(body)
        except Malformed:
            return
        if inbound is None:
            return
        self.spawn(self._event(context.client, inbound))

    async def _on_revoked(self, body, context) -> None:
        """The workspace took the bot token back or removed the app: nothing more is sent there
        (the outbox parks what is for it) until it installs the app again. Done before the
        acknowledgement, so Slack's retry finds it done."""
        event = body["event"]
        kind = event["type"]
        if kind == "tokens_revoked" and not (event.get("tokens") or {}).get("bot"):
            return  # user tokens only, and the app holds none
        tenant = event_tenant(body)
        token = self.config.bot_token or None
        if self.store is not None:
            enterprise_id, team_id = context.enterprise_id, context.team_id
            bot = await self.store.async_find_bot(enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=bool(context.is_enterprise_install))
            token = bot.bot_token if bot is not None else None
            await self.store.async_delete_bot(enterprise_id=enterprise_id, team_id=None if context.is_enterprise_install else team_id)
        await self.revocations.record(tenant, kind, token)
        log.warning("Slack: workspace %s sent %s; nothing is sent there until the app is installed again.", tenant, kind)

    async def _event(self, client: AsyncWebClient, inbound: Inbound) -> None:
        if inbound.event == "home_opened":
            await self._publish_home(client, inbound.actor)
            return
        if inbound.profile is not None:
            self.directory.remember(inbound.actor.tenant, inbound.actor.user_id, inbound.profile)
        await self.answer(client, inbound)

    async def _publish_home(self, client: AsyncWebClient, actor: UserRef) -> None:
        reply = await self.answer(client, Inbound(actor=actor, event="home_opened"))
        if reply.refused:
            return
        try:
            await client.views_publish(user_id=actor.user_id, view=home_view(reply))
        except SlackApiError as exc:
            log.warning("slack: could not publish Home: %s", _code(exc))


def _CheckedSocketModeHandler(*args, **kwargs):
    """slack-bolt's Socket Mode handler, with each envelope's payload checked as an HTTP body is
    (adapters/slack/shapes.py) before bolt reads it; a payload of the wrong shape is acknowledged
    and dropped, as a 400 would be."""
    from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
    from slack_sdk.socket_mode.response import SocketModeResponse

    class Checked(AsyncSocketModeHandler):
        async def handle(self, client, req) -> None:  # type: ignore[override]
            problem = shape_problem(req.payload) if isinstance(req.payload, dict) else "payload"
            if problem:
                log.warning("slack: dropped a Socket Mode payload of the wrong shape.")
                await client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
                return
            await super().handle(client, req)

    return Checked(*args, **kwargs)


def _origin(*, channel: str | None = None, home: bool = False) -> dict[str, Any]:
    origin: dict[str, Any] = {}
    if channel:
        origin["channel"] = channel
    if home:
        origin["home"] = True
    return origin


def _view_origin(view: Mapping[str, Any]) -> dict[str, Any]:
    """Where a modal came from, from its private_metadata (without the form's own fields)."""
    try:
        meta = form_metadata({"view": view})
    except Malformed:
        return {}
    return _origin(channel=meta.get("channel") if isinstance(meta.get("channel"), str) else None, home=meta.get("home") is True)


def _code(exc: Exception) -> str:
    if isinstance(exc, SlackApiError):
        try:
            return str(exc.response.get("error") or type(exc).__name__)
        except (AttributeError, TypeError):
            return type(exc).__name__
    return type(exc).__name__


def _bolt_request(raw: str, body: dict[str, Any], request: web.Request, logger: logging.Logger) -> AsyncBoltRequest:
    """The request for slack-bolt, carrying the body as we read it.

    Bolt would parse the raw body a second time (and read a form whose text says "payload" as
    a payload); it gets ours instead, with the raw text kept for its signature check.
    """
    bolt_request = AsyncBoltRequest(body="", query=request.query_string, headers=request.headers)  # type: ignore[arg-type]
    bolt_request.raw_body = raw
    bolt_request.body = body
    # With the logger: slack-bolt logs through the context while building it (several response_urls).
    bolt_request.context = build_async_context(AsyncBoltContext({"logger": logger}), body)
    return bolt_request


def _plain_request(request: web.Request) -> AsyncBoltRequest:
    return AsyncBoltRequest(body="", query=request.query_string, headers=request.headers)  # type: ignore[arg-type]
