"""Each command is declared once: parsing, the line a button carries, usage and help all follow."""

from __future__ import annotations

from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from bot.catalogue import LANGUAGES, Translator
from bot.groups.commands import JoinGroup, ListGroups
from bot.intros.commands import GroupIntros
from bot.parsing import Refusal, Usage, grammar_of, line, parse, say, usage
from bot.readers import Number
from bot.registry import all_specs
from tests.support.grammar import commands, declared_commands

SPECS = all_specs()
DECLARED = declared_commands()


def test_every_command_the_parser_knows_is_declared():
    assert {spec.build.grammar.cls for spec in SPECS if hasattr(spec.build, "grammar")} == set(DECLARED)
    assert all(hasattr(spec.build, "grammar") for spec in SPECS)


@pytest.mark.parametrize("cls", DECLARED, ids=lambda c: c.__name__)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(data=st.data())
def test_a_command_line_reads_back_as_its_command(cls, data):
    command = data.draw(commands(cls))
    assert parse(line(command), SPECS) == command


@pytest.mark.parametrize("cls", [c for c in DECLARED if any(isinstance(a.reader, Number) for a in grammar_of(c).args)], ids=lambda c: c.__name__)
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(data=st.data())
def test_every_id_may_be_written_with_a_hash(cls, data):
    command = data.draw(commands(cls))
    with patch.object(Number, "show", lambda self, value: f"#{value}"):
        written = line(command)
    assert "#" in written
    assert parse(written, SPECS) == command


def test_trailing_words_are_read_by_their_readers_not_taken_into_the_name():
    assert parse("groups intros lgbtq on weekly", SPECS) == GroupIntros("lgbtq", "on", "weekly")
    assert parse("groups intros new teachers off", SPECS) == GroupIntros("new teachers", "off", "")
    refusal = parse("groups intros lgbtq on daily", SPECS)
    assert isinstance(refusal, Refusal) and refusal.key == "intros.bad_cadence" and refusal.params["word"] == "daily"
    for language in LANGUAGES:
        assert "weekly" in say(refusal, Translator(language))


def test_usage_is_said_in_the_persons_language():
    refusal = parse("groups join", SPECS)
    assert refusal == Refusal("errors.missing_group", {"usage": Usage(("groups", "join"))})
    assert "`groups join <group>`" in say(refusal, Translator("en"))
    assert "`groups join <grupo>`" in say(refusal, Translator("es"))
    assert usage(("meeting", "add"), Translator("en")) == "meeting add <group> <YYYY-MM-DD> <HH:MM> [weekly|biweekly|monthly] [<location or link>] [--tz <zone>]"
    assert usage(("rsvp",), Translator("en")) == "rsvp <meeting-id> yes|no [<YYYY-MM-DD>]"
    assert usage(("mentor", "match"), Translator("en")) == "mentor match [--dry-run]"


def test_a_button_line_is_the_canonical_line():
    assert line(JoinGroup("new-teachers")) == "groups join new-teachers"
    assert line(JoinGroup("New Teachers", confirmed=True)) == "groups join New Teachers --yes"
    assert line(ListGroups("join")) == "groups list join"  # `groups join` would be another command
    assert parse(line(ListGroups("join")), SPECS) == ListGroups("join")


def test_one_yes_no_reader_with_rsvps_own_going():
    from bot.meetings.commands import AnswerRsvp
    from bot.people.commands import Answer

    for said in ("yes", "y", "ok", "sí", "si", "s"):
        assert parse(said, SPECS) == Answer(True), said
        assert parse(f"rsvp #4 {said}", SPECS) == AnswerRsvp(4, True), said
    for said in ("no", "n", "cancel", "cancelar"):
        assert parse(said, SPECS) == Answer(False), said
    assert parse("rsvp 4 going", SPECS) == AnswerRsvp(4, True)
    assert isinstance(parse("going", SPECS), Refusal)  # "going" answers an invitation, not "forget me?"


def test_text_is_cut_where_the_tokenizer_cut_the_words():
    from bot.announcements.commands import Announce
    from bot.concerns.commands import ConcernFollowup

    assert parse("announce “New Teachers” Bring a friend", SPECS) == Announce("New Teachers", "Bring a friend")
    assert parse('announce " staff Bring a friend', SPECS) == Announce("staff", "Bring a friend")  # a quote left open
    assert parse("concern followup ABCD1234 Thanks,  again", SPECS) == ConcernFollowup("ABCD1234", "Thanks,  again")
    assert isinstance(parse("concern followup ABCD1234 --yes", SPECS), Refusal)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_declared_form_has_a_usage_line_in_every_language(language):
    """A field's placeholder missing from usage.yml would break the refusal that shows it."""
    from bot.parsing import DECLARED

    t = Translator(language)
    for words in DECLARED:
        said = usage(words, t)
        assert said.startswith(" ".join(words)) and "usage." not in said, words
