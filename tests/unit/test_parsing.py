"""The one parser: every text gets a command or a sentence, never a crash."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from bot.catalogue import text
from bot.groups.commands import DecideRequest, JoinGroup, ListGroups
from bot.parsing import MAX_TEXT, Refusal, parse
from bot.people.commands import Answer, ChangeSettings
from bot.registry import all_specs

SPECS = all_specs()


def test_same_words_with_or_without_slash_and_umbrella():
    for line in ("groups join lgbtq", "/groups join lgbtq", "affinity groups join lgbtq", "/affinity groups join lgbtq", "  GROUPS Join lgbtq "):
        assert parse(line, SPECS) == JoinGroup("lgbtq"), line


def test_flags_and_quotes():
    assert parse("groups join “New Teachers” --yes", SPECS) == JoinGroup("New Teachers", confirmed=True)
    assert parse('groups approve staff-voices "Maria Lopez"', SPECS) == DecideRequest("staff-voices", "Maria Lopez", True)
    assert parse("groups", SPECS) == ListGroups("")
    assert parse("groups pride month", SPECS) == ListGroups("pride month")


def test_spanish_aliases():
    assert parse("sí", SPECS) == Answer(True)
    assert parse("grupos", SPECS) == ListGroups("")
    assert parse("settings language es", SPECS) == ChangeSettings(language="es")


def test_did_you_mean_and_unknown():
    refusal = parse("helo", SPECS)
    assert isinstance(refusal, Refusal) and refusal.params["suggestion"] == "help"
    refusal = parse("groups memebrs x", SPECS)
    assert isinstance(refusal, ListGroups)  # a search: the handler suggests when nothing matches
    refusal = parse("xyzzy", SPECS)
    assert isinstance(refusal, Refusal) and refusal.key == "help.unknown"


def test_over_long_text_is_refused_with_its_length():
    refusal = parse("groups " + "x" * MAX_TEXT, SPECS)
    assert isinstance(refusal, Refusal) and refusal.key == "errors.too_long"
    assert str(MAX_TEXT + 7) in text("en", refusal.key, **refusal.params)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=300))
def test_any_text_parses_to_a_command_or_a_sentence(line):
    result = parse(line, SPECS)
    if isinstance(result, Refusal):
        for language in ("en", "es"):
            assert text(language, result.key, **result.params)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([s.name for s in SPECS] + ["--yes", "lgbtq", '"', "“", "'", "<@U1>", "on", "off", "es"]), max_size=6))
def test_command_shaped_noise_never_crashes(words):
    result = parse(" ".join(words), SPECS)
    assert result is not None
