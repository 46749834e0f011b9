"""Two-step forms: a choice list too long for one Teams card is searched before it is shown.

A district may have any number of sites; a card holds about 28,000 bytes (cards.MESSAGE_LIMIT),
and Adaptive Cards 1.5 (the schema Teams is sent) has no searchable choice set. So when a form
does not fit in one card, its longest choice list is asked for in two steps:

1. **Find:** the form's introduction and one text box, "type part of the name" — a small form
   of the adapter's own (`FIND_FORM`), which carries the form it stands for.
2. **Choose:** the whole form, with that list holding only what matches the words typed (the
   core's `Bot.suggest`, at most 100, as many as fit), a sentence saying how many matched
   and how many are shown, and a "Search again" button back to step 1. Submitting it is
   submitting the real form: it goes to the core like any other.

Nothing is kept between the steps: the form's description (without the long list) travels in the
cards' data and comes back in the submission. Whatever comes back is read as untrusted input —
it only ever renders a card to the person who pressed the button, and the core checks the
submitted value against the whole list, as it checks every form.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any, Callable, Sequence

from bot.catalogue import Translator
from bot.types import Button, Card, Form, Input, Option

#: A choice list longer than this is searched when its form does not fit in one card.
SEARCH_FROM = 20
#: The adapter's own form (step 1) and button ("Search again"); the core never sees either.
FIND_FORM = "teams.find"
FIND_ACTION = "teams.find"
#: The text box of step 1.
QUERY = "query"
#: The longest description of a form that comes back; a real one is a few kilobytes.
SPEC_LIMIT = 8000
_KINDS = ("text", "textarea", "select", "multiselect", "number", "date", "time")


@dataclass(frozen=True)
class Spec:
    """A form whose `name` list is searched, and the card's introduction, without that list."""

    form: Form
    name: str
    title: str = ""
    body: str = ""

    @property
    def searched(self) -> Input:
        return next(i for i in self.form.inputs if i.name == self.name)


def searched_input(form: Form) -> Input | None:
    """The form's longest choice list, if it is long enough to be searched."""
    lists = [i for i in form.inputs if i.kind == "select" and len(i.options) > SEARCH_FROM]
    return max(lists, key=lambda i: len(i.options)) if lists else None


def spec_of(card: Card, form: Form, name: str) -> Spec:
    inputs = tuple(replace(i, options=()) if i.name == name else i for i in form.inputs)
    return Spec(replace(form, inputs=inputs), name, card.title, card.body)


def encode(spec: Spec) -> str:
    form = spec.form
    inputs = [[i.name, i.label, i.kind, i.required, i.max_length, i.hint, i.initial if isinstance(i.initial, str) else None, [[o.value, o.label] for o in i.options]] for i in form.inputs]
    data = {"f": form.form_id, "t": form.title, "s": form.submit_label, "c": form.context, "n": spec.name, "h": [spec.title, spec.body], "i": inputs}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def decode(text: Any) -> Spec | None:
    """The Spec a card carried, or None for anything that is not one (it came from outside)."""
    if not isinstance(text, str) or len(text) > SPEC_LIMIT:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    f, t, s, c, n, h, raw = (data.get(k) for k in ("f", "t", "s", "c", "n", "h", "i"))
    if not all(isinstance(v, str) for v in (f, t, s, c, n)) or f == FIND_FORM:
        return None
    if not (isinstance(h, list) and len(h) == 2 and all(isinstance(v, str) for v in h)) or not isinstance(raw, list) or len(raw) > 30:
        return None
    inputs: list[Input] = []
    for item in raw:
        if not (isinstance(item, list) and len(item) == 8):
            return None
        name, label, kind, required, max_length, hint, initial, options = item
        if not (isinstance(name, str) and isinstance(label, str) and kind in _KINDS and isinstance(required, bool)):
            return None
        if max_length is not None and (isinstance(max_length, bool) or not isinstance(max_length, int) or not 0 < max_length <= 100_000):
            return None
        if not (hint is None or isinstance(hint, str)) or not (initial is None or isinstance(initial, str)) or not isinstance(options, list) or len(options) > 100:
            return None
        if not all(isinstance(o, list) and len(o) == 2 and all(isinstance(v, str) for v in o) for o in options):
            return None
        inputs.append(Input(name, label, kind, tuple(Option(v, l) for v, l in options), required, max_length, initial, hint))
    if [i.name for i in inputs].count(n) != 1 or next(i for i in inputs if i.name == n).kind != "select":
        return None
    return Spec(Form(f, t, s, tuple(inputs), c), n, h[0], h[1])


def step_one(spec: Spec, t: Translator, note: str = "") -> Card:
    """Find: the form's introduction and the box to type part of the name in."""
    field = spec.searched
    hint = t("teams.find_hint") if field.required else t("teams.find_hint_optional")
    box = Input(QUERY, field.label, required=False, max_length=100, hint=f"{note} {hint}".strip())
    return Card(title=spec.title, body=spec.body, form=Form(FIND_FORM, spec.form.title, t("teams.find_button"), (box,), encode(spec)))


def next_step(spec: Spec, query: str, matches: Sequence[Option], t: Translator, fits: Callable[[Card], bool]) -> Card:
    """What pressing Find with `query` shows: the form with the matches, or step 1 again saying why."""
    query = query.strip()
    if not query:
        if spec.searched.required:
            return step_one(spec, t, t("teams.find_empty"))
        return step_two(spec, query, [], t, fits)
    if not matches:
        return step_one(spec, t, t("teams.find_none", query=query))
    return step_two(spec, query, matches, t, fits)


def step_two(spec: Spec, query: str, matches: Sequence[Option], t: Translator, fits: Callable[[Card], bool]) -> Card:
    """Choose: the whole form, the long list holding what matched (as many as fit), and how many."""
    again = Button(t("teams.find_again"), encode(spec), action_id=FIND_ACTION)
    if not matches:
        # Left empty, as it may be: the form without the list.
        return _form_card(spec, [], t("teams.find_left_out", label=spec.searched.label), again)
    shown = list(matches)
    while True:
        if len(shown) == len(matches):
            note = t("teams.find_found", count=len(matches), query=query)
        else:
            note = t("teams.find_some", shown=len(shown), count=len(matches), query=query)
        card = _form_card(spec, shown, note, again)
        if fits(card) or len(shown) <= 1:
            return card
        shown = shown[: max(1, len(shown) * 3 // 4)]


def _form_card(spec: Spec, shown: list[Option], note: str, again: Button) -> Card:
    inputs: list[Input] = []
    for field in spec.form.inputs:
        if field.name != spec.name:
            inputs.append(field)
        elif shown:
            inputs.append(replace(field, options=tuple(shown), hint=f"{note} {field.hint or ''}".strip()))
    body = "\n".join(p for p in (spec.body, "" if shown else note) if p)
    return Card(title=spec.title, body=body, form=replace(spec.form, inputs=tuple(inputs)), actions=(again,))
