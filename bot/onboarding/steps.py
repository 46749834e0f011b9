"""The onboarding steps a district configures: which message goes on which day, in which words."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from typing import Any, Mapping

from bot.catalogue import LANGUAGES, text as catalogue_text
from bot.config import ConfigError, District

#: Steps whose words and buttons the catalogue knows; any other step needs its text configured.
BUILT_IN = ("welcome", "mentoring", "checkin")
#: What a configured text may fill in: the person's first name.
PLACEHOLDERS = frozenset({"name"})
MAX_TEXT = 3000
MAX_DAY = 365
KEYS = ("step", "day", "text")
_NAME = re.compile(r"^[a-z][a-z0-9-]{0,31}$")


@dataclass(frozen=True)
class Step:
    name: str
    day: int
    # Language → the district's own words; a language left out uses the catalogue's default.
    text: Mapping[str, str]

    @property
    def built_in(self) -> bool:
        return self.name in BUILT_IN

    def body(self, language: str, name: str) -> str:
        template = self.text.get(language)
        if template is None and self.built_in:
            return catalogue_text(language, f"onboarding.{self.name}_text", name=name)
        template = template if template is not None else self.text.get("en", "")
        return template.format(name=name)


def steps_of(district: District) -> tuple[Step, ...]:
    """The district's steps in the order they are sent."""
    return tuple(Step(name=s["step"], day=int(s["day"]), text=dict(s.get("text") or {})) for s in district.onboarding)


def read_steps(value: Any, source: str) -> tuple[Mapping[str, Any], ...]:
    """Check the `onboarding` setting of AFFINITY_CONFIG; each problem is one ConfigError sentence."""
    example = "for example [{step: welcome, day: 0}, {step: mentoring, day: 7}]"
    if not isinstance(value, list):
        raise ConfigError(f"{source}: onboarding must be a list of steps, {example}.")
    steps: list[Mapping[str, Any]] = []
    for position, raw in enumerate(value, start=1):
        where = f"{source}: onboarding step {position}"
        if not isinstance(raw, dict):
            raise ConfigError(f"{where} must be a mapping with step and day, {example}.")
        unknown = sorted(str(k) for k in raw if k not in KEYS)
        if unknown:
            raise ConfigError(f"{where} has the unknown key {unknown[0]!r}; a step has step, day and text.")
        name = raw.get("step")
        if not isinstance(name, str) or not _NAME.match(name):
            raise ConfigError(
                f"{where} needs a step name of lower-case letters, digits and hyphens (such as welcome or week-two), not {name!r}."
            )
        where = f"{source}: onboarding step {name!r}"
        if any(s["step"] == name for s in steps):
            raise ConfigError(f"{where} is listed twice; each step name may appear once.")
        day = raw.get("day")
        if isinstance(day, bool) or not isinstance(day, int) or not 0 <= day <= MAX_DAY:
            raise ConfigError(f"{where} needs a day: a whole number from 0 (the first day) to {MAX_DAY}, not {day!r}.")
        if steps and day <= steps[-1]["day"]:
            before = steps[-1]
            raise ConfigError(
                f"{where} is on day {day}, not after the step before it ({before['step']!r}, day {before['day']}); "
                "list the steps in the order of their days, one step per day."
            )
        steps.append({"step": name, "day": day, "text": _read_text(raw.get("text"), name, where)})
    return tuple(steps)


def _read_text(value: Any, name: str, where: str) -> dict[str, str]:
    languages = ", ".join(LANGUAGES)
    if value is None:
        if name not in BUILT_IN:
            raise ConfigError(f"{where} needs a text in every language ({languages}); only {', '.join(BUILT_IN)} have default words.")
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: text must give the words per language, for example text: {{en: \"…\", es: \"…\"}}.")
    texts: dict[str, str] = {}
    for language, words in value.items():
        if language not in LANGUAGES:
            raise ConfigError(f"{where}: text has the language {language!r}; the languages are {languages}.")
        if not isinstance(words, str) or not words.strip():
            raise ConfigError(f"{where}: the {language} text is empty.")
        if len(words) > MAX_TEXT:
            raise ConfigError(f"{where}: the {language} text is {len(words)} characters long; the limit is {MAX_TEXT}.")
        try:
            used = {field for _, field, _, _ in string.Formatter().parse(words) if field is not None}
        except ValueError:
            raise ConfigError(f"{where}: the {language} text has an unmatched {{ or }}; write {{{{ or }}}} for a brace itself.") from None
        unknown = sorted(used - PLACEHOLDERS)
        if unknown:
            raise ConfigError(f"{where}: the {language} text uses {{{unknown[0]}}}; the only placeholder is {{name}}, the person's first name.")
        texts[language] = words.strip()
    missing = [lang for lang in LANGUAGES if lang not in texts]
    if missing and name not in BUILT_IN:
        raise ConfigError(f"{where} has no {missing[0]} text; a step of the district's own needs its text in every language ({languages}).")
    return texts
