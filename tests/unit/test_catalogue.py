"""Every language says everything English says, with the same placeholders and the same commands."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Mapping

import pytest
import yaml

from bot.catalogue import DEFAULT_LANGUAGE, LANGUAGES, catalogue, placeholders

CATALOGUE_DIR = Path(__file__).resolve().parents[2] / "bot" / "catalogue"
BACKTICKED = re.compile(r"`([^`\n]+)`")


def backticked(sentence: str) -> list[str]:
    """The spans people type (`groups join <group>`), which stay the same in every language."""
    return BACKTICKED.findall(sentence)


def problems(english: Mapping[str, str], other: Mapping[str, str]) -> list[str]:
    """What is wrong with `other` as a translation of `english`; empty when nothing is."""
    found: list[str] = []
    found += [f"missing key {key}" for key in sorted(set(english) - set(other))]
    found += [f"extra key {key}" for key in sorted(set(other) - set(english))]
    for key in sorted(set(english) & set(other)):
        try:
            expected, actual = placeholders(english[key]), placeholders(other[key])
        except ValueError as error:  # an unbalanced brace, which str.format would also reject
            found.append(f"{key}: {error}")
            continue
        if expected != actual:
            found.append(f"{key}: placeholders {sorted(actual)} instead of {sorted(expected)}")
        kept = backticked(other[key])
        found += [f"{key}: `{span}` is missing or changed" for span in backticked(english[key]) if span not in kept]
    return found


def _leaves(node: Any, path: str = "") -> list[tuple[str, Any]]:
    if isinstance(node, dict):
        return [leaf for key, value in node.items() for leaf in _leaves(value, f"{path}.{key}" if path else str(key))]
    return [(path, node)]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_has_exactly_the_english_keys_placeholders_and_commands(language):
    assert problems(catalogue(DEFAULT_LANGUAGE), catalogue(language)) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_english_file_has_its_counterpart(language):
    english = sorted(p.name for p in (CATALOGUE_DIR / DEFAULT_LANGUAGE).glob("*.yml"))
    assert sorted(p.name for p in (CATALOGUE_DIR / language).glob("*.yml")) == english


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_sentence_is_a_string_in_the_yaml_itself(language):
    """An unquoted `on`, `yes` or `no` would load as a boolean and print as `True`."""
    for path in sorted((CATALOGUE_DIR / language).glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        assert all(isinstance(key, str) for key in data), path.name
        for key, value in _leaves(data):
            assert isinstance(value, str) and value.strip(), f"{path.name}: {key} = {value!r}"


def test_the_check_catches_a_broken_translation():
    english = {
        "a.joined": "Welcome to {group}! `groups leave` takes you out.",
        "a.status": "Check with `concern status {code}`.",
        "a.only_en": "Only here.",
    }
    broken = {
        "a.joined": "¡Bienvenida a {grupo}! `grupos salir` te saca.",
        "a.status": "Consulta con `concern estado {code}`.",
        "a.only_es": "Solo aquí.",
    }
    found = problems(english, broken)
    assert "missing key a.only_en" in found and "extra key a.only_es" in found
    assert any(p.startswith("a.joined: placeholders") for p in found)
    assert "a.joined: `groups leave` is missing or changed" in found
    assert "a.status: `concern status {code}` is missing or changed" in found
    unbalanced = problems(english, {**english, "a.status": "Consulta con {code."})
    assert len(unbalanced) == 1 and unbalanced[0].startswith("a.status: ")
    assert problems(english, dict(english)) == []


def test_plural_forms_and_numbers_follow_the_language():
    """`member(s)` and `canal(es)` are gone: a sentence with a number takes the language's plural
    form (CLDR, through Babel) and writes the number as the language does."""
    from bot.catalogue import Translator

    en, es = Translator("en"), Translator("es")
    assert en("announcements.group_channels", count=1) == "1 group channel"
    assert en("announcements.group_channels", count=0) == "0 group channels"
    assert en("announcements.members_dm", count=1234) == "1,234 members who take direct messages"
    assert es("announcements.group_channels", count=1) == "1 canal del grupo"
    assert es("announcements.group_channels", count=2) == "2 canales del grupo"
    assert es("announcements.group_channels", count=1_000_000) == "1.000.000 canales del grupo"  # CLDR "many": the other form


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_sentence_writes_a_plural_or_a_gender_by_hand(language):
    hand_made = re.compile(r"\w\((s|es|a|as|os)\)|\w\[(a|s)\]")
    found = [f"{key}: {value}" for key, value in catalogue(language).items() if hand_made.search(value)]
    assert found == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_plural_sentence_has_the_other_form(language):
    forms = ("zero", "one", "two", "few", "many", "other")
    entries = catalogue(language)
    plural = {key.rsplit(".", 1)[0] for key in entries if key.rsplit(".", 1)[-1] in forms}
    assert plural and all(f"{key}.other" in entries for key in plural)


@pytest.mark.parametrize("language", LANGUAGES)
def test_day_and_month_names_come_from_the_locale_not_the_catalogue(language):
    from datetime import datetime, timezone
    from zoneinfo import ZoneInfo

    from bot.catalogue import Translator
    from bot.meetings.wording import when

    assert not [key for key in catalogue(language) if key.startswith(("meetings.weekday_", "meetings.month_", "meetings.am", "meetings.pm"))]
    said = when(Translator(language), datetime(2026, 10, 26, 21, tzinfo=timezone.utc), ZoneInfo("America/Chicago"))
    assert said == {"en": "Monday, October 26, 2026 at 4:00 PM CDT", "es": "lunes 26 de octubre de 2026, a las 16:00 CDT"}[language]


@pytest.mark.parametrize("language", LANGUAGES)
def test_input_words_mean_what_english_words_mean(language):
    """`words.yml` lists what a person may type, by meaning; a language may lack a word, never add a meaning."""
    english = yaml.safe_load((CATALOGUE_DIR / DEFAULT_LANGUAGE / "words.yml").read_text(encoding="utf-8"))
    other = yaml.safe_load((CATALOGUE_DIR / language / "words.yml").read_text(encoding="utf-8"))
    assert set(other) <= set(english)
    for section, meanings in other.items():
        assert set(meanings) <= set(english[section]), section
    assert "words" not in {key.split(".")[0] for key in catalogue(language)}
