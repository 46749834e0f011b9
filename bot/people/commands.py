"""The words of the personal commands: settings, privacy, forget-me, and yes/no answers."""

from __future__ import annotations

from dataclasses import dataclass

from bot.catalogue import LANGUAGES
from bot.parsing import Command, command, flag, form, named, specs_of
from bot.readers import ON_OFF, ZONE, choice

LANGUAGE = choice(*LANGUAGES, label="language")


@command("settings", help="help.settings")
@dataclass(frozen=True)
class ShowSettings(Command):
    pass


@command("settings", help="help.settings", refusal="settings.usage", unknown="settings.unknown", listed=False)
@dataclass(frozen=True)
class ChangeSettings(Command):
    dm: bool | None = named(ON_OFF, "dm", bad="settings.on_off")
    nudges: bool | None = named(ON_OFF, "nudges", bad="settings.on_off")
    language: str | None = named(LANGUAGE, "language", bad="settings.bad_language")
    timezone: str | None = named(ZONE, "timezone", bad="settings.bad_timezone")


@command("privacy", help="help.privacy")
@dataclass(frozen=True)
class Privacy(Command):
    pass


@command("privacy", "export", help="help.privacy_export")
@dataclass(frozen=True)
class PrivacyExport(Command):
    pass


@command("forget-me", help="help.forget_me", extra=True)
@dataclass(frozen=True)
class ForgetMe(Command):
    confirmed: bool = flag("--yes", shown=False)


@command(forms=(form("yes", help="help.yes", yes=True), form("no", help="help.no", yes=False)), help="help.yes", listed=False, extra=True)
@dataclass(frozen=True)
class Answer(Command):
    yes: bool


SPECS = specs_of(ShowSettings, ChangeSettings, Privacy, PrivacyExport, ForgetMe, Answer)
