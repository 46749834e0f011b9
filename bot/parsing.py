"""The one parser: words a person typed (or a button carried) into a typed command, and back.

Each command is declared once, on its own dataclass (errbot's `arg_botcmd` is the model):

    @command("groups", "join", help="help.groups_join", refusal="errors.missing_group")
    @dataclass(frozen=True)
    class JoinGroup(Command):
        group: str = rest()
        confirmed: bool = flag("--yes", shown=False)

From that one declaration come its parsing (`parse`), its usage line in each language (`usage`),
"did you mean" for misspelt words, and `line(JoinGroup("new-teachers"))`, the command line a
button carries, so no command text is ever composed by hand. The field readers are in
`bot.readers`; each language's input words are in `bot/catalogue/*/words.yml`.
"""

from __future__ import annotations

import dataclasses
import shlex
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from bot.catalogue import input_words
from bot.readers import IDENT, MAX_NUMBER, YES_NO, Choice, close_word, read_number  # noqa: F401  (read_number, MAX_NUMBER: shared)

#: Longest command text accepted; Slack caps slash-command text near this too. Longer text is
#: refused with its length, never cut.
MAX_TEXT = 4000

#: Every quote a person may type: opening mark to closing mark. The one table for the tokenizer
#: (`tokenize`) and for text cut from the raw line (`next_word`, `Args.text_after`).
QUOTES = {'"': '"', "'": "'", "“": "”", "”": "”", "„": "“", "‘": "’", "«": "»"}
_STRAIGHT = str.maketrans({mark: ("'" if mark in "'‘’" else '"') for pair in QUOTES.items() for mark in pair if mark not in "\"'"})


class Command:
    """Base of every typed command; handlers are looked up by the concrete class."""


@dataclass(frozen=True)
class Refusal:
    """Input the bot cannot act on, as a catalogue key and its parameters."""

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)
    show_help: bool = False


@dataclass(frozen=True)
class Usage:
    """A command's usage line inside a refusal's parameters, said in the reader's language."""

    words: tuple[str, ...]

    def __str__(self) -> str:
        return " ".join(self.words)


def say(refusal: Refusal, t: Callable[..., str]) -> str:
    """The refusal's sentence through the translator `t`, its usage line in the same language."""
    params = {name: usage(value.words, t) if isinstance(value, Usage) else value for name, value in refusal.params.items()}
    return t(refusal.key, **params)


def next_word(text: str) -> tuple[str, str, bool]:
    """The first word of `text` (a quoted phrase counts as one), what follows it, and whether it was quoted."""
    text = text.lstrip()
    if text and text[0] in QUOTES:
        close = text.find(QUOTES[text[0]], 1)
        if close > 0:
            return text[1:close], text[close + 1 :], True
    word = text.split(None, 1)
    if not word:
        return "", "", False
    return word[0], text[len(word[0]) :], False


@dataclass(frozen=True)
class Args:
    """The words after a command's name, with `--flags` taken out."""

    words: tuple[str, ...]
    flags: frozenset[str]
    raw_rest: str

    def text_after(self, count: int) -> str:
        """The original text after the first `count` words, spacing and quotes kept.

        The words are counted as the tokenizer counted them: a quoted phrase is one word, and when
        a quote is left open every `"` is a space, as `tokenize` reads it then."""
        rest = self.raw_rest
        if not _balanced(rest):
            plain = rest.translate(_STRAIGHT).replace('"', " ")  # one character for one: offsets hold
            for _ in range(count):
                stripped = plain.lstrip()
                cut = len(plain) - len(stripped) + (len(stripped.split(None, 1)[0]) if stripped else 0)
                plain, rest = plain[cut:], rest[cut:]
            return rest.strip()
        for _ in range(count):
            _, rest, _ = next_word(rest)
        return rest.strip()


@dataclass(frozen=True)
class Spec:
    """One command form in the parser's table: its words, how its arguments are read, who may use it, its help line."""

    words: tuple[str, ...]
    build: Callable[[Args], "Command | Refusal"]
    usage: str  # catalogue key of the one-line usage + description
    audience: str = "all"  # all | member | facilitator | dei_office | admin
    listed: bool = True  # shown in help
    bare: bool = False  # takes no words; with words, a misspelt sub-command is suggested
    #: Whether an admin may use it without holding the audience's role (help lists it for them).
    #: False for the DEI office's handling of concerns, which admins never see.
    admin_too: bool = True

    @property
    def name(self) -> str:
        return " ".join(self.words)


