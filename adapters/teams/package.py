"""The Teams app package: teams/manifest.json filled in, command lists from the core, two icons, one zip.

`check_manifest` holds the parts of the Teams app manifest schema v1.30 (the current version)
that this manifest touches: required fields, allowed keys, lengths, patterns and list limits.
`write_package` refuses to write a package that fails it.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from bot.catalogue import Translator
from bot.parsing import Spec

TEMPLATE = Path(__file__).resolve().parents[2] / "teams" / "manifest.json"
MANIFEST_VERSION = "1.30"
SCHEMA_URL = f"https://developer.microsoft.com/json-schemas/teams/v{MANIFEST_VERSION}/MicrosoftTeams.schema.json"
COLOR_ICON, OUTLINE_ICON = "color.png", "outline.png"
ICON_SIZES = {COLOR_ICON: (192, 192), OUTLINE_ICON: (32, 32)}

#: The schema's limit on commands per list (12 since v1.24), and what older Teams clients show.
COMMANDS_PER_LIST = 12
TITLE_LENGTH, DESCRIPTION_LENGTH = 32, 128
#: Suggested where colleagues can see what is typed: finding out about groups only. Everything
#: else works there too, but is answered in the person's own chat.
SHARED_COMMANDS = ("help", "groups", "groups info")
_AUDIENCE_ORDER = ("all", "member", "facilitator", "dei_office", "admin")

_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_HOST = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9*]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}(:\d{1,5})?$")


class PackageError(ValueError):
    """A bad option or a manifest that would not pass Teams' checks; one sentence."""


def command_lists(specs: Sequence[Spec], language: str = "en") -> list[dict[str, Any]]:
    """What Teams suggests as people type: the core's own command words, never others."""
    t = Translator(language)
    listed = sorted((s for s in specs if s.listed), key=lambda s: _AUDIENCE_ORDER.index(s.audience) if s.audience in _AUDIENCE_ORDER else len(_AUDIENCE_ORDER))
    personal = [_command(s, t) for s in listed][:COMMANDS_PER_LIST]
    shared = [_command(s, t) for s in listed if s.name in SHARED_COMMANDS]
    lists = [{"scopes": ["personal"], "commands": personal}]
    if shared:
        lists.append({"scopes": ["team", "groupChat"], "commands": shared})
    return lists


def build_manifest(specs: Sequence[Spec], app_id: str, domain: str | None = None, website: str | None = None, version: str = "0.1.0") -> dict[str, Any]:
    if not _GUID.match(app_id or ""):
        raise PackageError(f"--app-id must be the bot's Microsoft app id, a GUID like 0d3f8a6e-1c2b-4d5e-8f90-a1b2c3d4e5f6, not {app_id!r}.")
    if domain is not None and not _HOST.match(domain):
        raise PackageError(f"--domain must be a host name such as affinity.district.org (no https://, no path), not {domain!r}.")
    if website is None:
        if domain is None:
            raise PackageError("Give --domain (the host the bot is served from) or --website (a page about the bot for your staff).")
        website = f"https://{domain}/"
    if not re.match(r"^https://", website):
        raise PackageError(f"--website must be an https:// address, not {website!r}.")
    manifest = json.loads(TEMPLATE.read_text(encoding="utf-8"))
    manifest["$schema"] = SCHEMA_URL
    manifest["manifestVersion"] = MANIFEST_VERSION
    manifest["id"] = app_id.lower()
    manifest["version"] = version
    manifest["developer"].update(websiteUrl=website, privacyUrl=website, termsOfUseUrl=website)
    manifest["bots"][0]["botId"] = app_id.lower()
    manifest["bots"][0]["commandLists"] = command_lists(specs)
    manifest["validDomains"] = [domain] if domain else []
    return manifest


def write_package(specs: Sequence[Spec], app_id: str, out: Path, domain: str | None = None, website: str | None = None, version: str = "0.1.0") -> dict[str, Any]:
    """Write the zip (manifest.json, color.png, outline.png) to `out`; returns the manifest."""
    manifest = build_manifest(specs, app_id, domain, website, version)
    files = {COLOR_ICON: color_icon(manifest["accentColor"]), OUTLINE_ICON: outline_icon()}
    problems = check_manifest(manifest, files)
    if problems:
        raise PackageError("The manifest would not pass Teams' checks: " + "; ".join(problems[:5]) + ".")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        # Files at the root of the zip, as Teams requires.
        archive.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
        for name, data in files.items():
            archive.writestr(name, data)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(buffer.getvalue())
    return manifest


