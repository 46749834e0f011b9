"""The composition root: the one place that wires storage, core, adapters and schedules together."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import AsyncIterator, Awaitable, Callable, TextIO

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.clock import Clock, system_clock
from bot.config import ConfigError, Settings
from bot.core import Bot
from bot.types import Profile


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    bot: Bot
    clock: Clock
    #: Whether each platform answered lately (adapters/network.py), made on first use.
    _reachability: object = field(default=None, repr=False, compare=False)

    def now(self) -> datetime:
        return self.clock()

    def today(self):
        return self.clock().astimezone(self.settings.timezone).date()

    @property
    def metrics(self):
        """This process's instruments (bot.metrics), shared by the core, dispatcher and scheduler."""
        return self.bot.metrics

    @property
    def reachability(self):
        """Each platform's state for the log, `/readyz` and metrics (adapters.network.Reachability)."""
        if self._reachability is None:
            from adapters.network import Reachability

            self._reachability = Reachability()
        return self._reachability

    async def close(self) -> None:
        await self.engine.dispose()


async def open_runtime(settings: Settings, clock: Clock = system_clock) -> Runtime:
    """Connect, bring SQLite up to date (PostgreSQL must be upgraded on purpose), build the bot."""
    from storage.engine import current_revision, head_revision, is_sqlite, open_engine, session_maker, upgrade

    engine = open_engine(settings.database_url)
    try:
        if is_sqlite(engine):
            await upgrade(engine)
        else:
            current = await current_revision(engine)
            if current != head_revision():
                raise ConfigError(
                    f"DATABASE_URL's schema is at revision {current or 'none'}, not {head_revision()}; run `affinity-bot db upgrade` first."
                )
    except ConfigError:
        await engine.dispose()
        raise
    except OSError as exc:
        await engine.dispose()
        raise ConfigError(f"DATABASE_URL could not be reached ({type(exc).__name__}: {exc}).") from None
    sessions = session_maker(engine)
    return Runtime(settings, engine, sessions, Bot(sessions, settings, clock), clock)


def configure_logs(settings: Settings) -> None:
    """AFFINITY_LOG_FORMAT=json: one JSON object per line (operations/logs.py)."""
    from operations.logs import configure

    configure(settings.log_format)


async def doctor(env, *, teams_login_url: str | None = None) -> tuple[str, int]:
    """`affinity-bot doctor`: the checklist (operations/doctor.py) and its exit status."""
    from operations.doctor import examine, report

    return report(await examine(env, teams_login_url=teams_login_url))


async def backup_database(settings: Settings, target: Path):
    """`affinity-bot db backup FILE` (operations/backup.py)."""
    from operations.backup import backup

    return await backup(settings.database_url, target)


async def restore_database(settings: Settings, source: Path):
    """`affinity-bot db restore FILE` (operations/backup.py); `serve` must be stopped."""
    from operations.backup import restore

    return await restore(settings.database_url, source)


async def provisioning_status(runtime: Runtime) -> str:
    """`affinity-bot provisioning status` (provisioning/status.py)."""
    from provisioning.status import status

    async with runtime.sessions() as session:
        return await status(session, runtime.now(), bool(runtime.settings.scim_tokens))


async def upgrade_database(settings: Settings) -> str:
    from storage.engine import current_revision, open_engine, upgrade

    engine = open_engine(settings.database_url)
    try:
        await upgrade(engine)
        return await current_revision(engine) or "none"
    finally:
        await engine.dispose()


async def console_identity(runtime: Runtime, who: str) -> tuple[str, Profile]:
    """Who `--as` names: a roster person by e-mail or name, or a new console-only person."""
    from bot.people.identity import clean_email, find_people

    async with runtime.sessions() as session:
        found = await find_people(session, who)
    exact = [p for p in found if p.name.casefold() == who.strip().casefold() or (p.email or "") == who.strip().lower()]
    person = exact[0] if len(exact) == 1 else (found[0] if len(found) == 1 else None)
    if person is not None:
        return person.name, Profile(name=person.name, email=person.email)
    email = clean_email(who)
    return who, Profile(name=email.split("@")[0].replace(".", " ").title() if email else who, email=email)