def _balanced(text: str) -> bool:
    try:
        shlex.split(text.translate(_STRAIGHT))
    except ValueError:
        return False
    return True


def tokenize(text: str) -> list[str]:
    text = text.translate(_STRAIGHT)
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


def first_word(word: str) -> str:
    """A command's first word as typed in any language (`grupos`, `sí`) as the word it stands for."""
    answer = YES_NO.words.get(word)
    if answer is not None:
        return "yes" if answer else "no"
    return input_words("commands").get(word, word)


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
    lowered[0] = first_word(lowered[0])
    found: list[Spec] = []
    for spec in specs:
        n = len(spec.words)
        if tuple(lowered[:n]) != spec.words:
            continue
        if not found or n > len(found[0].words):
            found = [spec]
        elif n == len(found[0].words):
            found.append(spec)
    if not found:
        return _unknown(lowered, specs)
    consumed = len(found[0].words)
    rest_tokens = tokens[consumed:]
    flags = frozenset(t.lower() for t in rest_tokens if t.startswith("--") and len(t) > 2)
    words = tuple(t for t in rest_tokens if not (t.startswith("--") and len(t) > 2))
    if found[0].bare and words:
        return did_you_mean((found[0].words[0], words[0]), specs) or _unknown([found[0].words[0], words[0].lower()], specs)
    args = Args(words=words, flags=flags, raw_rest=_raw_after_words(text, consumed))
    result: Command | Refusal = Refusal("help.empty", show_help=True)
    for spec in found:  # several commands may share words (`settings`, `settings dm off`): the first that fits
        result = spec.build(args)
        if not isinstance(result, Refusal):
            return result
    return result


def _raw_after_words(text: str, count: int) -> str:
    rest = text
    for _ in range(count):
        rest = rest.lstrip()
        cut = len(rest.split(None, 1)[0]) if rest else 0
        rest = rest[cut:]
    return rest.strip()


def did_you_mean(words: Sequence[str], specs: Sequence[Spec], *, hidden: bool = False) -> Refusal | None:
    """The suggestion for misspelt command words, or None when nothing is close.

    An unknown first word is compared with every first word; after a known first word, the second
    is compared with that command's sub-commands (with `hidden`, unlisted ones too).
    """
    if not words:
        return None
    first = words[0].lower()
    firsts = sorted({s.words[0] for s in specs if s.listed})
    if first in firsts or any(s.words[0] == first for s in specs):
        if len(words) < 2:
            return None
        subs = sorted({s.words[1] for s in specs if s.words[0] == first and len(s.words) > 1 and (s.listed or hidden)})
        near = close_word(words[1], subs)
        return Refusal("help.did_you_mean", {"word": words[1][:40], "suggestion": f"{first} {near}"}, show_help=True) if near else None
    near = close_word(first, firsts)
    return Refusal("help.did_you_mean", {"word": first[:40], "suggestion": near}, show_help=True) if near else None


def _unknown(lowered: list[str], specs: Sequence[Spec]) -> Refusal:
    near = did_you_mean(lowered, specs)
    if near:
        return near
    first = lowered[0]
    if len(lowered) > 1 and first in {s.words[0] for s in specs if s.listed}:
        subs = sorted({s.words[1] for s in specs if s.words[0] == first and len(s.words) > 1 and s.listed})
        return Refusal("help.unknown_sub", {"word": lowered[1][:40], "command": first, "choices": ", ".join(subs)}, show_help=True)
    return Refusal("help.unknown", {"word": first[:40]}, show_help=True)


# --- declaring a command ---------------------------------------------------------------------

_REQUIRED = dataclasses.MISSING


@dataclass(frozen=True)
class Arg:
    """How one field of a command is read and written.

    kinds: `word` one word through `reader`; `rest` every remaining word, joined by `join`;
    `text` the raw text after the words read so far, at most `most` characters; `flag` a
    `--name` switch; `tail` an optional last word, read from the end (`groups intros x on weekly`);
    `named` a `name value` pair (`settings dm off`); `option` `--name value` (`--tz America/Denver`).
    """

    kind: str
    reader: Any = IDENT
    optional: bool = False
    label: str = ""
    bad: str = ""  # refusal key (with the word as `value`) when the reader does not read the word
    missing: str = ""  # refusal key when the field is absent; the command's own refusal when ""
    join: str = " "
    name: str = ""  # the flag or option word, or the `named` meaning in words.yml `settings`
    shown: bool = True  # in the usage line
    most: int = 0
    too_long: str = ""
    worded: bool = False  # text: only flags after the words read so far is no text (`concern reply R-1 --x`)
    name_in_field: str = ""  # filled in by `command`


