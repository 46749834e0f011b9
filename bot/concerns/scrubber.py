"""Scrubbing what people wrote before a digest quotes it: addresses, phone numbers, mentions, names.

The DEI office may read a whole case with `concern view`; a digest goes to a channel, so its
excerpts must not name or reach anyone. Everything found is replaced by one marker: e-mail
addresses; US phone numbers (with or without +1, dots, dashes, spaces, parentheses, extensions)
and any number written with a leading +; Slack mentions (`<@U…>`, `<@W…>`, `<!subteam^…>`,
`<#C…|name>`, `<!here>`) and plain @handles; Teams mentions (`<at>…</at>`); and the names of
people in the directory, whole words, in any case, with or without accents.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from functools import lru_cache
from typing import Iterable

REMOVED = "[removed]"

# Teams first: the name inside <at>…</at> goes with the tags.
_TEAMS_MENTION = re.compile(r"<at\b[^>]*>.*?</at\s*>", re.IGNORECASE | re.DOTALL)
# Slack's escapes for users, user groups, channels and broadcasts: <@U…>, <!subteam^…>, <#C…|…>.
_SLACK_MENTION = re.compile(r"<[@!#][^<>]*>")
_EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[^\W_](?:[\w-]*[^\W_])?(?:\.[^\W_](?:[\w-]*[^\W_])?)+")
_SEP = r"[\s.\-]*"
_EXTENSION = r"(?:\s*,?\s*(?:x|ext\.?|extension|\#)\s*\d{1,6})?"
_PHONE = re.compile(
    r"(?<![\w+])"
    r"(?:"
    # (555) 123-4567, 555.123.4567, 5551234567, +1 555 123 4567, 1-555-123-4567 …
    rf"(?:\+?1{_SEP})?(?:\(\s*\d{{3}}\s*\)|\d{{3}}){_SEP}\d{{3}}{_SEP}\d{{4}}"
    # 123-4567: a local number needs its dash or dot, or it is just a number
    r"|\d{3}[.\-]\d{4}"
    # +52 55 1234 5678 and other numbers written for dialling from abroad
    r"|\+\d[\d\s().\-]{6,}\d"
    r")"
    rf"{_EXTENSION}(?!\w)",
    re.IGNORECASE,
)
_HANDLE = re.compile(r"(?<![\w.+-])@[^\W_](?:[\w.-]*[^\W_])?")
# Words of a name: letters and digits; underscores, hyphens and apostrophes separate them.
_WORD = re.compile(r"[^\W_]+")
# What may stand between the words of one name in running text: "Ana  María", "Lopez-Diaz", "J. Lopez".
_JOIN = re.compile(r"[\s.'’\-]{1,3}")


def fold(text: str) -> str:
    """Lower case without accents: "José Núñez" and "JOSE NUNEZ" fold alike."""
    if text.isascii():
        return text.lower()
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    return fold(char)


class Scrubber:
    """Built once from the directory's names, then applied to each excerpt."""

    def __init__(self, names: Iterable[str] = (), replacement: str = REMOVED) -> None:
        self.replacement = replacement
        words: set[str] = set()
        # First word → the multi-word names (and multi-word parts such as O'Brien) starting with it.
        self._phrases: dict[str, set[tuple[str, ...]]] = defaultdict(set)
        for name in set(names):
            folded = fold(name)
            tokens = tuple(_WORD.findall(folded))
            words.update(tokens)
            if len(tokens) < 2:
                continue
            self._phrases[tokens[0]].add(tokens)
            parts = folded.split()
            if len(tokens) > len(parts):  # some part is itself several words: Mary-Jane, O'Brien
                for part in parts:
                    part_tokens = tuple(_WORD.findall(part))
                    if len(part_tokens) > 1 and len(part) >= 3:
                        self._phrases[part_tokens[0]].add(part_tokens)
        self._words = {w for w in words if len(w) >= 3}
        self._longest_first = {first: sorted(found, key=len, reverse=True) for first, found in self._phrases.items()}

    def scrub(self, text: str) -> str:
        spans: list[tuple[int, int]] = []
        for pattern in (_TEAMS_MENTION, _SLACK_MENTION, _EMAIL, _PHONE, _HANDLE):
            spans.extend(m.span() for m in pattern.finditer(text))
        spans.extend(self._name_spans(text))
        return _replace(text, spans, self.replacement)

    def _name_spans(self, text: str) -> list[tuple[int, int]]:
        folded, origin = _folded_with_origin(text)
        tokens = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(folded)]
        found: list[tuple[int, int]] = []
        i = 0
        while i < len(tokens):
            length = self._phrase_at(folded, tokens, i)
            if length == 0 and tokens[i][2] in self._words:
                length = 1
            if length:
                start, end = tokens[i][0], tokens[i + length - 1][1]
                found.append((origin[start], _original_end(text, origin[end - 1] + 1)))
                i += length
            else:
                i += 1
        return found

    def _phrase_at(self, folded: str, tokens: list[tuple[int, int, str]], i: int) -> int:
        for phrase in self._longest_first.get(tokens[i][2], ()):
            n = len(phrase)
            if i + n > len(tokens):
                continue
            if all(tokens[i + q][2] == phrase[q] for q in range(n)) and all(
                _JOIN.fullmatch(folded[tokens[i + q][1] : tokens[i + q + 1][0]]) for q in range(n - 1)
            ):
                return n
        return 0


def _folded_with_origin(text: str) -> tuple[str, list[int]]:
    """The folded text, and for each of its characters the position it came from in `text`."""
    if text.isascii():
        return text.lower(), list(range(len(text)))
    chars: list[str] = []
    origin: list[int] = []
    for position, char in enumerate(text):
        for c in _fold_char(char):
            chars.append(c)
            origin.append(position)
    return "".join(chars), origin


def _original_end(text: str, end: int) -> int:
    # Accents typed as separate combining marks fold to nothing; they belong to the word before.
    while end < len(text) and unicodedata.combining(text[end]):
        end += 1
    return end


def _replace(text: str, spans: list[tuple[int, int]], replacement: str) -> str:
    if not spans:
        return text
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, cursor = [], 0
    for start, end in merged:
        out.append(text[cursor:start])
        out.append(replacement)
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


def shorten(text: str, limit: int = 200) -> str:
    """At most `limit` characters, cut at the last word boundary before it, with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    if cut <= 0:
        return text[: limit - 1] + "…"
    return text[:cut].rstrip(" ,;:.-") + "…"
