"""What a person typed, made safe to read: control characters taken out at the core's entry.

Every adapter hands the core text from people (slash-command text, button values, form fields,
display names). A NUL ends a pattern early in SQLite (`/groups` followed by a NUL matched every
group), other C0/C1 controls garble terminals and logs, and the Unicode bidirectional overrides
make a name or a line read differently from what it holds. They are removed here, once, for every
platform: tabs become spaces, line breaks are kept where a field may hold several lines, and
nothing else a person wrote is changed.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Mapping
from typing import Any

from bot.types import Action, FormSubmission, Inbound, Profile

# C0 and C1 controls and DEL, the bidirectional embeddings, overrides and isolates, and the
# byte-order mark out of place. Tabs turn into spaces; line breaks are handled per field.
_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
_REMOVED = {c: None for c in range(0x20) if chr(c) not in "\t\n\r"} | {0x7F: None} | {c: None for c in range(0x80, 0xA0)}
_REMOVED |= {ord(c): None for c in _BIDI}
_ONE_LINE = _REMOVED | {ord("\t"): " ", ord("\n"): " ", ord("\r"): " "}
_LINES = _REMOVED | {ord("\t"): " "}


def one_line(text: str) -> str:
    """`text` without control characters, on one line."""
    if text.isprintable():
        return text
    return text.translate(_ONE_LINE)


def lines(text: str) -> str:
    """`text` without control characters; `\\r\\n` and a lone `\\r` become `\\n`."""
    if text.isprintable():
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n").translate(_LINES)


def _value(value: Any) -> Any:
    if isinstance(value, str):
        return lines(value)
    if isinstance(value, (list, tuple)):
        return tuple(_value(v) for v in value)
    return value


def cleaned(inbound: Inbound) -> Inbound:
    """The same Inbound with every text a person typed or their platform sent cleaned."""
    changes: dict[str, Any] = {}
    if inbound.text is not None:
        text = lines(inbound.text)
        # A command is read line by line only by the console; everywhere else newlines are spaces.
        if text != inbound.text:
            changes["text"] = text
    if inbound.action is not None:
        value = one_line(inbound.action.value)
        if value != inbound.action.value:
            changes["action"] = Action(inbound.action.action_id, value)
    if inbound.form is not None:
        values = _form_values(inbound.form.values)
        context = one_line(inbound.form.context)
        if values is not inbound.form.values or context != inbound.form.context:
            changes["form"] = FormSubmission(inbound.form.form_id, values, context)
    if inbound.profile is not None and inbound.profile.name is not None:
        name = unicodedata.normalize("NFC", one_line(inbound.profile.name)).strip()
        if name != inbound.profile.name:
            changes["profile"] = dataclasses.replace(inbound.profile, name=name or None)
    return dataclasses.replace(inbound, **changes) if changes else inbound


def _form_values(values: Mapping[str, Any]) -> Mapping[str, Any]:
    cleaned_values = {key: _value(value) for key, value in values.items()}
    return values if cleaned_values == dict(values) else cleaned_values