def _arg(arg: Arg, default: Any = _REQUIRED) -> Any:
    arg = dataclasses.replace(arg, optional=default is not _REQUIRED)
    if default is _REQUIRED:
        return field(metadata={"arg": arg})
    return field(default=default, metadata={"arg": arg})


def word(reader: Any = IDENT, *, default: Any = _REQUIRED, label: str = "", bad: str = "") -> Any:
    """One word read by `reader`."""
    return _arg(Arg("word", reader, label=label or getattr(reader, "label", ""), bad=bad), default)


def rest(*, default: Any = _REQUIRED, join: str = " ", label: str = "") -> Any:
    """Every remaining word: a group's name, a person. `join=""` keeps a code typed in pieces whole."""
    return _arg(Arg("rest", IDENT, join=join, label=label), default)


def text(*, most: int, too_long: str, missing: str = "", default: Any = _REQUIRED, label: str = "text", worded: bool = False) -> Any:
    """The rest of the line as typed, spacing and quotes kept, at most `most` characters; with
    `worded`, it must hold a word besides `--flags`."""
    return _arg(Arg("text", IDENT, most=most, too_long=too_long, missing=missing, label=label, worded=worded), default)


def flag(name: str, *, shown: bool = True) -> Any:
    """A `--name` switch: true when typed."""
    return _arg(Arg("flag", name=name, shown=shown), False)


def tail(reader: Choice, *, default: Any = "", label: str = "") -> Any:
    """An optional last word, read from the end before the other fields."""
    return _arg(Arg("tail", reader, label=label), default)


def named(reader: Any, meaning: str, *, bad: str, label: str = "") -> Any:
    """An optional `name value` pair; the names are the words for `meaning` in words.yml `settings`."""
    return _arg(Arg("named", reader, name=meaning, bad=bad, label=label or getattr(reader, "label", "")), None)


def option(name: str, reader: Any, *, label: str = "") -> Any:
    """An optional `--name value`; the command's own `read` finds it (`meeting add … --tz <zone>`)."""
    return _arg(Arg("option", reader, name=name, label=label or getattr(reader, "label", "")), None)


@dataclass(frozen=True)
class Form:
    """One way to type a command: its words, the fields those words fix, its help line."""

    words: tuple[str, ...]
    fixed: Mapping[str, Any] = field(default_factory=dict)
    help: str = ""
    listed: bool | None = None
    bare: bool = False  # the words alone, nothing after them (`meeting` lists; `meeting lsit` is a typo)


def form(*words: str, help: str = "", listed: bool | None = None, bare: bool = False, **fixed: Any) -> Form:
    return Form(tuple(words), fixed, help, listed, bare)


@dataclass(frozen=True)
class Grammar:
    """Everything declared about one command type."""

    cls: type
    forms: tuple[Form, ...]
    args: tuple[Arg, ...]
    help: str
    audience: str
    listed: bool
    refusal: str
    params: Mapping[str, Any]
    extra: bool  # words past the fields are ignored (`yes please`)
    strict_flags: bool  # an unknown `--flag` is refused
    valid: Callable[[Any], bool] | None
    read: Callable[[Args], "Command | Refusal"] | None
    unknown: str  # refusal key (with the word as `name`) for a `named` field's unknown name
    admin_too: bool
    defaults: Mapping[str, Any]

    def specs(self) -> tuple[Spec, ...]:
        return tuple(
            Spec(f.words, _Build(self, f), f.help or self.help, self.audience, self.listed if f.listed is None else f.listed, f.bare, self.admin_too)
            for f in self.forms
        )

    def fields_for(self, f: Form) -> tuple[Arg, ...]:
        return () if f.bare else tuple(a for a in self.args if a.name_in_field not in f.fixed)


@dataclass(frozen=True)
class _Build:
    grammar: Grammar
    form: Form

    def __call__(self, args: Args) -> Command | Refusal:
        return _read(self.grammar, self.form, args)


#: Every declared form, by its words: the table `line` and `usage` consult.
DECLARED: dict[tuple[str, ...], list[tuple[Grammar, Form]]] = {}


