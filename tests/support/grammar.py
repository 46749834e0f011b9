"""Hypothesis strategies for every declared command, built from the declarations themselves.

`commands(cls)` draws values of `cls` from what each field's reader can read: ids within the
reader's bound, real dates and zones, the choices a `Choice` offers, names and free text that read
back unchanged. A new command needs nothing here: its declaration is enough.
"""

from __future__ import annotations

import dataclasses
from datetime import time
from typing import Any

from hypothesis import strategies as st

from bot.catalogue import input_words
from bot.parsing import DECLARED, Arg, Grammar, grammar_of
from bot.readers import Choice, Clock, Day, Ident, Number, Zone, zone_names


def declared_commands() -> list[type]:
    """Every declared command type the registry knows, in declaration order."""
    from bot.registry import all_specs

    all_specs()
    seen: list[type] = []
    for declared in DECLARED.values():
        for g, _ in declared:
            if g.cls not in seen:
                seen.append(g.cls)
    return seen


def _reserved() -> set[str]:
    """Words a name may not be in a round trip: they are some reader's or command's own words."""
    words = {w for form_words in DECLARED for w in form_words}
    for section in ("commands", "answers", "switch", "repeat", "not_offered", "settings"):
        words |= set(input_words(section))
    for declared in DECLARED.values():
        for g, _ in declared:
            for a in g.args:
                if isinstance(a.reader, Choice):
                    words |= set(a.reader.words)
    return words


_NAME_WORD = st.from_regex(r"[A-Za-zÀ-ÿ][A-Za-z0-9À-ÿ.@_-]{0,14}", fullmatch=True)


def name_words() -> st.SearchStrategy[str]:
    """A word of a name that is no reader's or command's word."""
    reserved = _reserved()
    return _NAME_WORD.filter(lambda w: w.lower() not in reserved and not w.startswith("--"))


def any_words() -> st.SearchStrategy[str]:
    """A word of a name, sometimes one that is also a command's or reader's word (`groups list join x`)."""
    return st.one_of(name_words(), st.sampled_from(sorted(_reserved())))


def _text(most: int) -> st.SearchStrategy[str]:
    alphabet = st.characters(categories=("L", "N", "P", "S", "Zs"), exclude_characters="\"'“”„‘’«»\\")
    return st.text(alphabet, min_size=1, max_size=min(most, 200)).map(str.strip).filter(lambda s: s and "--" not in s)


def _value(a: Arg) -> st.SearchStrategy[Any]:
    reader = a.reader
    if a.kind == "flag":
        return st.booleans()
    if a.kind == "text":
        return _text(a.most)
    if a.kind == "rest":
        if a.join == "":
            return name_words()
        # One word is a name; among several, command and reader words too, which `line` must quote.
        return st.one_of(name_words(), st.lists(any_words(), min_size=2, max_size=4).map(" ".join))
    if isinstance(reader, Number):
        return st.integers(0, reader.most)
    if isinstance(reader, Day):
        return st.dates()
    if isinstance(reader, Clock):
        return st.builds(time, st.integers(0, 23), st.integers(0, 59))
    if isinstance(reader, Zone):
        return st.sampled_from(zone_names())
    if isinstance(reader, Choice):
        return st.sampled_from([reader.words[w] for w in reader.shown])
    if isinstance(reader, Ident):
        return any_words()
    raise TypeError(f"no strategy for {reader!r}")


def _default(g: Grammar, a: Arg) -> Any:
    return next(f.default for f in dataclasses.fields(g.cls) if f.name == a.name_in_field)


def commands(cls: type) -> st.SearchStrategy[Any]:
    """Values of the declared command `cls`, in every one of its forms."""
    g = grammar_of(cls)
    by_form = []
    for f in g.forms:
        fields = {}
        positional = [a for a in g.fields_for(f) if a.kind in ("word", "rest", "text")]
        for a in g.fields_for(f):
            value = _value(a)
            if positional and a is positional[0] and a.kind == "word" and isinstance(a.reader, Ident):
                # `announce cancel 5` cancels: a first word that is a sub-command is that command.
                value = value.filter(lambda v, words=f.words: (*words, v.lower()) not in DECLARED)
            fields[a.name_in_field] = st.one_of(st.just(_default(g, a)), value) if a.optional and a.kind != "flag" else value
        by_form.append(st.fixed_dictionaries({**{k: st.just(v) for k, v in f.fixed.items()}, **fields}))
    made = st.one_of(by_form).map(lambda values: cls(**values))
    if any(a.kind == "named" for a in g.args):  # `settings` alone shows the settings
        made = made.filter(lambda c: any(getattr(c, a.name_in_field) is not None for a in g.args))
    if g.valid is not None:
        made = made.filter(g.valid)
    return made
