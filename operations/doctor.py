"""`affinity-bot doctor`: a checklist of everything the bot needs, with one sentence per failure.

Each check names what it looked at and, when it fails, says in one sentence what is wrong and how
to put it right. A check that does not apply (Teams when no Microsoft app is set) is skipped,
which is not a failure. Nothing is changed anywhere: the database is opened read-only where it
can be, Slack is asked `auth.test` and `conversations.info`, and Teams for a token.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path
from typing import Mapping

from bot.config import ConfigError, Settings

#: The settings checked one by one (each alone, so every bad one is named, not only the first).
SETTINGS = (
    "DATABASE_URL",
    "PORT",
    "AFFINITY_TIMEZONE",
    "AFFINITY_DEI_CHANNEL",
    "AFFINITY_CONFIG",
    "AFFINITY_CACHE_CHECK_MS",
    "AFFINITY_METRICS",
    "AFFINITY_METRICS_PORT",
    "AFFINITY_LOG_FORMAT",
    "SLACK_API_URL",
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
    "MICROSOFT_APP_ID",
    "MICROSOFT_APP_PASSWORD",
    "MICROSOFT_APP_TENANT_ID",
    "AFFINITY_TEAMS_UNAUTHENTICATED",
)
#: Settings that are only checked together with another.
_TOGETHER = {
    "AFFINITY_METRICS_PORT": ("PORT",),
    "MICROSOFT_APP_ID": ("MICROSOFT_APP_PASSWORD",),
    "MICROSOFT_APP_PASSWORD": ("MICROSOFT_APP_ID",),
    "MICROSOFT_APP_TENANT_ID": ("MICROSOFT_APP_ID", "MICROSOFT_APP_PASSWORD"),
}
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
TIMEOUT = 10.0


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    #: For a failure, what is wrong and how to fix it; for a pass, an optional note.
    sentence: str = ""
    skipped: bool = False

    def line(self) -> str:
        mark = "-" if self.skipped else ("✓" if self.ok else "✗")
        return f"{mark} {self.name}" + (f": {self.sentence}" if self.sentence else "")


def passed(name: str, note: str = "") -> Check:
    return Check(name, True, note)


def failed(name: str, sentence: str) -> Check:
    return Check(name, False, sentence)


def skipped(name: str, why: str) -> Check:
    return Check(name, True, why, skipped=True)


async def examine(env: Mapping[str, str], *, teams_login_url: str | None = None) -> list[Check]:
    """Every check, in the order they are printed. `teams_login_url` replaces Azure AD's token
    endpoint (tests point it at a fake)."""
    checks = _settings_checks(env)
    if any(not c.ok for c in checks):
        return checks  # each bad setting is named above; nothing else can be tried without them
    settings = Settings.from_env(env)
    checks += await _database_checks(settings)
    checks += _district_checks(settings)
    checks += await _slack_checks(settings)
    checks += await _teams_checks(settings, teams_login_url)
    return checks


def _settings_checks(env: Mapping[str, str]) -> list[Check]:
    checks: list[Check] = []
    for name in SETTINGS:
        if not env.get(name, "").strip():
            continue
        alone = {n: env[n] for n in (name, *_TOGETHER.get(name, ())) if n in env}
        try:
            Settings.from_env(alone)
        except ConfigError as exc:
            checks.append(failed(f"setting {name}", str(exc)))
        else:
            checks.append(passed(f"setting {name}"))
    if all(c.ok for c in checks):
        # Each is right on its own; some must also agree with each other.
        try:
            _slack_config(Settings.from_env(env))
        except ConfigError as exc:
            checks.append(failed("settings together", str(exc)))
    return checks


def _slack_config(settings: Settings):
    from adapters.slack.settings import slack_settings

    return slack_settings(settings)


# --- the database ------------------------------------------------------------------------------


async def _database_checks(settings: Settings) -> list[Check]:
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from operations.readiness import probe_engine
    from storage.engine import head_revision

    checks: list[Check] = []
    url = make_url(settings.database_url)
    sqlite = url.get_backend_name() == "sqlite"
    path = Path(url.database or "affinity.db") if sqlite else None
    if sqlite and path is not None and not path.exists():
        return [failed("database reachable", f"There is no SQLite database at {path}: run `affinity-bot db upgrade` to create it, or correct DATABASE_URL.")]
    engine = probe_engine(settings.database_url)
    try:
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
                try:
                    current = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
                except Exception:  # noqa: BLE001 - no table: no schema yet
                    await conn.rollback()
                    current = None
                mode = (await conn.execute(text("PRAGMA journal_mode"))).scalar() if sqlite else None
        except Exception as exc:  # noqa: BLE001 - every way of not reaching it gets the same advice
            where = f"the SQLite file {path}" if sqlite else f"PostgreSQL at {url.host or 'localhost'}:{url.port or 5432}"
            return [failed("database reachable", f"{where} could not be opened ({type(exc).__name__}): check DATABASE_URL, that the server is running and this host may connect.")]
        checks.append(passed("database reachable"))
        head = head_revision()
        if current == head:
            checks.append(passed("database schema at head", head or ""))
        else:
            checks.append(failed("database schema at head", f"The schema is at revision {current or 'none'}, not {head}: run `affinity-bot db upgrade` (back up first: `affinity-bot db backup FILE`)."))
        if sqlite and path is not None:
            folder = path.resolve().parent
            if os.access(path, os.W_OK) and os.access(folder, os.W_OK):
                checks.append(passed("SQLite file writable"))
            else:
                checks.append(failed("SQLite file writable", f"The bot's user cannot write {path} or its folder {folder} (SQLite writes a -wal file beside it): give that user write access to both."))
            if str(mode).lower() == "wal":
                checks.append(passed("SQLite WAL on"))
            else:
                checks.append(failed("SQLite WAL on", f"{path} is in {mode} mode, not WAL, so a command waits for every delivery: start `affinity-bot serve` once (it turns WAL on) or run `sqlite3 {path} 'PRAGMA journal_mode=WAL'`."))
    finally:
        await engine.dispose()
    if current == head:
        checks += await _groups_checks(settings)
    return checks


async def _groups_checks(settings: Settings) -> list[Check]:
    """Approval groups need a facilitator; the facilitators the groups file names must exist."""
    from sqlalchemy import select

    from operations.readiness import probe_engine
    from storage.engine import session_maker
    from storage.models import Group, Person, RoleGrant

    engine = probe_engine(settings.database_url)
    try:
        async with session_maker(engine)() as session:
            approval = (await session.execute(select(Group.slug).where(Group.join_policy == "approval"))).scalars().all()
            led = set(
                (await session.execute(select(Group.slug).join(RoleGrant, RoleGrant.group_id == Group.id).where(RoleGrant.role == "facilitator"))).scalars()
            )
            emails = {e for e in (await session.execute(select(Person.email).where(Person.email.is_not(None)))).scalars()}
    finally:
        await engine.dispose()
    checks: list[Check] = []
    orphans = sorted(set(approval) - led)
    if orphans:
        checks.append(failed("approval groups have a facilitator", f"Nobody can approve requests to join {', '.join(orphans)}: grant one with `affinity-bot roles grant <e-mail> facilitator --group <slug>`."))
    else:
        checks.append(passed("approval groups have a facilitator"))
    named = [str(f).strip().lower() for g in settings.district.groups for f in (g.get("facilitators") or [])]
    missing = sorted({f for f in named if f and f not in emails})
    if settings.district.groups:
        if missing:
            checks.append(failed("groups file facilitators exist", f"AFFINITY_CONFIG names facilitators nobody in the roster has as e-mail ({len(missing)}): import the roster first (`affinity-bot import roster FILE.csv`) or correct the addresses."))
        else:
            checks.append(passed("groups file facilitators exist"))
    return checks


# --- the district's hours ----------------------------------------------------------------------


def _district_checks(settings: Settings) -> list[Check]:
    d = settings.district
    checks = [passed("time zone", settings.timezone.key)]
    if d.quiet_start == d.quiet_end:
        checks.append(failed("quiet hours", f"quiet_hours start and end are both {d.quiet_start:%H:%M}, which leaves no quiet time: write them as HH:MM-HH:MM in AFFINITY_CONFIG, e.g. 20:00-07:00."))
    elif _within(d.work_start, d.quiet_start, d.quiet_end) or _within(d.work_end, d.quiet_start, d.quiet_end):
        checks.append(failed("quiet hours", f"working_hours {d.work_start:%H:%M}-{d.work_end:%H:%M} fall inside quiet_hours {d.quiet_start:%H:%M}-{d.quiet_end:%H:%M}, so welcome messages could never be sent: correct one of them in AFFINITY_CONFIG."))
    else:
        checks.append(passed("quiet hours", f"{d.quiet_start:%H:%M}-{d.quiet_end:%H:%M}"))
    return checks


def _within(moment: time, start: time, end: time) -> bool:
    """Whether `moment` is inside the window from `start` to `end` (which may cross midnight)."""
    if start <= end:
        return start <= moment < end
    return moment >= start or moment < end


# --- Slack -------------------------------------------------------------------------------------


def manifest_scopes() -> set[str]:
    """The bot scopes manifest.yml asks for (the one `slack manifest` fills in)."""
    from adapters.slack.manifest import load

    return set(load()["oauth_config"]["scopes"]["bot"])


async def _slack_checks(settings: Settings) -> list[Check]:
    config = _slack_config(settings)
    if config is None:
        return [skipped("Slack", "not configured (no SLACK_BOT_TOKEN or SLACK_CLIENT_ID)")]
    if not settings.slack_bot_token:
        return [skipped("Slack auth.test", "installs in many workspaces (OAuth): each workspace's token is checked when it installs the app")]
    from slack_sdk.errors import SlackApiError

    from adapters.slack.egress import web_client

    client = web_client(token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=int(TIMEOUT), retry_handlers=[])
    try:
        answer = await client.auth_test()
    except SlackApiError as exc:
        error = exc.response.get("error") if exc.response is not None else "error"
        return [failed("Slack auth.test", f"Slack refused SLACK_BOT_TOKEN ({error}): copy the Bot User OAuth Token (xoxb-…) again from your app's OAuth & Permissions page.")]
    except Exception as exc:  # noqa: BLE001 - not reached at all
        return [failed("Slack auth.test", f"Slack's Web API at {settings.slack_api_url} could not be reached ({type(exc).__name__}): check the network, HTTPS_PROXY and SSL_CERT_FILE.")]
    checks = [passed("Slack auth.test", f"workspace {answer.get('team_id')}")]
    granted_header = answer.headers.get("x-oauth-scopes") or answer.headers.get("X-OAuth-Scopes")
    if granted_header is None:
        checks.append(failed("Slack scopes", "Slack did not say which scopes the token has: check SLACK_API_URL points at Slack's Web API (https://slack.com/api/)."))
    else:
        missing = sorted(manifest_scopes() - {s.strip() for s in granted_header.split(",") if s.strip()})
        if missing:
            checks.append(failed("Slack scopes", f"The app lacks the scopes {', '.join(missing)} that manifest.yml asks for: update the app from `affinity-bot slack manifest` and reinstall it to the workspace."))
        else:
            checks.append(passed("Slack scopes"))
    channel = settings.dei_channel
    if channel.startswith("slack:"):
        channel_id = channel.split(":", 2)[2]
        try:
            info = await client.conversations_info(channel=channel_id)
            member = bool((info.get("channel") or {}).get("is_member"))
        except SlackApiError as exc:
            error = exc.response.get("error") if exc.response is not None else "error"
            checks.append(failed("DEI channel", f"Slack cannot find AFFINITY_DEI_CHANNEL's channel {channel_id} ({error}): copy its id from the channel's details."))
        except Exception as exc:  # noqa: BLE001
            checks.append(failed("DEI channel", f"Slack could not be asked about the DEI channel ({type(exc).__name__}): try again once auth.test passes."))
        else:
            if member:
                checks.append(passed("DEI channel"))
            else:
                checks.append(failed("DEI channel", f"The bot is not in the DEI channel {channel_id}, so digests and notices cannot be posted: invite it there with `/invite @Affinity Bot`."))
    return checks


# --- Teams -------------------------------------------------------------------------------------


async def _teams_checks(settings: Settings, login_url: str | None) -> list[Check]:
    if not settings.microsoft_app_id:
        return [skipped("Teams", "not configured (no MICROSOFT_APP_ID)")]
    import aiohttp

    from adapters import network
    from adapters.teams.connector import Credentials

    checks: list[Check] = []
    tenant = settings.microsoft_app_tenant_id
    if tenant and not _GUID.match(tenant):
        checks.append(failed("Teams tenant", f"MICROSOFT_APP_TENANT_ID must be the directory (tenant) id, a GUID from the app registration's Overview page, not {tenant!r}."))
    elif tenant:
        checks.append(passed("Teams tenant", "single tenant"))
    else:
        checks.append(passed("Teams tenant", "multi-tenant app (no MICROSOFT_APP_TENANT_ID)"))
    if not _GUID.match(settings.microsoft_app_id):
        checks.append(failed("Teams token", f"MICROSOFT_APP_ID must be the app registration's application (client) id, a GUID, not {settings.microsoft_app_id!r}."))
        return checks
    credentials = Credentials(settings.microsoft_app_id, settings.microsoft_app_password, tenant, login_url)
    form = {
        "grant_type": "client_credentials",
        "client_id": credentials.app_id,
        "client_secret": credentials.app_password,
        "scope": "https://api.botframework.com/.default",
    }
    try:
        async with network.session(aiohttp.ClientTimeout(total=TIMEOUT)) as http:
            async with http.post(credentials.token_url(), data=form) as response:
                status = response.status
                answer = await response.json(content_type=None) if status < 500 else {}
    except Exception as exc:  # noqa: BLE001 - not reached at all
        checks.append(failed("Teams token", f"Microsoft's sign-in service could not be reached ({type(exc).__name__}): check the network, HTTPS_PROXY and SSL_CERT_FILE."))
        return checks
    if status == 200 and isinstance(answer, dict) and answer.get("access_token"):
        checks.append(passed("Teams token"))
    else:
        code = answer.get("error") if isinstance(answer, dict) else None
        checks.append(failed("Teams token", f"Microsoft refused the app's credentials ({code or status}): check MICROSOFT_APP_ID and create a new client secret for MICROSOFT_APP_PASSWORD under Certificates & secrets."))
    return checks


def report(checks: list[Check], now: datetime | None = None) -> tuple[str, int]:
    """The checklist as printed, and the exit status: 0 only when every check passed."""
    lines = [c.line() for c in checks]
    failures = sum(1 for c in checks if not c.ok)
    lines.append("All checks passed." if not failures else f"{failures} check(s) failed.")
    return "\n".join(lines), 0 if not failures else 1


__all__ = ["Check", "examine", "manifest_scopes", "report"]
