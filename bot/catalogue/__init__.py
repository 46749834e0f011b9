"""Every sentence the bot says, one catalogue per language (en, es), one file per feature."""

from __future__ import annotations

import string
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

import yaml

LANGUAGES = ("en", "es")
DEFAULT_LANGUAGE = "en"
_HERE = Path(__file__).parent


@lru_cache(maxsize=None)
def catalogue(language: str) -> Mapping[str, str]:
    """All keys of one language, flattened to dotted names (`groups.joined`)."""
    entries: dict[str, str] = {}
    for path in sorted((_HERE / language).glob("*.yml")):
        if path.name == WORDS_FILE:
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        _flatten(path.stem, data, entries)
    return entries


#: The words a person may type in each language (not sentences): `words.yml` beside the sentences.
WORDS_FILE = "words.yml"


@lru_cache(maxsize=None)
def input_words(section: str) -> Mapping[str, str]:
    """Every word any language lets a person type for `section`, lowered, to what it means.

    `words.yml` lists, per meaning, the words of that language separated by spaces; a language
    lists only the words it has. A person may type the words of any language, whatever their
    setting, so the languages are merged.
    """
    found: dict[str, str] = {}
    for language in LANGUAGES:
        path = _HERE / language / WORDS_FILE
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for meaning, words in (data.get(section) or {}).items():
            for word in str(words).split():
                found.setdefault(word.lower(), str(meaning))
    return found


def _flatten(prefix: str, node: Any, out: dict[str, str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            _flatten(f"{prefix}.{key}", value, out)
    else:
        out[prefix] = str(node)


def language_for(locale: str | None) -> str:
    """The catalogue language that fits a platform locale such as `es-MX`."""
    if not locale:
        return DEFAULT_LANGUAGE
    code = locale.replace("_", "-").split("-")[0].lower()
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def text(language: str, key: str, **params: Any) -> str:
    """The sentence `key` in `language`, with `{placeholders}` filled in."""
    return Translator(language)(key, **params)


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


class Translator:
    """Bound to one language, so handlers write `t("groups.joined", group=name)`."""

    def __init__(self, language: str) -> None:
        self.language = language if language in LANGUAGES else DEFAULT_LANGUAGE
        # A listing says some sixty sentences; each is one lookup in the loaded catalogue.
        self._entries = catalogue(self.language)

    def __call__(self, key: str, **params: Any) -> str:
        template = self._entries.get(key)
        if template is None:
            if f"{key}.other" in self._entries or f"{key}.other" in catalogue(DEFAULT_LANGUAGE):
                return self.plural(key, **params)
            template = catalogue(DEFAULT_LANGUAGE)[key]
        return template.format(**params) if params else template

    def plural(self, key: str, count: int, **params: Any) -> str:
        """A sentence with a number in it, in the plural form the language uses for that number
        (CLDR's rules through Babel: `one` and `other` in English; Spanish adds `many` for
        millions, which falls back to `other`), the number written as the language writes it.

        In a catalogue such a sentence is a mapping: `members: {one: "{count} member", other:
        "{count} members"}`; `t("x.members", count=n)` picks the form."""
        from babel import Locale
        from babel.numbers import format_decimal

        form = Locale.parse(self.language).plural_form(count)
        entries = self._entries if f"{key}.other" in self._entries else catalogue(DEFAULT_LANGUAGE)
        template = entries.get(f"{key}.{form}") or entries[f"{key}.other"]
        return template.format(count=format_decimal(count, locale=self.language), **params)