async def chat(runtime: Runtime, who: str, roles: tuple[str, ...] = (), out: TextIO = sys.stdout, banner: str = "") -> None:
    """The console: one person at this terminal, with their scheduled messages shown as they come due.

    At a terminal the scheduler runs on its timers; when the input is piped, the jobs and one
    outbox pass run after each line instead, so a scripted session prints the same every time.
    """
    from adapters.console import ConsoleChat, console_user, stdin_lines
    from adapters.console.gateway import ConsoleGateway
    from bot.people.grants import grant_to
    from schedules.dispatcher import Dispatcher, requeue_unreachable
    from schedules.scheduler import Scheduler

    name, profile = await console_identity(runtime, who)
    actor = console_user(profile.email or name)
    # The person must exist before roles can be granted to them.
    person_id = await runtime.bot.ensure_person(actor, profile)
    for role in roles:
        role_name, _, group = role.partition(":")
        async with runtime.sessions() as session:
            outcome = await grant_to(session, person_id, role_name, group or None, runtime.now(), runtime.today())
            if not outcome.ok:
                raise ConfigError(f"--role {role}: {outcome.message}")
            await session.commit()
        out.write(outcome.message + "\n")
    interactive = sys.stdin.isatty()
    if banner:
        out.write(banner + "\n")
    if interactive:
        out.write(f"You are {name}. Type `help` to start, `quit` to leave.\n\n")
    console = ConsoleChat(runtime.bot.handle, actor, profile, out=out, prompt="you> " if interactive else "")
    # What waited for this person because nobody could reach them can now be shown here.
    if person_id is not None:  # None: someone who ran forget-me, asked first (bot/people/known_again.py)
        async with runtime.sessions() as session:
            await requeue_unreachable(session, person_id, runtime.now())
            await session.commit()
    # Slack and Teams are left to `serve`, should it share this database.
    dispatcher = Dispatcher(runtime.sessions, {"console": ConsoleGateway(console)}, runtime.clock, elsewhere=("slack", "teams"))
    scheduler = Scheduler(runtime.sessions, runtime.settings, dispatcher, runtime.clock)
    if not interactive:
        await console.run(_after_each(stdin_lines(), scheduler.tick))
        return
    scheduler.start()
    try:
        await console.run(stdin_lines())
    finally:
        await scheduler.shutdown()


async def _after_each(lines: AsyncIterator[str], then: Callable[[], Awaitable[object]]) -> AsyncIterator[str]:
    """`lines`, running `then` once each line has been answered (when the next one is asked for)."""
    async for line in lines:
        yield line
        await then()


def platform_gateways(runtime: Runtime) -> dict:
    """The ChatGateways `serve` and `outbox drain` deliver through: each platform whose settings
    are present (Teams: an app id and password, or AFFINITY_TEAMS_UNAUTHENTICATED=1 for loopback).
    Each must be closed (`close()`) when done."""
    import adapters.slack
    import adapters.teams

    gateways: dict = {}
    slack = adapters.slack.gateway(runtime)
    if slack is not None:
        gateways["slack"] = slack
    teams = adapters.teams.gateway(runtime)
    if teams is not None:
        gateways["teams"] = teams
    return gateways


async def close_gateways(gateways: dict) -> None:
    for gateway in gateways.values():
        await gateway.close()


@dataclass(frozen=True)
class Drained:
    """What `affinity-bot outbox drain` did, counted by outcome, and what is still waiting."""

    counts: dict[str, int]
    waiting: int