def command(
    *words: str,
    forms: Sequence[Form] = (),
    help: str,
    refusal: str = "errors.no_arguments",
    params: Mapping[str, Any] | None = None,
    audience: str = "all",
    listed: bool = True,
    extra: bool = False,
    strict_flags: bool = False,
    valid: Callable[[Any], bool] | None = None,
    read: Callable[[Args], "Command | Refusal"] | None = None,
    unknown: str = "",
    admin_too: bool = True,
) -> Callable[[type], type]:
    """Declare a command dataclass: its words (or `forms`), help key, refusal, who may use it."""

    def declare(cls: type) -> type:
        args = []
        for f in dataclasses.fields(cls):
            arg = f.metadata.get("arg")
            if arg is None:
                continue
            args.append(dataclasses.replace(arg, name_in_field=f.name, label=arg.label or f.name))
        grammar = Grammar(
            cls, tuple(forms) or (Form(tuple(words)),), tuple(args), help, audience, listed, refusal, dict(params or {}),
            extra, strict_flags, valid, read, unknown, admin_too,
            {f.name: f.default for f in dataclasses.fields(cls) if f.default is not dataclasses.MISSING},
        )
        cls.__grammar__ = grammar
        for f in grammar.forms:
            DECLARED.setdefault(f.words, []).append((grammar, f))
        return cls

    return declare


def grammar_of(cls: type) -> Grammar:
    return cls.__grammar__  # type: ignore[attr-defined]


def specs_of(*classes: type) -> tuple[Spec, ...]:
    """The parser's table entries for these declared commands, in order."""
    return tuple(spec for cls in classes for spec in grammar_of(cls).specs())


def _read(g: Grammar, f: Form, args: Args) -> Command | Refusal:
    shape = Refusal(g.refusal, {"usage": Usage(f.words), **g.params})
    if g.read is not None:
        return g.read(args)
    fields = g.fields_for(f)
    flags = {a.name for a in fields if a.kind == "flag"}
    if g.strict_flags and args.flags - flags:
        return shape
    values: dict[str, Any] = dict(f.fixed)
    for a in fields:
        if a.kind == "flag":
            values[a.name_in_field] = a.name in args.flags
    words = list(args.words)
    if any(a.kind == "named" for a in fields):
        return _read_named(g, fields, words, values, shape)
    for a in reversed([a for a in fields if a.kind == "tail"]):
        if words:
            value = a.reader.read(words[-1])
            if isinstance(value, Refusal):
                return value
            if value is not None:
                values[a.name_in_field] = value
                words.pop()
    wrong: Refusal | None = None  # a field's own refusal, said once the shape is right
    consumed = 0
    for a in fields:
        if a.kind in ("word", "rest") and not words:
            if a.optional:
                continue
            return Refusal(a.missing, {"usage": Usage(f.words)}) if a.missing else shape
        if a.kind == "word":
            typed = words.pop(0)
            consumed += 1
            value = a.reader.read(typed)
            if value is None:
                if not a.bad:
                    return shape
                wrong = wrong or Refusal(a.bad, {"value": typed[:40]})
            elif isinstance(value, Refusal):
                wrong = wrong or value
            else:
                values[a.name_in_field] = value
        elif a.kind == "rest":
            values[a.name_in_field] = a.join.join(words)
            consumed += len(words)
            words = []
        elif a.kind == "text":
            said = args.text_after(consumed)
            if not said and a.optional:
                continue
            if not said or (a.worded and not words):
                return Refusal(a.missing, {"usage": Usage(f.words)}) if a.missing else shape
            if len(said) > a.most:
                return Refusal(a.too_long, {"length": len(said), "limit": a.most})
            values[a.name_in_field] = said
            words = []
    if words and not g.extra:
        return shape
    if wrong is not None:
        return wrong
    made = g.cls(**values)
    if g.valid is not None and not g.valid(made):
        return shape
    return made


def _read_named(g: Grammar, fields: tuple[Arg, ...], words: list[str], values: dict[str, Any], shape: Refusal) -> Command | Refusal:
    """`name value` pairs (`settings dm off language es`), each value through its field's reader."""
    if not words or len(words) % 2:
        return shape
    names = input_words("settings")
    by_meaning = {a.name: a for a in fields if a.kind == "named"}
    for name, typed in zip(words[::2], words[1::2]):
        meaning = names.get(name.lower())
        a = by_meaning.get(meaning or "")
        if a is None:
            return Refusal(g.unknown, {"name": name[:40]})
        value = a.reader.read(typed)
        if value is None or isinstance(value, Refusal):
            choices = ", ".join(getattr(a.reader, "shown", ()))
            return Refusal(a.bad, {"name": name.lower()[:40], "value": typed[:64], "choices": choices})
        values[a.name_in_field] = value
    return g.cls(**values)


