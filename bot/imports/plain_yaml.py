"""Import files are plain YAML: no anchors, no aliases, no tags, no deep nesting.

An alias repeats a value without repeating its text, so nine levels of nine aliases is a few
hundred bytes that expand to hundreds of millions of values (the "billion laughs"). Tags ask the
loader to build a particular type. Neither belongs in a district's groups file, so the file's
events are checked one by one with the C parser before anything is built: the first anchor,
alias or tag stops the read at once, naming its line, having built nothing.
"""

from __future__ import annotations

from typing import Any

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: A groups file is a list of mappings of short lists: four levels. Twenty leaves room to spare
#: and keeps a file of `[[[[…` from building a structure nested a million deep.
MAX_DEPTH = 20


class NotPlainYaml(ValueError):
    """The file is not plain YAML; `sentence` says why and where (1-based line)."""

    def __init__(self, sentence: str, line: int | None) -> None:
        super().__init__(sentence)
        self.sentence = sentence
        self.line = line


def load_plain(text: str) -> Any:
    """The one document in `text`, refusing anchors, aliases, explicit tags and deep nesting.

    Raises NotPlainYaml for those, and yaml.YAMLError for text that is not YAML at all."""
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        line = event.start_mark.line + 1 if event.start_mark is not None else None
        if isinstance(event, yaml.AliasEvent):
            raise NotPlainYaml(f"line {line} uses an alias (*name); write the value out in full instead.", line)
        if getattr(event, "anchor", None) is not None:
            raise NotPlainYaml(f"line {line} sets an anchor (&name); anchors and aliases are not accepted, write each value out in full.", line)
        if getattr(event, "tag", None) is not None:
            raise NotPlainYaml(f"line {line} has a tag (a word starting with !); write plain values without tags.", line)
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise NotPlainYaml(f"line {line} nests lists or mappings more than {MAX_DEPTH} levels deep.", line)
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            depth -= 1
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader; the events were checked above