async def drain_outbox(
    runtime: Runtime,
    *,
    until_empty: bool = False,
    batch: int | None = None,
    concurrency: int | None = None,
    lease: float | None = None,
    max_wait: float = 600.0,
) -> Drained:
    """Deliver what is due now; with `until_empty`, also wait for retries and in-doubt items that
    come due within `max_wait` seconds. Stops early, between passes, on SIGTERM."""
    import asyncio
    import signal

    from schedules.dispatcher import BATCH, CONCURRENCY, LEASE, Dispatcher

    gateways = platform_gateways(runtime)
    dispatcher = Dispatcher(
        runtime.sessions,
        gateways,
        runtime.clock,
        batch=batch or BATCH,
        concurrency=concurrency or CONCURRENCY,
        lease=timedelta(seconds=lease) if lease else LEASE,
    )
    stop = _stop_on_sigterm()
    waiting = 0
    try:
        while not stop.is_set():
            await dispatcher.drain(stop.is_set)
            due = await dispatcher.pending()
            if due is None:
                break
            wait = (due - runtime.now()).total_seconds()
            if not until_empty or wait > max_wait:
                waiting = await _waiting(runtime)
                break
            # In real time: until the next retry falls due or an in-doubt claim runs out.
            try:
                await asyncio.wait_for(stop.wait(), timeout=min(max(wait, 0.05), 2.0))
            except asyncio.TimeoutError:
                pass
    finally:
        try:
            asyncio.get_running_loop().remove_signal_handler(signal.SIGTERM)
        except (NotImplementedError, RuntimeError):
            pass
        await close_gateways(gateways)
    return Drained(dict(dispatcher.counts), waiting)


async def _waiting(runtime: Runtime) -> int:
    from sqlalchemy import func, select

    from schedules.dispatcher import OUTBOX, QUEUED, SENDING

    async with runtime.sessions() as session:
        return int((await session.execute(select(func.count()).where(OUTBOX.c.state.in_((QUEUED, SENDING))))).scalar() or 0)


async def outbox_status(runtime: Runtime):
    """The outbox by kind and state, and its dead and unreachable items (schedules.health)."""
    from schedules.health import outbox_health

    async with runtime.sessions() as session:
        return await outbox_health(session, runtime.now())


async def delivery_holds(runtime: Runtime) -> list[str]:
    """One line for each place nothing is sent to on purpose: a Slack workspace that revoked
    the app's token or uninstalled it, named with since when (for `outbox status`)."""
    import adapters.slack

    return await adapters.slack.revoked_workspaces(runtime)


def build_web_app(runtime: Runtime, scheduler=None):
    """The HTTP application: /healthz, /readyz (with `scheduler`'s ticks when it runs here),
    /metrics with AFFINITY_METRICS=1 (unless it has its own port), and each platform's endpoint
    when it is configured."""
    from aiohttp import web

    from operations.endpoints import add_export_downloads, add_metrics, add_readiness
    from operations.readiness import ReadinessCheck

    app = web.Application(client_max_size=1024 * 1024)

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app.router.add_get("/healthz", healthz)
    readiness = ReadinessCheck(
        runtime.settings.database_url,
        runtime.clock,
        last_tick=(lambda: scheduler.last_tick) if scheduler is not None else None,
        platforms=runtime.reachability.body,
    )
    runtime.reachability.watch(lambda platform, up: runtime.metrics.platform_up.labels(platform).set(1 if up else 0))

    async def close_readiness(app: web.Application) -> None:
        await readiness.close()

    app.on_cleanup.append(close_readiness)
    add_readiness(app, readiness, runtime.metrics)
    if runtime.settings.metrics and runtime.settings.metrics_port is None:
        add_metrics(app, runtime.metrics, runtime.sessions, runtime.clock)
    if runtime.settings.public_url:
        add_export_downloads(app, runtime)
    if runtime.settings.scim_tokens:
        from provisioning.endpoint import add_scim

        add_scim(app, runtime.settings.scim_tokens, runtime.sessions, runtime.clock, runtime.settings)
    for attach in _platform_attachers():
        attach(app, runtime)
    return app


def _stop_on_sigterm():
    """An event set when the process is asked to stop (systemd, Docker or Kubernetes send SIGTERM)."""
    import asyncio
    import signal

    stop = asyncio.Event()
    try:
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    except (NotImplementedError, RuntimeError):
        pass
    return stop


def settle_heap() -> None:
    """Once the server has started: keep what start-up loaded (modules, the catalogue, SDK
    schemas — some 200,000 objects) out of every later garbage collection. A full collection
    walking them all took 50–220 ms and stalled every request in flight."""
    import gc

    gc.collect()
    gc.freeze()


