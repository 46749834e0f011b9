"""Long choice lists of forms, searched as a person types: what a typeahead offers for a query.

A platform's menu holds so many options (Slack: 100); a district has as many sites as it has.
A form's input keeps its whole list, and a platform that cannot show it all asks the core for
the options matching what the person typed (`Bot.suggest`). Matching ignores case and accents
("lin" finds "Lincoln Elementary", "jose" finds "José Martí"); options whose words start with
the query come first, then the others that contain it, each in the list's own order.
"""

from __future__ import annotations

import unicodedata
from typing import Sequence

from bot.types import Option

#: The most options one answer holds (Slack's limit for a menu's options).
MOST = 100
#: The longest query read; a longer one is cut (nothing is that long in a site's name).
QUERY_LIMIT = 100


def fold(text: str) -> str:
    """`text` for comparing: case and accents folded away."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def matching(options: Sequence[Option], query: str, most: int = MOST) -> list[Option]:
    """The options whose label matches `query`, best first, at most `most`; every option (the
    first `most`) for an empty query."""
    wanted = fold(query.strip())[:QUERY_LIMIT]
    if not wanted:
        return list(options[:most])
    starts: list[Option] = []
    contains: list[Option] = []
    for option in options:
        label = fold(option.label)
        if label.startswith(wanted) or any(word.startswith(wanted) for word in label.split()):
            starts.append(option)
        elif wanted in label:
            contains.append(option)
        if len(starts) >= most:
            break
    return (starts + contains)[:most]
