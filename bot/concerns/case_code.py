"""Case codes: the reporter's only key to a concern, 65 random bits in Crockford base-32.

Thirteen characters from an alphabet without I, L, O and U, shown as XXXX-XXXX-XXXXX. Reading
forgives what people do when they copy a code by hand: any case, spaces or dashes anywhere,
I and L for 1, O for 0.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 13  # 13 × 5 = 65 bits
_READ_AS = {"I": "1", "L": "1", "O": "0"}


def new_case_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def format_case_code(code: str) -> str:
    return f"{code[:4]}-{code[4:8]}-{code[8:]}"


def parse_case_code(text: str) -> str | None:
    """The code someone typed, normalised; None when it cannot be a case code."""
    cleaned = "".join(_READ_AS.get(c, c) for c in text.upper() if c not in " -\t")
    if len(cleaned) != LENGTH or any(c not in ALPHABET for c in cleaned):
        return None
    return cleaned