def _platform_attachers():
    """Each platform adapter's `attach(app, runtime)`; adapters add their routes themselves."""
    import importlib

    attachers = []
    for name in ("adapters.slack", "adapters.teams"):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        attachers.append(module.attach)
    return attachers


async def serve(runtime: Runtime, host: str = "0.0.0.0", scheduler: bool = True) -> None:
    """Serve HTTP until interrupted (Ctrl-C or SIGTERM), with the jobs and the outbox dispatcher
    unless `scheduler` is off (extra replicas behind a load balancer)."""
    from aiohttp import web

    from adapters.network import NetworkSettingError, check_settings

    try:
        # An unreadable SSL_CERT_FILE or an https:// proxy URL is one sentence, before anything starts.
        check_settings()
    except NetworkSettingError as exc:
        raise ConfigError(str(exc)) from None
    gateways: dict = {}
    timers = None
    if scheduler:
        from schedules.dispatcher import Dispatcher
        from schedules.scheduler import Scheduler

        gateways = platform_gateways(runtime)
        dispatcher = Dispatcher(runtime.sessions, gateways, runtime.clock, metrics=runtime.metrics)
        timers = Scheduler(runtime.sessions, runtime.settings, dispatcher, runtime.clock, metrics=runtime.metrics)
    app = build_web_app(runtime, timers)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, runtime.settings.port)
    await site.start()
    runners = [runner]
    metrics_port = runtime.settings.metrics_port
    if metrics_port is not None:
        from operations.endpoints import metrics_app

        metrics_runner = web.AppRunner(metrics_app(runtime.metrics, runtime.sessions, runtime.clock), access_log=None)
        await metrics_runner.setup()
        await web.TCPSite(metrics_runner, host, metrics_port).start()
        runners.append(metrics_runner)
    settle_heap()
    print(f"Affinity Bot is listening on http://{host}:{runtime.settings.port} (GET /healthz, GET /readyz).", flush=True)
    if metrics_port is not None:
        print(f"Metrics are on http://{host}:{metrics_port}/metrics.", flush=True)
    if timers is not None:
        timers.start()
    stop = _stop_on_sigterm()
    try:
        await stop.wait()
    finally:
        # A pass already sending finishes and records what it sent before anything closes.
        if timers is not None:
            await timers.shutdown()
        await close_gateways(gateways)
        for each in runners:
            await each.cleanup()


def slack_manifest(url: str | None, socket_mode: bool = False) -> str:
    """The Slack app manifest with this bot's request URLs (or for Socket Mode), as YAML."""
    from adapters.slack import ManifestError, manifest

    try:
        return manifest(url, socket_mode)
    except ManifestError as exc:
        raise ConfigError(str(exc)) from None


def teams_package(app_id: str, out: Path, domain: str | None = None, website: str | None = None) -> dict:
    """Write the Teams app package (manifest and icons) to `out`; returns the manifest."""
    from adapters.teams import PackageError, package

    try:
        return package(app_id, out, domain=domain, website=website)
    except PackageError as exc:
        raise ConfigError(str(exc)) from None


async def seed_demo(runtime: Runtime, workdir: Path) -> bool:
    from bot.demo import seed

    async with runtime.sessions() as session:
        created = await seed(session, runtime.today(), runtime.now(), workdir)
        await session.commit()
    return created


async def match_mentors(runtime: Runtime, dry_run: bool) -> str:
    """`affinity-bot match [--dry-run]`: the mentor-matching plan as text (English), audited as an
    action of the operator at the command line (no person)."""
    from bot.catalogue import Translator
    from bot.mentoring.handlers import match_now
    from storage.models import AuditEntry

    async with runtime.sessions() as session:
        reply, detail = await match_now(session, runtime.settings, runtime.now(), Translator("en"), dry_run=dry_run)
        session.add(AuditEntry(at=runtime.now(), actor_id=None, action="mentor_match", detail=f"command line {detail}"))
        await session.commit()
    return reply.text
