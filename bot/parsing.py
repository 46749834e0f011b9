"""The one parser: words a person typed (or a button carried) into a typed command."""

from __future__ import annotations

import difflib
import re
import shlex
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Sequence

#: Longest command text accepted; Slack caps slash-command text near this too. Longer text is
#: refused with its length, never cut.
MAX_TEXT = 4000

_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "«": '"', "»": '"'})

# Words a Spanish speaker may type for the first word of a command.
ALIASES = {"ayuda": "help", "grupos": "groups", "ajustes": "settings", "privacidad": "privacy", "olvidarme": "forget-me",
           "anunciar": "announce", "bienvenida": "onboarding", "reunion": "meeting", "reunión": "meeting", "inquietud": "concern",
           "si": "yes", "sí": "yes", "s": "yes", "y": "yes", "ok": "yes", "n": "no", "cancel": "no", "cancelar": "no"}


#: Largest number a person may type for an id or a count: every id column holds it (PostgreSQL
#: `integer`), so a longer number is a sentence, never an overflow.
MAX_NUMBER = 2**31 - 1
_NUMBER = re.compile(r"#?([0-9]{1,10})")


def read_number(word: str | None, most: int = MAX_NUMBER) -> int | None:
    """`word` as a whole number from 0 to `most` (ASCII digits, an optional leading `#`), else None."""
    match = _NUMBER.fullmatch(word or "")
    if not match or int(match.group(1)) > most:
        return None
    return int(match.group(1))


class Command:
    """Base of every typed command; handlers are looked up by the concrete class."""


@dataclass(frozen=True)
class Refusal:
    """Input the bot cannot act on, as a catalogue key and its parameters."""

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)
    show_help: bool = False


@dataclass(frozen=True)
class Args:
    """The words after a command's name, with `--flags` taken out."""

    words: tuple[str, ...]
    flags: frozenset[str]
    raw_rest: str

    def text_after(self, count: int) -> str:
        """The original text after the first `count` words, spacing and quotes kept."""
        rest = self.raw_rest
        for _ in range(count):
            rest = rest.lstrip()
            if not rest:
                return ""
            if rest[0] in "\"'":
                end = rest.find(rest[0], 1)
                rest = rest[end + 1 :] if end > 0 else ""
            else:
                cut = len(rest.split(None, 1)[0])
                rest = rest[cut:]
        return rest.strip()


@dataclass(frozen=True)
class Spec:
    """One command: its words, how its arguments are read, who may use it, its help line."""

    words: tuple[str, ...]
    build: Callable[[Args], "Command | Refusal"]
    usage: str  # catalogue key of the one-line usage + description
    audience: str = "all"  # all | member | facilitator | dei_office | admin
    listed: bool = True  # shown in help
    #: Whether an admin may use it without holding the audience's role (help lists it for them).
    #: False for the DEI office's handling of concerns, which admins never see.
    admin_too: bool = True

    @property
    def name(self) -> str:
        return " ".join(self.words)


def tokenize(text: str) -> list[str]:
    text = text.translate(_QUOTES)
    try:
        return shlex.split(text)
    except ValueError:
        # An unbalanced quote is read as plain words rather than refused.
        return text.replace('"', " ").split()


def normalise(text: str) -> str:
    """Strip a leading slash and the `affinity` umbrella word, so all platforms share words."""
    text = text.strip()
    if text.startswith("/"):
        text = text[1:]
    head, _, rest = text.partition(" ")
    if head.lower() == "affinity":
        text = rest.strip()
    return text


def parse(text: str, specs: Sequence[Spec]) -> Command | Refusal:
    if len(text) > MAX_TEXT:
        return Refusal("errors.too_long", {"length": len(text), "limit": MAX_TEXT})
    text = normalise(text)
    if not text:
        return Refusal("help.empty", show_help=True)
    tokens = tokenize(text)
    if not tokens:
        return Refusal("help.empty", show_help=True)
    lowered = [t.lower() for t in tokens]
    lowered[0] = ALIASES.get(lowered[0], lowered[0])
    best: Spec | None = None
    for spec in specs:
        n = len(spec.words)
        if tuple(lowered[:n]) == spec.words and (best is None or n > len(best.words)):
            best = spec
    if best is None:
        return _unknown(lowered, specs)
    consumed = len(best.words)
    rest_tokens = tokens[consumed:]
    flags = frozenset(t.lower() for t in rest_tokens if t.startswith("--") and len(t) > 2)
    words = tuple(t for t in rest_tokens if not (t.startswith("--") and len(t) > 2))
    raw_rest = _raw_after_words(text, consumed)
    return best.build(Args(words=words, flags=flags, raw_rest=raw_rest))


def _raw_after_words(text: str, count: int) -> str:
    rest = text
    for _ in range(count):
        rest = rest.lstrip()
        cut = len(rest.split(None, 1)[0]) if rest else 0
        rest = rest[cut:]
    return rest.strip()


def _unknown(lowered: list[str], specs: Sequence[Spec]) -> Refusal:
    first = lowered[0]
    firsts = sorted({s.words[0] for s in specs if s.listed})
    if first in firsts and len(lowered) > 1:
        subs = sorted({s.words[1] for s in specs if s.words[0] == first and len(s.words) > 1 and s.listed})
        close = difflib.get_close_matches(lowered[1], subs, n=1, cutoff=0.6)
        if close:
            return Refusal("help.did_you_mean", {"word": lowered[1], "suggestion": f"{first} {close[0]}"}, show_help=True)
        return Refusal("help.unknown_sub", {"word": lowered[1], "command": first, "choices": ", ".join(subs)}, show_help=True)
    close = difflib.get_close_matches(first, firsts, n=1, cutoff=0.6)
    if close:
        return Refusal("help.did_you_mean", {"word": first, "suggestion": close[0]}, show_help=True)
    return Refusal("help.unknown", {"word": first[:40]}, show_help=True)


# --- small builders shared by features --------------------------------------------------------


def no_args(make: Callable[[], Command], usage: str) -> Callable[[Args], Command | Refusal]:
    def build(args: Args) -> Command | Refusal:
        if args.words:
            return Refusal("errors.no_arguments", {"usage": usage})
        return make()

    return build


def one_arg(make: Callable[[str, Args], Command], usage: str, what: str = "group") -> Callable[[Args], Command | Refusal]:
    def build(args: Args) -> Command | Refusal:
        if not args.words:
            return Refusal(f"errors.missing_{what}", {"usage": usage})
        return make(" ".join(args.words), args)

    return build


def close_word(word: str, choices: Iterable[str]) -> str | None:
    found = difflib.get_close_matches(word.lower(), list(choices), n=1, cutoff=0.6)
    return found[0] if found else None
