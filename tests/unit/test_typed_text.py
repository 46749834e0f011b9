"""Control characters in what a person types never reach a query, a row or a log line."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.typed_text import cleaned, lines, one_line
from bot.types import Action, FormSubmission, Inbound, Profile, UserRef

CONTROLS = [chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"] + ["\x7f", "\x85", "\u202e", "\u2066", "\ufeff"]


async def test_groups_followed_by_a_nul_is_a_search_for_nothing_more(speaker):
    maria = speaker("maria.lopez")
    everything = await maria.say("groups")
    for control in CONTROLS:
        reply = await maria.say("groups" + control)
        assert reply.text == everything.text, repr(control)
        narrowed = await maria.say("groups bilingual" + control)
        assert "Bilingual Staff" in narrowed.text and "LGBTQ" not in narrowed.text, repr(control)


async def test_a_nul_in_a_search_word_matches_nothing_it_should_not(speaker):
    maria = speaker("maria.lopez")
    reply = await maria.say("groups zzzz\x00")
    assert "No groups match" in reply.text


@given(st.text())
def test_cleaned_text_holds_no_control_character(text):
    for out in (one_line(text), lines(text)):
        assert not any(c in out for c in CONTROLS)
        assert "\r" not in out
    assert "\n" not in one_line(text) and "\t" not in one_line(text)


@given(st.text(), st.text(), st.text(), st.dictionaries(st.text(max_size=5), st.one_of(st.text(), st.lists(st.text(), max_size=3))))
def test_every_field_of_an_inbound_is_cleaned(text, value, name, form):
    actor = UserRef("console", "t", "u")
    for inbound in (
        Inbound(actor=actor, text=text, profile=Profile(name=name, email=None)),
        Inbound(actor=actor, action=Action("a", value)),
        Inbound(actor=actor, form=FormSubmission("f", form, value)),
    ):
        out = cleaned(inbound)
        texts = [out.text or "", out.action.value if out.action else "", out.profile.name or "" if out.profile else ""]
        if out.form:
            texts.append(out.form.context)
            for v in out.form.values.values():
                texts.extend(v if isinstance(v, tuple) else [v])
        assert not any(c in t for t in texts for c in CONTROLS)
