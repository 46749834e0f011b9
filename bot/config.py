"""Settings from the environment (and `.env`), and the district's YAML configuration."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///affinity.db"
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one sentence naming it."""


@dataclass(frozen=True)
class District:
    """What `AFFINITY_CONFIG` may set; every field has the default the spec names."""

    k: int = 5
    excerpt_min: int = 10
    quiet_start: time = time(20, 0)
    quiet_end: time = time(7, 0)
    work_start: time = time(8, 0)
    work_end: time = time(16, 30)
    nudge_offsets: tuple[str, ...] = ("24h", "1h")
    onboarding: tuple[Mapping[str, Any], ...] = (
        {"day": 0, "step": "welcome"},
        {"day": 7, "step": "mentoring"},
        {"day": 30, "step": "checkin"},
    )
    concern_categories: tuple[str, ...] = (
        "harassment",
        "discrimination",
        "inclusion",
        "workload",
        "safety",
        "other",
    )
    sites: tuple[str, ...] = ()
    escalate_after_working_days: int = 10
    notice_times: tuple[time, ...] = (time(10, 0), time(15, 0))
    digest_weekday: int = 0
    digest_time: time = time(8, 0)
    mentor_weights: Mapping[str, Any] = field(default_factory=dict)
    mentor_accept_days: int = 3
    intro_avoid_rounds: int = 6
    #: `groups health` lists join requests that have waited longer than this many days.
    request_wait_days: int = 7
    groups: tuple[Mapping[str, Any], ...] = ()
    #: How a SCIM user becomes a person (docs/provisioning.md): `site` is the first of these
    #: attributes that has a value; `start_date` the attribute that holds the start date.
    provisioning_site: tuple[str, ...] = ("department", "organization", "locality")
    provisioning_start_date: str | None = "employeeHireDate"


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    port: int = 3978
    timezone: ZoneInfo = ZoneInfo("America/Chicago")
    slack_bot_token: str = ""
    slack_signing_secret: str = ""
    slack_app_token: str = ""
    slack_api_url: str = "https://slack.com/api/"
    slack_client_id: str = ""
    slack_client_secret: str = ""
    microsoft_app_id: str = ""
    microsoft_app_password: str = ""
    microsoft_app_tenant_id: str = ""
    #: `AFFINITY_TEAMS_UNAUTHENTICATED=1`: Teams without token checks (the Bot Framework
    #: Emulator, local tests), served to loopback peers and loopback service URLs only.
    teams_unauthenticated: bool = False
    dei_channel: str = ""
    district: District = field(default_factory=District)
    config_path: str | None = None
    #: How often, at most, a process checks whether the data behind the answers it keeps in
    #: memory changed (bot/groups/cache.py): the longest a change made elsewhere goes unseen.
    #: 0 keeps nothing in memory.
    cache_check_ms: int = 250
    #: `GET /metrics` on the main port (`AFFINITY_METRICS=1`).
    metrics: bool = False
    #: `GET /metrics` on a port of its own instead (`AFFINITY_METRICS_PORT`), so it need not be public.
    metrics_port: int | None = None
    #: `text` (the default) or `json`: one JSON object per log line (`AFFINITY_LOG_FORMAT`).
    log_format: str = "text"
    #: The address people reach `serve` at (`AFFINITY_PUBLIC_URL`, e.g. https://affinity.example.org):
    #: `privacy export` on Teams answers with a short-lived link under it. Empty: no link is made.
    public_url: str = ""
    #: `AFFINITY_SCIM_TOKEN`: the bearer tokens `/scim/v2/` accepts (several, comma-separated,
    #: for rotation); none leaves the SCIM routes unserved (404).
    scim_tokens: tuple[str, ...] = ()

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "Settings":
        """Read every setting; a missing or malformed one raises ConfigError naming it."""
        port_text = env.get("PORT", "3978").strip() or "3978"
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ConfigError(f"PORT must be a port number between 1 and 65535, not {port_text!r}.")
        zone_name = env.get("AFFINITY_TIMEZONE", "America/Chicago").strip() or "America/Chicago"
        try:
            zone = ZoneInfo(zone_name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(
                f"AFFINITY_TIMEZONE must be an IANA time zone such as America/Chicago, not {zone_name!r}."
            ) from None
        url = env.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL
        if not url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ConfigError(
                "DATABASE_URL must start with sqlite+aiosqlite:// or postgresql+asyncpg:// "
                f"(got {url.split(':', 1)[0]!r})."
            )
        app_id = env.get("MICROSOFT_APP_ID", "").strip()
        app_password = env.get("MICROSOFT_APP_PASSWORD", "").strip()
        if bool(app_id) != bool(app_password):
            missing = "MICROSOFT_APP_PASSWORD" if app_id else "MICROSOFT_APP_ID"
            raise ConfigError(f"{missing} must be set together with the other Microsoft app setting, or both left empty.")
        tenant_id = env.get("MICROSOFT_APP_TENANT_ID", "").strip()
        if app_id and not _GUID.fullmatch(app_id):
            raise ConfigError("MICROSOFT_APP_ID must be the bot's app id, a GUID such as 0d3f8a6e-1c2b-4d5e-8f90-a1b2c3d4e5f6.")
        if tenant_id and not app_id:
            raise ConfigError("MICROSOFT_APP_TENANT_ID is set, but MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD are not.")
        if tenant_id and not _GUID.fullmatch(tenant_id):
            raise ConfigError("MICROSOFT_APP_TENANT_ID must be the district's tenant id, a GUID such as c5b8f2d4-3a71-4e0b-9d2f-6a8e1b7c9f03.")
        unauthenticated_text = env.get("AFFINITY_TEAMS_UNAUTHENTICATED", "").strip()
        if unauthenticated_text not in ("", "0", "1"):
            raise ConfigError(f"AFFINITY_TEAMS_UNAUTHENTICATED must be 1 or 0, not {unauthenticated_text!r}.")
        teams_unauthenticated = unauthenticated_text == "1"
        if teams_unauthenticated and app_id:
            raise ConfigError("AFFINITY_TEAMS_UNAUTHENTICATED=1 turns Teams' token checks off, so it cannot be set together with MICROSOFT_APP_ID.")
        api_url = env.get("SLACK_API_URL", "").strip() or "https://slack.com/api/"
        if not api_url.startswith(("http://", "https://")):
            raise ConfigError(f"SLACK_API_URL must be an http(s) URL, not {api_url!r}.")
        dei_channel = env.get("AFFINITY_DEI_CHANNEL", "").strip()
        if dei_channel and (dei_channel.split(":", 2)[0] not in ("slack", "teams", "console") or dei_channel.count(":") < 2):
            raise ConfigError(
                "AFFINITY_DEI_CHANNEL must be written as platform:workspace-or-tenant:channel, "
                f"for example slack:T0123ABCD:C0456EFGH, not {dei_channel!r}."
            )
        check_text = env.get("AFFINITY_CACHE_CHECK_MS", "250").strip() or "250"
        if not check_text.isdigit() or int(check_text) > 60_000:
            raise ConfigError(f"AFFINITY_CACHE_CHECK_MS must be a number of milliseconds from 0 to 60000, not {check_text!r}.")
        metrics_text = env.get("AFFINITY_METRICS", "").strip()
        if metrics_text not in ("", "0", "1"):
            raise ConfigError(f"AFFINITY_METRICS must be 1 (serve GET /metrics on PORT) or 0, not {metrics_text!r}.")
        metrics_port_text = env.get("AFFINITY_METRICS_PORT", "").strip()
        if metrics_port_text and (not metrics_port_text.isdigit() or not 0 < int(metrics_port_text) < 65536):
            raise ConfigError(f"AFFINITY_METRICS_PORT must be a port number between 1 and 65535, not {metrics_port_text!r}.")
        if metrics_port_text and int(metrics_port_text) == int(port_text):
            raise ConfigError("AFFINITY_METRICS_PORT must differ from PORT; to serve /metrics on PORT set AFFINITY_METRICS=1 instead.")
        log_format = env.get("AFFINITY_LOG_FORMAT", "").strip().lower() or "text"
        if log_format not in ("text", "json"):
            raise ConfigError(f"AFFINITY_LOG_FORMAT must be text or json, not {log_format!r}.")
        public_url = env.get("AFFINITY_PUBLIC_URL", "").strip().rstrip("/")
        if public_url and not (public_url.startswith(("https://", "http://")) and "?" not in public_url and "#" not in public_url and len(public_url) <= 200):
            raise ConfigError(f"AFFINITY_PUBLIC_URL must be the https:// address people reach the bot at, such as https://affinity.example.org, not {public_url!r}.")
        scim_tokens = tuple(t.strip() for t in env.get("AFFINITY_SCIM_TOKEN", "").split(",") if t.strip())
        if any(len(t) < 32 for t in scim_tokens):
            raise ConfigError("AFFINITY_SCIM_TOKEN must hold tokens of at least 32 characters each, comma-separated (make one with `openssl rand -hex 32`).")
        config_path = env.get("AFFINITY_CONFIG", "").strip() or None
        district = load_district(Path(config_path)) if config_path else District()
        return cls(
            database_url=url,
            port=int(port_text),
            timezone=zone,
            slack_bot_token=env.get("SLACK_BOT_TOKEN", "").strip(),
            slack_signing_secret=env.get("SLACK_SIGNING_SECRET", "").strip(),
            slack_app_token=env.get("SLACK_APP_TOKEN", "").strip(),
            slack_api_url=api_url if api_url.endswith("/") else api_url + "/",
            slack_client_id=env.get("SLACK_CLIENT_ID", "").strip(),
            slack_client_secret=env.get("SLACK_CLIENT_SECRET", "").strip(),
            microsoft_app_id=app_id,
            microsoft_app_password=app_password,
            microsoft_app_tenant_id=tenant_id,
            teams_unauthenticated=teams_unauthenticated,
            dei_channel=dei_channel,
            district=district,
            config_path=config_path,
            cache_check_ms=int(check_text),
            metrics=metrics_text == "1",
            metrics_port=int(metrics_port_text) if metrics_port_text else None,
            log_format=log_format,
            public_url=public_url,
            scim_tokens=scim_tokens,
        )


def load_district(path: Path) -> District:
    """Parse the AFFINITY_CONFIG file; any error names the file and the key."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"AFFINITY_CONFIG points to {path}, which does not exist.") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ConfigError(f"AFFINITY_CONFIG file {path} is not valid YAML{where}.") from None
    if raw is None:
        return District()
    if not isinstance(raw, dict):
        raise ConfigError(f"AFFINITY_CONFIG file {path} must be a mapping of settings at the top level.")
    return district_from_mapping(raw, source=str(path))


def district_from_mapping(raw: Mapping[str, Any], source: str = "AFFINITY_CONFIG") -> District:
    values: dict[str, Any] = {}
    readers = {
        "k": lambda v, key: _int(v, key, source, minimum=3),
        "excerpt_min": lambda v, key: _int(v, key, source, minimum=3),
        "quiet_hours": None,
        "working_hours": None,
        "nudge_offsets": lambda v, key: _nudge_offsets(v, key, source),
        "onboarding": lambda v, key: _onboarding(v, source),
        "concern_categories": lambda v, key: tuple(_str_list(v, key, source)),
        "sites": lambda v, key: tuple(_str_list(v, key, source)),
        "escalate_after_working_days": lambda v, key: _int(v, key, source, minimum=1),
        "notice_times": lambda v, key: tuple(_time(x, key, source) for x in _str_list(v, key, source)),
        "digest_weekday": lambda v, key: _int(v, key, source, minimum=0, maximum=6),
        "digest_time": lambda v, key: _time(v, key, source),
        "mentor_weights": lambda v, key: _mentor_weights(v, key, source),
        "mentor_accept_days": lambda v, key: _int(v, key, source, minimum=1),
        "intro_avoid_rounds": lambda v, key: _int(v, key, source, minimum=0),
        "request_wait_days": lambda v, key: _int(v, key, source, minimum=1),
        "groups": lambda v, key: tuple(_mapping_list(v, key, source)),
        "provisioning": None,
    }
    for key, value in raw.items():
        if key not in readers:
            known = ", ".join(sorted(readers))
            raise ConfigError(f"{source}: unknown setting {key!r}; known settings are {known}.")
        if key == "provisioning":
            values.update(_provisioning(value, source))
        elif key in ("quiet_hours", "working_hours"):
            start, end = _window(value, key, source)
            prefix = "quiet" if key == "quiet_hours" else "work"
            values[f"{prefix}_start"], values[f"{prefix}_end"] = start, end
        else:
            values[key] = readers[key](value, key)
    district = District(**values)
    if district.excerpt_min < district.k:
        raise ConfigError(f"{source}: excerpt_min ({district.excerpt_min}) may not be below k ({district.k}).")
    return district


_SITE_SOURCES = ("department", "organization", "division", "locality")


def _provisioning(value: Any, source: str) -> dict[str, Any]:
    """`provisioning: {site: [department, organization, locality], start_date: employeeHireDate}`."""
    raw = _mapping(value, "provisioning", source)
    found: dict[str, Any] = {}
    for key, item in raw.items():
        if key == "site":
            names = tuple(_str_list(item, "provisioning.site", source))
            wrong = [n for n in names if n not in _SITE_SOURCES]
            if wrong:
                raise ConfigError(f"{source}: provisioning.site may name {', '.join(_SITE_SOURCES)}, not {wrong[0]!r}.")
            found["provisioning_site"] = names
        elif key == "start_date":
            if item is not None and (not isinstance(item, str) or not item.strip() or len(item) > 100):
                raise ConfigError(f"{source}: provisioning.start_date must be the name of a SCIM attribute, such as employeeHireDate.")
            found["provisioning_start_date"] = item.strip() if item else None
        else:
            raise ConfigError(f"{source}: unknown setting provisioning.{key}; known settings are site, start_date.")
    return found


def _nudge_offsets(value: Any, key: str, source: str) -> tuple[str, ...]:
    # Checked by the meetings feature, which reads them (24h, 90m, 2d); imported here rather than
    # at the top because that feature imports this module.
    from bot.meetings.offsets import read_offsets

    return read_offsets(value, key, source)


def _mentor_weights(value: Any, key: str, source: str) -> Mapping[str, Any]:
    # Checked by the matcher, which knows the weights; imported here for the same reason as above.
    from bot.mentoring.matching import MatchWeights

    weights = _mapping(value, key, source)
    try:
        MatchWeights.from_mapping(weights)
    except ValueError as exc:
        raise ConfigError(f"{source}: {key}: {exc}.") from None
    return weights


def _onboarding(value: Any, source: str) -> tuple[Mapping[str, Any], ...]:
    # Checked by the onboarding feature, which knows which steps have default words; imported
    # here rather than at the top because that feature imports this module.
    from bot.onboarding.steps import read_steps

    return read_steps(value, source)


def _int(value: Any, key: str, source: str, minimum: int | None = None, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{source}: {key} must be a whole number, not {value!r}.")
    if minimum is not None and value < minimum:
        raise ConfigError(f"{source}: {key} must be at least {minimum}, not {value}.")
    if maximum is not None and value > maximum:
        raise ConfigError(f"{source}: {key} must be at most {maximum}, not {value}.")
    return value


def _str_list(value: Any, key: str, source: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{source}: {key} must be a list of words.")
    return [v.strip() for v in value]


def _mapping(value: Any, key: str, source: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{source}: {key} must be a mapping.")
    return value


def _mapping_list(value: Any, key: str, source: str) -> list[Mapping[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ConfigError(f"{source}: {key} must be a list of mappings.")
    return value


def _time(value: Any, key: str, source: str) -> time:
    text = str(value).strip()
    try:
        hours, minutes = text.split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise ConfigError(f"{source}: {key} must be a time as HH:MM, not {text!r}.") from None


def _window(value: Any, key: str, source: str) -> tuple[time, time]:
    parts = str(value).replace("–", "-").split("-")
    if len(parts) != 2:
        raise ConfigError(f"{source}: {key} must be written as HH:MM-HH:MM, not {value!r}.")
    return _time(parts[0], key, source), _time(parts[1], key, source)
