"""The words of the personal commands: settings, privacy, forget-me, and yes/no answers."""

from __future__ import annotations

from dataclasses import dataclass
from bot.hours import read_zone

from bot.catalogue import LANGUAGES
from bot.parsing import Args, Command, Refusal, Spec, no_args

ON_OFF = {"on": True, "off": False, "yes": True, "no": False, "si": True, "sí": True}


@dataclass(frozen=True)
class ShowSettings(Command):
    pass


@dataclass(frozen=True)
class ChangeSettings(Command):
    dm: bool | None = None
    nudges: bool | None = None
    language: str | None = None
    timezone: str | None = None


@dataclass(frozen=True)
class Privacy(Command):
    pass


@dataclass(frozen=True)
class PrivacyExport(Command):
    pass


@dataclass(frozen=True)
class ForgetMe(Command):
    confirmed: bool = False


@dataclass(frozen=True)
class Answer(Command):
    yes: bool


def _settings(args: Args) -> Command | Refusal:
    words = [w.lower() for w in args.words]
    if not words:
        return ShowSettings()
    if len(words) % 2:
        return Refusal("settings.usage")
    change: dict[str, object] = {}
    for name, value in zip(words[::2], words[1::2]):
        if name in ("dm", "dms", "nudges"):
            if value not in ON_OFF:
                return Refusal("settings.on_off", {"name": name})
            change["dm" if name.startswith("dm") else "nudges"] = ON_OFF[value]
        elif name in ("language", "idioma", "lang"):
            if value not in LANGUAGES:
                return Refusal("settings.bad_language", {"value": value, "choices": ", ".join(LANGUAGES)})
            change["language"] = value
        elif name in ("timezone", "tz", "zona"):
            original = args.words[words.index(value)] if value in words else value
            found = read_zone(original)
            if found is None:
                return Refusal("settings.bad_timezone", {"value": original[:64]})
            change["timezone"] = found
        else:
            return Refusal("settings.unknown", {"name": name[:40]})
    return ChangeSettings(**change)


SPECS = (
    Spec(("settings",), _settings, "help.settings"),
    Spec(("privacy",), no_args(Privacy, "privacy"), "help.privacy"),
    Spec(("privacy", "export"), no_args(PrivacyExport, "privacy export"), "help.privacy_export"),
    Spec(("forget-me",), lambda a: ForgetMe(confirmed="--yes" in a.flags), "help.forget_me"),
    Spec(("yes",), lambda a: Answer(True), "help.yes", listed=False),
    Spec(("no",), lambda a: Answer(False), "help.no", listed=False),
)