# --- writing a command line back --------------------------------------------------------------


def _quoted(value: str) -> str:
    """`value` as one word the tokenizer reads back unchanged."""
    if value and not any(c.isspace() or c in QUOTES or c == "\\" for c in value):
        return value
    if '"' not in value and "\\" not in value:
        return f'"{value}"'
    return shlex.quote(value)


def _shown(arg: Arg, value: Any) -> str:
    return _quoted(arg.reader.show(value))


def _written(g: Grammar, f: Form, cmd: Any) -> str:
    out = list(f.words)
    fields = g.fields_for(f)
    positional = [a for a in fields if a.kind in ("word", "rest", "text")]
    every_tail = [a for a in fields if a.kind == "tail"]
    tails = [a for a in every_tail if getattr(cmd, a.name_in_field) != _default(g, a)]
    last = max((i for i, a in enumerate(positional) if getattr(cmd, a.name_in_field) != _default(g, a)), default=-1)
    for i, a in enumerate(positional):
        value = getattr(cmd, a.name_in_field)
        if i > last and a.optional:
            break
        if a.kind == "word":
            out.append(_shown(a, value))
        elif a.kind == "rest":
            pieces = value.split(" ") if a.join == " " else [value]
            misread = any(_quoted(p) != p for p in pieces) or any(t.reader.read(pieces[-1]) is not None for t in every_tail)
            out.append(_quoted(value) if misread else value)
        else:
            out.append(value)
    out.extend(_shown(a, getattr(cmd, a.name_in_field)) for a in tails)
    for a in fields:
        value = getattr(cmd, a.name_in_field)
        if a.kind == "named" and value is not None:
            out.extend((a.name, _shown(a, value)))
        elif a.kind == "option" and value is not None:
            out.extend((a.name, _shown(a, value)))
        elif a.kind == "flag" and value:
            out.append(a.name)
    return " ".join(out)


def _default(g: Grammar, a: Arg) -> Any:
    return g.defaults.get(a.name_in_field)


def line(cmd: Command) -> str:
    """The canonical command line for `cmd`: what a button carries, and what `parse` reads back as `cmd`."""
    g = grammar_of(type(cmd))
    for f in g.forms:
        if any(getattr(cmd, name) != value for name, value in f.fixed.items()):
            continue
        if f.bare and any(getattr(cmd, a.name_in_field) != _default(g, a) for a in g.args):
            continue
        written = _written(g, f, cmd)
        if _longest_form(written) == f.words:
            return written
    raise ValueError(f"{cmd!r} cannot be written as a command line")


def _longest_form(written: str) -> tuple[str, ...]:
    # Command words are plain words, so splitting at spaces finds them; a quoted value never equals one.
    lowered = written.lower().split(" ", 3)
    best: tuple[str, ...] = ()
    for words in DECLARED:
        if len(words) > len(best) and tuple(lowered[: len(words)]) == words:
            best = words
    return best


def usage(words: Sequence[str], t: Callable[..., str]) -> str:
    """The usage line of the form typed with `words`, its placeholders in the translator's language."""
    declared = DECLARED.get(tuple(words))
    if not declared:
        return " ".join(words)
    out = list(words)
    for g, f in declared[:1]:
        for a in g.fields_for(f):
            if not a.shown:
                continue
            piece = _placeholder(a, t, g)
            out.append(f"[{piece}]" if a.optional and a.kind != "flag" else piece)
    return " ".join(out)


def _placeholder(a: Arg, t: Callable[..., str], g: Grammar) -> str:
    if a.kind == "flag":
        return f"[{a.name}]"
    if a.kind == "option":
        return f"{a.name} <{t('usage.' + a.label)}>"
    if a.kind == "named":
        return f"{a.name} <{t('usage.' + a.label)}>"
    shown = getattr(a.reader, "shown", None)
    if shown:
        default = _default(g, a)
        return "|".join(w for w in shown if not (a.optional and a.reader.words[w] == default))
    return f"<{t('usage.' + a.label.replace('-', '_'))}>"