# --- icons ---------------------------------------------------------------------------------


def color_icon(accent: str) -> bytes:
    """192×192: three overlapping rings (people together) in white on the accent colour."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (192, 192), accent)
    draw = ImageDraw.Draw(image)
    for cx, cy in ((74, 80), (118, 80), (96, 118)):
        draw.ellipse((cx - 36, cy - 36, cx + 36, cy + 36), outline="white", width=9)
    return _png(image)


def outline_icon() -> bytes:
    """32×32: the same rings, white on transparent, as Teams asks of outline icons."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (32, 32), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    for cx, cy in ((12, 13), (20, 13), (16, 20)):
        draw.ellipse((cx - 7, cy - 7, cx + 7, cy + 7), outline=(255, 255, 255, 255), width=2)
    return _png(image)


def _png(image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


# --- the schema's rules, as far as this manifest goes ------------------------------------------

_ROOT_KEYS = {
    "$schema", "manifestVersion", "version", "id", "localizationInfo", "developer", "name", "description", "icons",
    "accentColor", "configurableTabs", "staticTabs", "bots", "connectors", "subscriptionOffer", "composeExtensions",
    "permissions", "devicePermissions", "validDomains", "webApplicationInfo", "graphConnector", "showLoadingIndicator",
    "isFullScreen", "activities", "supportsChannelFeatures", "supportedChannelTypes", "configurableProperties",
    "defaultBlockUntilAdminAction", "publisherDocsUrl", "defaultInstallScope", "defaultGroupCapability",
    "meetingExtensionDefinition", "authorization", "extensions", "dashboardCards", "intuneInfo", "copilotAgents",
    "agenticUserTemplates", "elementRelationshipSet", "backgroundLoadConfiguration", "agentConnectors", "agentSkills",
}
_ROOT_REQUIRED = ("manifestVersion", "version", "id", "developer", "name", "description", "icons", "accentColor")
_BOT_KEYS = {
    "botId", "configuration", "needsChannelSelector", "isNotificationOnly", "supportsFiles", "supportsCalling",
    "supportsVideo", "scopes", "supportsTargetedMessages", "commandLists", "requirementSet", "registrationInfo",
}
_SCOPES = {"team", "personal", "groupChat", "copilot"}
_INSTALL_SCOPES = {"personal", "team", "groupChat", "meetings", "copilot"}


def check_manifest(manifest: Mapping[str, Any], files: Mapping[str, bytes]) -> list[str]:
    """Every way `manifest` (and the files beside it) breaks the v1.30 rules it is subject to."""
    problems: list[str] = []
    say = problems.append
    _keys(manifest, _ROOT_KEYS, _ROOT_REQUIRED, "manifest", say)
    if manifest.get("manifestVersion") != MANIFEST_VERSION:
        say(f"manifestVersion must be {MANIFEST_VERSION}")
    if "$schema" in manifest and manifest["$schema"] != SCHEMA_URL:
        say("$schema must name the v1.30 schema")
    _text(manifest.get("version"), "version", 256, say, pattern=r"^\d+\.\d+\.\d+$")
    _text(manifest.get("id"), "id", 36, say, pattern=_GUID.pattern)
    developer = _object(manifest.get("developer"), "developer", say)
    _keys(developer, {"name", "mpnId", "websiteUrl", "privacyUrl", "termsOfUseUrl"}, ("name", "websiteUrl", "privacyUrl", "termsOfUseUrl"), "developer", say)
    _text(developer.get("name"), "developer.name", 32, say)
    for url in ("websiteUrl", "privacyUrl", "termsOfUseUrl"):
        _text(developer.get(url), f"developer.{url}", 2048, say, pattern=r"^[Hh][Tt][Tt][Pp][Ss]?://")
    name = _object(manifest.get("name"), "name", say)
    _keys(name, {"short", "full"}, ("short",), "name", say)
    _text(name.get("short"), "name.short", 30, say)
    if "full" in name:
        _text(name.get("full"), "name.full", 100, say)
    description = _object(manifest.get("description"), "description", say)
    _keys(description, {"short", "full", "features"}, ("short", "full"), "description", say)
    _text(description.get("short"), "description.short", 80, say)
    _text(description.get("full"), "description.full", 4000, say)
    icons = _object(manifest.get("icons"), "icons", say)
    _keys(icons, {"outline", "color", "color32x32"}, ("outline", "color"), "icons", say)
    for which, expected in (("color", (192, 192)), ("outline", (32, 32))):
        path = icons.get(which)
        _text(path, f"icons.{which}", 2048, say)
        if isinstance(path, str):
            size = _png_size(files.get(path))
            if size is None:
                say(f"icons.{which} names {path}, which is not a PNG in the package")
            elif size != expected:
                say(f"icons.{which} must be {expected[0]}x{expected[1]}, not {size[0]}x{size[1]}")
    _text(manifest.get("accentColor"), "accentColor", 7, say, pattern=r"^#[0-9a-fA-F]{6}$")
    bots = manifest.get("bots", [])
    if not isinstance(bots, list) or len(bots) > 1:
        say("bots must be a list of at most one bot")
        bots = []
    for bot in bots:
        bot = _object(bot, "bots[0]", say)
        _keys(bot, _BOT_KEYS, ("botId", "scopes"), "bots[0]", say)
        _text(bot.get("botId"), "bots[0].botId", 36, say, pattern=_GUID.pattern)
        _enum_list(bot.get("scopes"), _SCOPES, 4, "bots[0].scopes", say)
        lists = bot.get("commandLists", [])
        if not isinstance(lists, list) or len(lists) > 3:
            say("bots[0].commandLists must be a list of at most 3")
            lists = []
        for i, command_list in enumerate(lists):
            where = f"bots[0].commandLists[{i}]"
            command_list = _object(command_list, where, say)
            _keys(command_list, {"triggers", "scopes", "commands"}, ("scopes", "commands"), where, say)
            _enum_list(command_list.get("scopes"), _SCOPES, 4, f"{where}.scopes", say)
            commands = command_list.get("commands")
            if not isinstance(commands, list) or len(commands) > COMMANDS_PER_LIST:
                say(f"{where}.commands must be a list of at most {COMMANDS_PER_LIST}")
                continue
            for j, command in enumerate(commands):
                command = _object(command, f"{where}.commands[{j}]", say)
                _keys(command, {"title", "description", "type", "prompt"}, ("title",), f"{where}.commands[{j}]", say)
                _text(command.get("title"), f"{where}.commands[{j}].title", 128, say)
                if "description" in command:
                    _text(command.get("description"), f"{where}.commands[{j}].description", 4000, say)
    if "permissions" in manifest:
        _enum_list(manifest["permissions"], {"identity", "messageTeamMembers"}, 2, "permissions", say)
    domains = manifest.get("validDomains", [])
    if not isinstance(domains, list) or len(domains) > 100 or not all(isinstance(d, str) and len(d) <= 2048 for d in domains):
        say("validDomains must be a list of at most 100 host names")
    if "defaultInstallScope" in manifest and manifest["defaultInstallScope"] not in _INSTALL_SCOPES:
        say("defaultInstallScope must be one of " + ", ".join(sorted(_INSTALL_SCOPES)))
    return problems


def _command(spec: Spec, t: Translator) -> dict[str, str]:
    # The usage line shows the arguments too, which is what the schema asks a description for.
    description = t(spec.usage).replace("`", "").strip()
    if len(description) > DESCRIPTION_LENGTH:
        description = description[: DESCRIPTION_LENGTH - 1].rstrip() + "…"
    return {"title": spec.name[:TITLE_LENGTH], "description": description}


def _object(value: Any, where: str, say) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        say(f"{where} must be an object")
        return {}
    return value


def _keys(value: Mapping[str, Any], allowed: Iterable[str], required: Iterable[str], where: str, say) -> None:
    allowed = set(allowed)
    for key in value:
        if key not in allowed:
            say(f"{where} may not have {key!r}")
    for key in required:
        if key not in value:
            say(f"{where} needs {key!r}")


def _text(value: Any, where: str, limit: int, say, pattern: str | None = None) -> None:
    if not isinstance(value, str):
        say(f"{where} must be text")
        return
    if len(value) > limit:
        say(f"{where} is {len(value)} characters; the limit is {limit}")
    if pattern and not re.match(pattern, value):
        say(f"{where} is not in the required form")


def _enum_list(value: Any, allowed: set[str], limit: int, where: str, say) -> None:
    if not isinstance(value, list) or len(value) > limit or not all(v in allowed for v in value):
        say(f"{where} must list at most {limit} of {', '.join(sorted(allowed))}")


def _png_size(data: bytes | None) -> tuple[int, int] | None:
    if not data or data[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    # The IHDR chunk always comes first: width and height as big-endian 32-bit numbers.
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
